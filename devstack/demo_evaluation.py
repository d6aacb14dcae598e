"""The demo's third part: agreements near the evaluations (R-V1–R-V7), so both can be walked from the README.

Appointments that already run on paper are filed with the province (历史协议备案, agreements' import): six 总师
agreements in Harbin whose terms end in three weeks — their evaluation window is open and they form the city's
round — and three 特派员 agreements in two of Harbin's counties that served all of last year, ready for the city's
yearly evaluation. The enterprises are registered for the purpose; the experts are the demo's own researchers.
A re-run changes nothing (existing agreements answer 409 ALREADY_EXISTS, which is tolerated).
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import date, timedelta

from devstack.demo_agreements import AgreementsDemo
from services.intake.domain.credit_code import ALPHABET, check_character
from shared.auth import Bureau, Role
from shared.timeutil import today_in_china

HARBIN = "230100"
CHIEF_COUNTIES = ("南岗区", "南岗区", "道里区", "香坊区", "南岗区", "道里区")
COMMISSIONER_COUNTIES = ("南岗区", "南岗区", "道里区")
INDUSTRIES = (
    "寒地农机",
    "生物发酵",
    "石墨新材料",
    "乳制品",
    "冰雪装备",
    "中药制剂",
    "大豆深加工",
    "寒地建材",
    "智能仓储",
)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class EvaluationDemo(AgreementsDemo):
    async def run(self, *, wait_s: float = 300) -> dict[str, int]:  # type: ignore[override]
        province = self.headers(Role.PROVINCE)
        rng = random.Random(20261202)
        counties = CHIEF_COUNTIES + COMMISSIONER_COUNTIES
        enterprises = [await self._enterprise(rng, i, county) for i, county in enumerate(counties)]
        researchers = await self._researchers(province, len(counties))
        today = today_in_china()
        chief_end = today + timedelta(days=21)  # the window (the term's last month) is open now
        chief_start = add_years(chief_end, -2) + timedelta(days=1)
        last_year = today.year - 1
        imported = 0
        for i, (researcher, enterprise) in enumerate(zip(researchers, enterprises, strict=True)):
            chief = i < len(CHIEF_COUNTIES)
            start, end = (chief_start, chief_end) if chief else (date(last_year, 1, 1), date(last_year + 2, 12, 31))
            days = 95 + 3 * i if chief else 30 + 12 * (i - len(CHIEF_COUNTIES))
            body = {
                "programme": "chief_technologist" if chief else "commissioner",
                "researcher_id": researcher,
                "enterprise_id": enterprise,
                "document_number": f"{'黑科总师' if chief else '哈科特派'}〔{start.year}〕{i + 1:03d}号",
                "term_start": start.isoformat(),
                "term_end": end.isoformat(),
                "service_days_per_year": 90 if chief else 30,
                "cooperation_content": f"围绕{INDUSTRIES[i]}企业关键技术开展联合攻关与成果转化",
                "served": [{"year": 1, "days_on_site": days, "days_remote": 5, "description": "驻企服务、技术攻关",
                            "outcomes": {"problems_solved": 1 + i % 3, "platforms_built": i % 2}}],
            }  # fmt: skip
            created = await self.call("agreements", "POST", "/agreements/v1/agreements/imported", province,
                                      json=body, tolerate=("ALREADY_EXISTS",))  # fmt: skip
            imported += created is not None
        opened = await self._wait_for_evaluations(wait_s)
        self.log(
            f"  ✓ evaluation: {len(CHIEF_COUNTIES)} 总师 agreements in their last month ({opened} evaluations open in "
            f"Harbin's round), {len(COMMISSIONER_COUNTIES)} 特派员 agreements that served {last_year}"
        )
        return {"agreements_imported": imported, "chief_evaluations_open": opened}

    async def _enterprise(self, rng: random.Random, i: int, county: str) -> str:
        body = "91" + HARBIN + "".join(rng.choice(ALPHABET[:10] + "ABCDEFGH") for _ in range(9))
        code = body + check_character(body)
        existing = await self.clients["intake"].get(
            f"/intake/v1/enterprises/{code}", headers=self.headers(Role.PROVINCE)
        )
        if existing.status_code != 200:
            registration = {
                "credit_code": code, "name": f"哈尔滨{INDUSTRIES[i]}科技有限公司", "city_code": HARBIN,
                "county": county, "registered_on": "2012-06-01", "independent_legal_person": True,
                "qualifications": ["high_tech"], "platforms": [], "is_soe": False,
            }  # fmt: skip
            key = self.headers(Role.PROVINCE, f"demo-eval-ent-{code}")
            await self.call("intake", "POST", "/intake/v1/enterprises", key, json=registration)
        return code

    async def _researchers(self, province: dict, n: int) -> list[str]:
        listed = await self.call("intake", "GET", "/intake/v1/researchers?page_size=100", province)
        ids = sorted(r["id"] for r in listed["items"])
        if len(ids) < n:
            raise RuntimeError("the demo's researchers are missing: load the intake part first")
        return ids[-n:]

    async def _wait_for_evaluations(self, wait_s: float) -> int:
        """Agreements reach evaluation through Kafka; the window's timer opens each 总师 evaluation."""
        kjj = self.headers(Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.SCIENCE_TECH)
        deadline = time.monotonic() + wait_s
        while True:
            page = await self.call("evaluation", "GET", "/evaluation/v1/chief-evaluations?page_size=100", kjj)
            opened = sum(1 for e in page["items"] if e["status"] in ("open", "graded", "notified"))
            if opened >= len(CHIEF_COUNTIES) or time.monotonic() > deadline:
                return opened
            await asyncio.sleep(1)
