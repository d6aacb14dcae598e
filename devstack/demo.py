"""Demo data through the public REST API: ``python -m devstack.demo [--url http://127.0.0.1:8001]``.

Loads the 13 cities' worth of enterprises, 12 real-sounding dispatching units of Heilongjiang, a few
hundred researchers whose achievements are real Chinese papers (CSL dev split, ../shared/data/csl),
this year's open batch of each programme, and needs filed by the enterprises — some reviewed and
reported to the province; then (``devstack.demo_agreements``) reported needs are taken on through
matching's answers, negotiation and the province's list, so every stage has something on it. Everything
goes through the same endpoints a user would call (so every event flows to the other services), with
Idempotency-Keys: running it twice changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import io
import json
import random
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
from openpyxl import Workbook

from devstack.config import REPO_ROOT, dev_jwt_secret
from devstack.demo_agreements import AgreementsDemo
from devstack.demo_evaluation import EvaluationDemo
from services.intake.domain.credit_code import ALPHABET, check_character
from shared.auth import Bureau, Principal, Role, mint_token
from shared.regions import CITIES
from shared.timeutil import today_in_china

PAPERS = REPO_ROOT.parent / "shared" / "data" / "csl" / "papers.jsonl"
BUNDLED_PAPERS = (
    Path(__file__).parent / "data" / "csl-dev.jsonl.gz"
)  # the same dev split, for a clone without ../shared


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str
    affiliation: str
    city: str
    disciplines: tuple[str, ...]  # CSL disciplines whose papers become this unit's researchers' achievements


UNITS = (
    Unit(
        "哈尔滨工业大学",
        "university",
        "ministerial",
        "230100",
        (
            "材料科学与工程",
            "控制科学与工程",
            "航空宇航科学与技术",
            "土木工程",
            "计算机科学与技术",
            "力学",
            "机械工程",
            "光学工程",
            "兵器科学与技术",
        ),
    ),
    Unit(
        "哈尔滨工程大学",
        "university",
        "ministerial",
        "230100",
        ("船舶与海洋工程", "核科学与技术", "信息与通信工程", "动力工程及工程热物理", "海洋科学", "军事学"),
    ),
    Unit(
        "东北林业大学",
        "university",
        "ministerial",
        "230100",
        ("林学/林业工程", "生物学/生物科学与工程", "环境科学与工程", "地理学", "交通运输工程"),
    ),
    Unit(
        "东北农业大学",
        "university",
        "provincial",
        "230100",
        ("作物学", "园艺学", "农业工程", "畜牧学/兽医学", "农业资源利用", "植物保护", "农林经济管理", "水产"),
    ),
    Unit(
        "黑龙江大学",
        "university",
        "provincial",
        "230100",
        ("哲学", "历史学", "法学", "新闻传播学", "中国语言文学", "政治学", "民族学", "社会学", "数学", "物理学"),
    ),
    Unit(
        "哈尔滨理工大学",
        "university",
        "provincial",
        "230100",
        ("电气工程", "电子科学与技术", "冶金工程", "测绘科学与技术", "建筑学", "水利工程"),
    ),
    Unit(
        "哈尔滨医科大学",
        "university",
        "provincial",
        "230100",
        ("基础医学/临床医学", "公共卫生与预防医学", "口腔医学", "心理学"),
    ),
    Unit("黑龙江中医药大学", "university", "provincial", "230100", ("中医学/中药学", "药学")),
    Unit(
        "齐齐哈尔大学",
        "university",
        "provincial",
        "230200",
        ("食品科学与工程", "化学/化学工程与技术", "纺织科学与工程", "艺术学", "体育学", "教育学"),
    ),
    Unit(
        "佳木斯大学",
        "university",
        "provincial",
        "230800",
        ("应用经济学", "理论经济学", "工商管理", "公共管理", "图书馆、情报与档案管理"),
    ),
    Unit(
        "东北石油大学",
        "university",
        "provincial",
        "230600",
        ("石油与天然气工程", "地质学/地质资源与地质工程", "矿业工程", "地球物理学", "大气科学", "天文学"),
    ),
    Unit("黑龙江省农业科学院", "research_institute", "provincial", "230100", ()),
)

# Industries of Heilongjiang's enterprises, with the disciplines whose papers feed their needs.
INDUSTRIES = (
    ("寒地农业装备", ("农业工程", "机械工程")),
    ("石油化工", ("石油与天然气工程", "化学/化学工程与技术")),
    ("新材料", ("材料科学与工程",)),
    ("生物医药", ("药学", "中医学/中药学")),
    ("绿色食品加工", ("食品科学与工程",)),
    ("林木精深加工", ("林学/林业工程",)),
    ("高端装备制造", ("机械工程", "控制科学与工程", "电气工程")),
    ("寒地现代农业", ("作物学", "园艺学", "农业资源利用")),
    ("船舶与海工装备", ("船舶与海洋工程",)),
    ("新一代信息技术", ("计算机科学与技术", "信息与通信工程", "电子科学与技术")),
    ("节能环保", ("环境科学与工程",)),
    ("冶金与煤化工", ("冶金工程", "矿业工程")),
)
COUNTIES = {
    "230100": "松北区",
    "230200": "建华区",
    "230300": "鸡冠区",
    "230400": "向阳区",
    "230500": "尖山区",
    "230600": "高新区",
    "230700": "伊美区",
    "230800": "前进区",
    "230900": "桃山区",
    "231000": "东安区",
    "231100": "爱辉区",
    "231200": "北林区",
    "232700": "加格达奇区",
}
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏"
    "钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鑫宇浩凯健俊帆帅旭宁龙林欣悦博文昊然晨阳瑞琪嘉"
TITLES = ["senior"] * 3 + ["associate_senior"] * 4 + ["intermediate"] * 2
DEGREES = ["doctorate"] * 7 + ["master"] * 2 + ["bachelor"]


def load_papers(path: Path | None = None) -> list[dict]:
    """The CSL dev split: from ``path``, else ../shared beside the checkout, else the bundled copy."""
    path = path or (PAPERS if PAPERS.exists() else BUNDLED_PAPERS)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [p for p in map(json.loads, f) if p["split"] == "dev"]


def credit_code(rng: random.Random, city: str) -> str:
    body = "91" + city + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + check_character(body)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _clean(text: str) -> str:
    return text.replace("\ufffd", "").strip()


def plan_researchers(papers: list[dict], rng: random.Random) -> dict[str, list[dict]]:
    """unit name → researchers, each with 2–5 papers of one discipline as achievements."""
    by_discipline: dict[str, list[dict]] = defaultdict(list)
    for paper in papers:
        by_discipline[paper["discipline"]].append(paper)
    owner = {d: u for u in UNITS for d in u.disciplines}
    agri = next(u for u in UNITS if u.kind == "research_institute")
    out: dict[str, list[dict]] = defaultdict(list)
    counter = 0
    for discipline, items in sorted(by_discipline.items()):
        unit = owner.get(discipline, agri)
        if discipline in ("作物学", "园艺学", "农业资源利用") and rng.random() < 0.4:
            unit = agri  # the academy of agricultural sciences shares the farm disciplines
        i = 0
        while i < len(items):
            take = min(len(items) - i, rng.randint(2, 5))
            counter += 1
            born = date(rng.randint(1968, 1993), rng.randint(1, 12), rng.randint(1, 28))
            out[unit.name].append(
                {
                    "employee_no": f"D{counter:05d}",
                    "name": _name(rng),
                    "date_of_birth": born,
                    "highest_degree": rng.choice(DEGREES),
                    "title": rng.choice(TITLES),
                    "disciplines": discipline.replace("/", "；"),
                    "research_fields": "；".join(
                        dict.fromkeys(k for p in items[i : i + take] for k in p["keywords"][:2])
                    ),
                    "research_misconduct": "是" if rng.random() < 0.01 else "否",
                    "papers": items[i : i + take],
                }
            )
            i += take
    return out


def workbook(researchers: list[dict], rng: random.Random) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "科研人员"
    sheet.append(["工号", "姓名", "出生日期", "最高学位", "职称", "学科", "研究方向", "科研失信记录"])
    achievements = book.create_sheet("成果")
    achievements.append(["工号", "类型", "成果名称", "摘要", "年份", "关键词"])
    for r in researchers:
        sheet.append(
            [
                r["employee_no"],
                r["name"],
                r["date_of_birth"],
                r["highest_degree"],
                r["title"],
                r["disciplines"],
                r["research_fields"],
                r["research_misconduct"],
            ]
        )
        for paper in r["papers"]:
            achievements.append(
                [
                    r["employee_no"],
                    "论文",
                    _clean(paper["title"])[:300],
                    _clean(paper["abstract"]),
                    rng.randint(2012, 2020),
                    "；".join(paper["keywords"]),
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Loader:
    def __init__(self, client: httpx.AsyncClient, secret: str, *, log=print) -> None:
        self.client, self.secret, self.log = client, secret, log
        self.changes = 0  # writes that changed something (a re-run replays its idempotent writes: 0)

    def headers(self, role: Role, key: str | None = None, **claims) -> dict[str, str]:
        token = mint_token(Principal(subject=f"demo-{role.value}", role=role, **claims), secret=self.secret)
        return {"Authorization": f"Bearer {token}"} | ({"Idempotency-Key": key} if key else {})

    async def call(self, method: str, path: str, headers: dict, *, ok=(200, 201), **kwargs) -> dict:
        response = await self.client.request(method, "/intake/v1" + path, headers=headers, **kwargs)
        if response.status_code not in ok:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        body = response.json()
        if path.endswith("/researchers/import"):  # answers 200 either way; it says what it changed
            self.changes += body["created"] + body["updated"]
        elif method != "GET" and response.headers.get("Idempotent-Replayed") != "true":
            self.changes += 1
        return body

    async def run(self, papers: list[dict], *, enterprises_per_city: int = 3, seed: int = 2026) -> dict[str, int]:
        rng = random.Random(seed)
        province = lambda key=None: self.headers(Role.PROVINCE, key)  # noqa: E731

        units = {}
        for unit in UNITS:
            existing = await self.call("GET", "/institutions", province(), params={"q": unit.name})
            match = next((i for i in existing["items"] if i["name"] == unit.name), None)
            if match is None:
                body = {
                    "name": unit.name,
                    "kind": unit.kind,
                    "affiliation": unit.affiliation,
                    "city_code": unit.city,
                    "master_degree_disciplines": list(unit.disciplines),
                    "first_class_disciplines": list(unit.disciplines[:2]),
                }
                match = await self.call("POST", "/institutions", province(f"demo-inst-{UNITS.index(unit)}"), json=body)
            units[unit.name] = match["id"]
        self.log(f"  ✓ {len(units)} dispatching units")

        n_researchers = n_achievements = 0
        for unit_name, researchers in plan_researchers(papers, rng).items():
            inst = self.headers(Role.INSTITUTION, institution_id=units[unit_name])
            files = {
                "file": (
                    "demo.xlsx",
                    workbook(researchers, rng),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            }
            result = await self.call("POST", f"/institutions/{units[unit_name]}/researchers/import", inst, files=files)
            n_researchers += len(researchers)
            n_achievements += result["achievements"]
        self.log(f"  ✓ {n_researchers} researchers with {n_achievements} achievements (CSL dev papers)")

        today = today_in_china()
        batches = {}
        for programme, label in (("chief_technologist", "科技总师"), ("commissioner", "企业科技特派员")):
            found = (
                await self.call("GET", "/batches", province(), params={"programme": programme, "year": today.year})
            )["items"]
            if found:
                batches[programme] = found[0]["id"]
                continue
            body = {
                "programme": programme,
                "year": today.year,
                "title": f"{today.year} 年度{label}需求征集",
                "opens_on": (today - timedelta(days=30)).isoformat(),
                "closes_on": (today + timedelta(days=60)).isoformat(),
            }
            batches[programme] = (
                await self.call("POST", "/batches", province(f"demo-batch-{programme}-{today.year}"), json=body)
            )["id"]
        self.log(f"  ✓ open batches: {', '.join(batches)}")

        papers_by_discipline: dict[str, list[dict]] = defaultdict(list)
        for paper in papers:
            papers_by_discipline[paper["discipline"]].append(paper)
        n_enterprises = n_needs = n_reported = 0
        for city, city_name in CITIES.items():
            for k in range(enterprises_per_city):
                industry, disciplines = rng.choice(INDUSTRIES)
                code = credit_code(rng, city)
                soe = city == "230100" and k == 0  # a province-owned SOE seated in Harbin
                brand = rng.choice("龙华北兴东盛远恒泰嘉") + rng.choice("江垦森源达科创新鑫")
                place = "黑龙江省" if soe else city_name[:-1]
                name = f"{place}{brand}{industry[:2]}{'集团' if soe else '科技'}有限公司"
                body = {
                    "credit_code": code,
                    "name": name,
                    "city_code": city,
                    "county": COUNTIES[city],
                    "registered_on": date(rng.randint(2005, 2022), rng.randint(1, 12), 1).isoformat(),
                    "independent_legal_person": True,
                    "qualifications": rng.sample(
                        ["above_scale_industrial", "high_tech", "specialised_sme", "little_giant"], rng.randint(1, 2)
                    ),
                    "platforms": rng.sample(
                        ["engineering_research_center", "pilot_platform", "provincial_key_lab"], rng.randint(0, 1)
                    ),
                    "is_soe": soe,
                }
                if not await self._exists(code):
                    await self.call("POST", "/enterprises", self.headers(Role.PROVINCE, f"demo-ent-{code}"), json=body)
                n_enterprises += 1
                me = dict(enterprise_id=code)
                for j in range(rng.randint(1, 2)):
                    pool = [p for d in disciplines for p in papers_by_discipline.get(d, [])] or papers
                    paper = rng.choice(pool)
                    kws = paper["keywords"][:4]
                    programme = "chief_technologist" if j == 0 else "commissioner"
                    need = {
                        "batch_id": batches[programme],
                        "title": f"{kws[0]}关键技术攻关"[:200],
                        "description": (
                            f"我公司在{industry}生产中亟需解决与「{'」「'.join(kws[:2])}」相关的技术难题。"
                            f"背景：{_clean(paper['abstract'])[:240]}"
                        ),
                        "industry": industry,
                        "desired_expertise": paper["discipline"],
                        "keywords": kws,
                        "cooperation_forms": ["joint_rd", "tech_transfer"][: rng.randint(1, 2)],
                        "conditions_offered": "提供研发岗位、试验场地与食宿，配备技术助手两名",
                        "experts_wanted": 1,
                    }
                    created = await self.call(
                        "POST", "/needs", self.headers(Role.ENTERPRISE, f"demo-need-{code}-{j}", **me), json=need
                    )
                    n_needs += 1
                    review = rng.random() < 0.6  # drawn every time, so a re-run makes the same choices
                    current = await self.call("GET", f"/needs/{created['id']}", province())
                    if review and current["status"] == "submitted":
                        await self._review(current, city)
                    n_reported += current["status"] == "reported" or review
        self.log(
            f"  ✓ {n_enterprises} enterprises in 13 cities, {n_needs} needs ({n_reported} reported to the province)"
        )
        return {
            "institutions": len(units),
            "researchers": n_researchers,
            "achievements": n_achievements,
            "enterprises": n_enterprises,
            "needs": n_needs,
            "reported": n_reported,
        }

    async def _exists(self, code: str) -> bool:
        response = await self.client.get(f"/intake/v1/enterprises/{code}", headers=self.headers(Role.PROVINCE))
        return response.status_code == 200

    async def _review(self, need: dict, city: str) -> None:
        path = f"/needs/{need['id']}"
        if need["is_soe"]:
            reviewers = [self.headers(Role.SASAC)]
        else:
            bureaus = [Bureau.SCIENCE_TECH] + (
                [Bureau.INDUSTRY_IT] if need["programme"] == "chief_technologist" else []
            )
            reviewers = [self.headers(Role.CITY_BUREAU, city_code=city, bureau=b) for b in bureaus]
        for headers in reviewers:
            await self.call("POST", f"{path}/approve", headers)
        await self.call("POST", f"{path}/report", reviewers[0])


def _next_port(url: str, step: int) -> str:
    base, port = url.rsplit(":", 1)
    return f"{base}:{int(port) + step}"


async def main_async(args: argparse.Namespace) -> None:
    papers = load_papers(Path(args.papers) if args.papers else None)
    secret = args.secret or dev_jwt_secret()
    urls = {
        "intake": args.url,
        "matching": args.matching_url or _next_port(args.url, 1),
        "agreements": args.agreements_url or _next_port(args.url, 2),
        "evaluation": args.evaluation_url or _next_port(args.url, 3),
    }
    clients = {name: httpx.AsyncClient(base_url=url, timeout=120) for name, url in urls.items()}
    try:
        print(f"Loading demo data into {args.url} …")
        loader = Loader(clients["intake"], secret)
        counts = await loader.run(papers, enterprises_per_city=args.enterprises_per_city)
        if not args.intake_only:
            print("Taking reported needs through matching's answers, negotiation and the province's list …")
            stages = AgreementsDemo(clients, secret, changes=lambda n: setattr(loader, "changes", loader.changes + n))
            counts |= await stages.run(wait_s=args.wait_for_matching)
            print("Filing agreements near their evaluations (总师 term end, 特派员 last year) …")
            evaluation = EvaluationDemo(
                clients, secret, changes=lambda n: setattr(loader, "changes", loader.changes + n)
            )
            counts |= await evaluation.run()
    finally:
        for client in clients.values():
            await client.aclose()
    summary = ", ".join(f"{k} {v}" for k, v in counts.items())
    if loader.changes:
        print(f"Demo data loaded ({loader.changes} changes):", summary)
    else:
        print("Demo data already loaded; nothing changed:", summary)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.demo")
    parser.add_argument("--url", default="http://127.0.0.1:8001", help="the intake service")
    parser.add_argument(
        "--papers", default=None, help="CSL papers.jsonl (default: ../shared/data/csl, else the bundled copy)"
    )
    parser.add_argument("--secret", help="HS256 secret of the target stack (default: the dev stack's)")
    parser.add_argument("--enterprises-per-city", type=int, default=3)
    parser.add_argument("--matching-url", help="the matching service (default: the intake port + 1)")
    parser.add_argument("--agreements-url", help="the agreements service (default: the intake port + 2)")
    parser.add_argument("--evaluation-url", help="the evaluation service (default: the intake port + 3)")
    parser.add_argument("--intake-only", action="store_true", help="load intake's data only, no negotiation stages")
    parser.add_argument(
        "--wait-for-matching", type=float, default=900, help="seconds to wait for matching's first candidate lists"
    )
    asyncio.run(main_async(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
