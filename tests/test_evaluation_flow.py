"""Evaluation end to end on the real stack (PostgreSQL, Kafka, the four services): agreements the province files
from paper reach evaluation through Kafka; a 总师 round is graded, refused over the 20% cap (R-V3), reported jointly,
notified to the units (R-V4) and the 优秀 mark reaches matching; a 特派员 year goes from the enterprise's material
(R-V6) through the county and the city to 末位淘汰 (R-V5), which ends the agreement in agreements and excludes the
commissioner in matching; technology contracts flag a low reward (R-V7). Scopes answer 404 out of scope."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from types import SimpleNamespace

from openpyxl import load_workbook

from services.matching.service_layer.ranking import MatchingPolicy, ranking_contexts
from shared.auth import Bureau, Role
from shared.timeutil import today_in_china
from shared.vocabulary import Programme
from tests.factories import DAQING, QIQIHAR
from tests.flows import PROVINCE, register_enterprise, register_institution, register_researcher
from tests.support import Platform, auth, eventually

E = "/evaluation/v1"
# Each flow has a city of its own (the demo's rounds are Harbin's): a round holds everything of its city and year.
KJJ = auth(Role.CITY_BUREAU, city_code=DAQING, bureau=Bureau.SCIENCE_TECH)
GXJ = auth(Role.CITY_BUREAU, city_code=DAQING, bureau=Bureau.INDUSTRY_IT)
QQHR = auth(Role.CITY_BUREAU, city_code=QIQIHAR, bureau=Bureau.SCIENCE_TECH)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


async def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def parties(
    platform: Platform, city: str, n: int, counties: list[str]
) -> tuple[str, dict, list[dict], list[tuple]]:
    institution_id, unit = await register_institution(platform)
    researchers = [await register_researcher(platform, institution_id, unit, name=f"专家{i}") for i in range(n)]
    enterprises = [await register_enterprise(platform, city, county=counties[i % len(counties)]) for i in range(n)]
    return institution_id, unit, researchers, enterprises


async def import_agreement(platform: Platform, programme: str, researcher: dict, enterprise_id: str, **kw) -> dict:
    body = {
        "programme": programme,
        "researcher_id": researcher["id"],
        "enterprise_id": enterprise_id,
        "document_number": f"黑科协〔2025〕{uuid.uuid4().hex[:4]}号",
        "cooperation_content": "围绕企业关键技术开展联合攻关",
        **kw,
    }
    client = platform["agreements"].client

    async def imported():
        response = await client.post("/agreements/v1/agreements/imported", json=body, headers=PROVINCE)
        if response.status_code == 422 and response.json()["code"] == "PARTY_NOT_REGISTERED":
            return None  # intake's registry events are still on their way to agreements
        return await _ok(response, 201)

    return await eventually(imported, timeout=60, what="the parties reach agreements")


async def test_R_V1_R_V2_R_V3_R_V4_a_chief_round_from_window_to_the_units_and_matching(platform: Platform) -> None:
    _, unit, researchers, enterprises = await parties(platform, DAQING, 5, ["萨尔图区"])
    term_end = today_in_china() + timedelta(days=20)  # in the last month of the term: the window is open
    term_start = add_years(term_end, -2) + timedelta(days=1)
    served = [
        {
            "year": 1,
            "days_on_site": 100,
            "days_remote": 10,
            "description": "驻企攻关",
            "outcomes": {"problems_solved": 2},
        }
    ]
    agreements = [
        await import_agreement(
            platform,
            "chief_technologist",
            r,
            e[0],
            term_start=term_start.isoformat(),
            term_end=term_end.isoformat(),
            service_days_per_year=90,
            served=served,
        )
        for r, e in zip(researchers, enterprises, strict=True)
    ]
    client = platform["evaluation"].client

    async def opened():
        page = (await client.get(f"{E}/chief-evaluations?status=open&page_size=100", headers=KJJ)).json()
        mine = [e for e in page["items"] if e["agreement_id"] in {a["id"] for a in agreements}]
        return mine if len(mine) == 5 else None

    evaluations = await eventually(opened, timeout=60, what="the five evaluations open (R-V1 timer)")
    first = evaluations[0]
    assert first["window_closes_on"] == term_end.isoformat()
    assert first["service"][0] == {"year": 1, "confirmed_days": 110, "required_days": 90}  # pre-filled (R-V2)
    assert first["outcomes"]["problems_solved"] == 2
    round_id = first["round_id"]
    assert {e["round_id"] for e in evaluations} == {round_id}  # one round per body and year

    # R-V2: 优秀 needs evidence the enterprise confirmed (or a transferred achievement).
    body = {
        "problems_solved": ["解决了寒地低温发酵菌种退化问题"],
        "comments": "服务扎实",
        "score": 95,
        "grade": "excellent",
    }
    refused = await client.put(f"{E}/chief-evaluations/{first['id']}", json=body, headers=KJJ)
    assert refused.status_code == 422 and refused.json()["code"] == "EVIDENCE_REQUIRED"
    recorded = await _ok(
        await client.put(f"{E}/chief-evaluations/{first['id']}", json={**body, "grade": None}, headers=KJJ)
    )
    problem_id = recorded["problems"][0]["id"]
    enterprise_of_first = next(e for e in enterprises if e[0] == first["enterprise_id"])
    other_enterprise = next(e for e in enterprises if e[0] != first["enterprise_id"])
    hidden = await client.post(
        f"{E}/chief-evaluations/{first['id']}/confirm-problems",
        json={"problem_ids": [problem_id]},
        headers=other_enterprise[1],
    )
    assert hidden.status_code == 404  # another enterprise's evaluation does not exist for it
    await _ok(
        await client.post(
            f"{E}/chief-evaluations/{first['id']}/confirm-problems",
            json={"problem_ids": [problem_id]},
            headers=enterprise_of_first[1],
        )
    )
    await _ok(await client.put(f"{E}/chief-evaluations/{first['id']}", json=body, headers=KJJ))
    second = evaluations[1]
    achievement = {"kind": "patent", "title": "一种低温发酵装置", "reference": "ZL202510000001.X"}
    await _ok(
        await client.put(
            f"{E}/chief-evaluations/{second['id']}",
            headers=GXJ,
            json={"achievements": [achievement], "comments": "成果转化显著", "grade": "excellent"},
        )
    )
    for e in evaluations[2:]:
        await _ok(
            await client.put(
                f"{E}/chief-evaluations/{e['id']}", json={"comments": "合格", "grade": "qualified"}, headers=KJJ
            )
        )

    # R-V3: 2 of 5 is 40%; at most floor(20% × 5) = 1.
    over = await client.post(f"{E}/chief-rounds/{round_id}/submit", headers=KJJ)
    assert over.status_code == 422, over.text
    assert over.json()["code"] == "EXCELLENT_CAP_EXCEEDED" and over.json()["rule_ids"] == ["R-V3"]
    assert "本轮共 5 人参评，优秀至多 1 人，当前 2 人" in over.json()["detail"]
    await _ok(
        await client.put(
            f"{E}/chief-evaluations/{second['id']}",
            headers=GXJ,
            json={"achievements": [achievement], "comments": "成果转化较好", "grade": "qualified"},
        )
    )
    submitted = await _ok(await client.post(f"{E}/chief-rounds/{round_id}/submit", headers=KJJ))
    assert submitted["status"] == "confirming" and submitted["excellent"] == 1 and submitted["excellent_places"] == 1
    again = await client.post(f"{E}/chief-rounds/{round_id}/confirm", headers=KJJ)
    assert again.status_code == 409 and again.json()["code"] == "ALREADY_CONFIRMED"  # jointly: the other bureau
    late = await client.put(
        f"{E}/chief-evaluations/{second['id']}", json={"comments": "改为优秀", "grade": "excellent"}, headers=GXJ
    )
    assert late.status_code == 409 and late.json()["code"] == "ILLEGAL_TRANSITION"  # the round is locked
    reported = await _ok(await client.post(f"{E}/chief-rounds/{round_id}/confirm", headers=GXJ))
    assert reported["status"] == "reported" and reported["confirmations"] == ["science_tech", "industry_it"]

    # The unit sees nothing before the province notifies (R-V4); the province returns once, then notifies.
    assert (await client.get(f"{E}/chief-evaluations/{first['id']}", headers=unit)).status_code == 404
    summary = await _ok(await client.get(f"{E}/summary?year={term_end.year}", headers=PROVINCE))
    assert summary["chief_technologist"]["by_body"][DAQING]["excellent"] >= 1
    returned = await _ok(
        await client.post(f"{E}/chief-rounds/{round_id}/return", json={"reason": "请补充考评意见"}, headers=PROVINCE)
    )
    assert returned["status"] == "returned" and returned["return_reason"] == "请补充考评意见"

    # The correction comes back as the round's own workbook: all rows or none, each refusal with its row.
    sheet_book = load_workbook(
        io.BytesIO((await client.get(f"{E}/chief-rounds/{round_id}/workbook", headers=GXJ)).content)
    )
    sheet = sheet_book.active
    rows = {sheet.cell(r, 1).value: r for r in range(3, sheet.max_row + 1)}
    sheet.cell(rows[evaluations[2]["id"]], 11).value = "补充：协助企业完成两条产线改造"
    sheet.cell(rows[evaluations[3]["id"]], 10).value = "良好"  # not a grade
    buffer = io.BytesIO()
    sheet_book.save(buffer)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    refused = await client.post(f"{E}/chief-rounds/{round_id}/workbook", headers=GXJ,
                                files={"file": ("round.xlsx", buffer.getvalue(), xlsx)})  # fmt: skip
    assert refused.status_code == 422 and refused.json()["code"] == "IMPORT_REFUSED"
    assert [(e["row"], e["field"]) for e in refused.json()["errors"]] == [(rows[evaluations[3]["id"]], "等次")]
    unchanged = await _ok(await client.get(f"{E}/chief-evaluations/{evaluations[2]['id']}", headers=GXJ))
    assert unchanged["comments"] == "合格"  # nothing of the refused file was applied
    sheet.cell(rows[evaluations[3]["id"]], 10).value = "合格"
    buffer = io.BytesIO()
    sheet_book.save(buffer)
    await _ok(await client.post(f"{E}/chief-rounds/{round_id}/workbook", headers=GXJ,
                                files={"file": ("round.xlsx", buffer.getvalue(), xlsx)}))  # fmt: skip
    corrected = await _ok(await client.get(f"{E}/chief-evaluations/{evaluations[2]['id']}", headers=GXJ))
    assert corrected["comments"] == "补充：协助企业完成两条产线改造" and corrected["grade"] == "qualified"
    await _ok(await client.post(f"{E}/chief-rounds/{round_id}/submit", headers=GXJ))
    await _ok(await client.post(f"{E}/chief-rounds/{round_id}/confirm", headers=KJJ))
    notified = await _ok(await client.post(f"{E}/chief-rounds/{round_id}/notify", headers=PROVINCE))
    assert notified["status"] == "notified"
    seen = await _ok(await client.get(f"{E}/chief-evaluations/{first['id']}", headers=unit))
    assert seen["grade"] == "excellent" and seen["priority_for_titles"] is True
    _, stranger = await register_institution(platform)
    assert (await client.get(f"{E}/chief-evaluations/{first['id']}", headers=stranger)).status_code == 404

    # The workbook carries the round as the bureaus keep it.
    book = await client.get(f"{E}/chief-rounds/{round_id}/workbook", headers=KJJ)
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet["A2"].value == "考评记录ID" and sheet.max_row == 7
    history = await _ok(await client.get(f"{E}/chief-rounds/{round_id}/history", headers=PROVINCE))
    assert [h["action"] for h in history][:3] == [
        "chief_round.submitted",
        "chief_round.confirmed",
        "chief_round.returned",
    ]

    # SASAC evaluates the province-owned SOEs' experts (R-V1) and reports its round by submitting it (R-V4).
    soe, soe_headers = await register_enterprise(platform, DAQING, county="萨尔图区", is_soe=True)
    soe_agreement = await import_agreement(platform, "chief_technologist", researchers[0], soe,
                                           term_start=term_start.isoformat(), term_end=term_end.isoformat(),
                                           service_days_per_year=90)  # fmt: skip
    sasac = auth(Role.SASAC)

    async def soe_opened():
        page = (await client.get(f"{E}/chief-evaluations?status=open&page_size=100", headers=sasac)).json()
        return next((e for e in page["items"] if e["agreement_id"] == soe_agreement["id"]), None)

    soe_evaluation = await eventually(soe_opened, timeout=60, what="the SOE's evaluation opens in SASAC's round")
    assert (await client.get(f"{E}/chief-evaluations/{soe_evaluation['id']}", headers=KJJ)).status_code == 404
    assert (await client.get(f"{E}/chief-evaluations/{first['id']}", headers=sasac)).status_code == 404
    assert (await client.get(f"{E}/chief-rounds/{round_id}", headers=sasac)).status_code == 404
    await _ok(await client.put(f"{E}/chief-evaluations/{soe_evaluation['id']}", headers=sasac,
                               json={"comments": "完成协议约定", "grade": "qualified"}))  # fmt: skip
    sasac_round = await _ok(await client.post(f"{E}/chief-rounds/{soe_evaluation['round_id']}/submit", headers=sasac))
    assert sasac_round["body"] == "sasac" and sasac_round["status"] == "reported"
    assert (await client.get(f"{E}/chief-evaluations/{soe_evaluation['id']}", headers=soe_headers)).status_code == 200

    # R-V4 reaches matching through Kafka: the 优秀 expert ranks with a visible bonus in later batches.
    async def marked():
        async with platform["matching"].runtime.uow() as uow:
            excellent = await uow.evaluation_marks.excellent()
        return uuid.UUID(first["researcher_id"]) in excellent

    await eventually(marked, timeout=60, what="matching holds the 优秀 result")


async def test_R_V5_R_V6_R_V7_a_commissioner_year_to_elimination_termination_and_exclusion(platform: Platform) -> None:
    _, unit, researchers, enterprises = await parties(platform, QIQIHAR, 3, ["龙沙区", "龙沙区", "建华区"])
    year = today_in_china().year - 1
    term_start, term_end = date(year, 1, 1), date(year + 2, 12, 31)
    agreements = []
    for i, (r, e) in enumerate(zip(researchers, enterprises, strict=True)):
        served = [
            {"year": 1, "days_on_site": 40 + 10 * i, "description": "驻企服务", "outcomes": {"platforms_built": 1}}
        ]
        agreements.append(
            await import_agreement(
                platform,
                "commissioner",
                r,
                e[0],
                term_start=term_start.isoformat(),
                term_end=term_end.isoformat(),
                service_days_per_year=30,
                served=served,
            )
        )
    client = platform["evaluation"].client
    city = KJJ  # Daqing's 科技局: another city sees nothing of Qiqihar's year

    async def copied():
        async with platform["evaluation"].runtime.uow() as uow:
            found = [await uow.agreements.get(uuid.UUID(a["id"])) for a in agreements]
            records = await uow.service_records.of([uuid.UUID(a["id"]) for a in agreements])
        return all(found) and all(records.values())

    await eventually(copied, timeout=60, what="evaluation holds the agreements and their service")
    gxj = await client.post(
        f"{E}/commissioner-rounds",
        json={"year": year},
        headers=auth(Role.CITY_BUREAU, city_code=QIQIHAR, bureau=Bureau.INDUSTRY_IT),
    )
    assert gxj.status_code == 403  # the 特派员 year is the 科技局's
    empty = await client.post(f"{E}/commissioner-rounds", json={"year": 2001}, headers=QQHR)
    assert empty.status_code == 422 and empty.json()["code"] == "NOTHING_TO_EVALUATE"
    round_id = (await _ok(await client.post(f"{E}/commissioner-rounds", json={"year": year}, headers=QQHR), 201))["id"]
    again = await client.post(f"{E}/commissioner-rounds", json={"year": year}, headers=QQHR)
    assert again.status_code == 409 and again.json()["code"] == "ALREADY_EXISTS"
    assert (await client.get(f"{E}/commissioner-rounds/{round_id}", headers=city)).status_code == 404
    page = await _ok(await client.get(f"{E}/commissioner-evaluations?round_id={round_id}&page_size=100", headers=QQHR))
    mine = {e["agreement_id"]: e for e in page["items"] if e["agreement_id"] in {a["id"] for a in agreements}}
    records = [mine[a["id"]] for a in agreements]
    assert [r["prefilled"]["confirmed_service_days"] for r in records] == [40, 50, 60]  # never typed twice
    assert [r["county"] for r in records] == ["龙沙区", "龙沙区", "建华区"] and len(page["items"]) == 3

    # R-V6: the enterprise's structured material and an attachment, checked by content and served by id only.
    material = {
        "problems_solved": ["解决发酵罐低温启动难题"],
        "platforms_built": ["寒地发酵中试平台"],
        "core_products": ["低温复合菌剂"],
        "capability_gained": "企业建立了自己的菌种筛选能力",
    }
    for record, (_, ent) in zip(records, enterprises, strict=True):
        await _ok(await client.put(f"{E}/commissioner-evaluations/{record['id']}/material", json=material, headers=ent))
    fake = await client.post(
        f"{E}/commissioner-evaluations/{records[0]['id']}/attachments",
        headers=enterprises[0][1],
        files={"file": ("report.pdf", b"MZ not a pdf", "application/pdf")},
    )
    assert fake.status_code == 422 and fake.json()["code"] == "FILE_TYPE_REFUSED"
    pdf = b"%PDF-1.4\n% evaluation material\n%%EOF\n"
    attached = await _ok(
        await client.post(
            f"{E}/commissioner-evaluations/{records[0]['id']}/attachments",
            headers=enterprises[0][1],
            files={"file": ("../../报告.pdf", pdf, "text/plain")},
        ),
        201,
    )
    assert attached["content_type"] == "application/pdf" and attached["filename"] == "报告.pdf"
    download = await client.get(f"{E}/attachments/{attached['id']}", headers=QQHR)
    assert download.content == pdf and download.headers["x-content-sha256"] == attached["sha256"]
    assert (await client.get(f"{E}/attachments/{attached['id']}", headers=enterprises[1][1])).status_code == 404

    # R-V5: the county scores its own; the other county cannot see it; the city sets the result.
    longsha = auth(Role.COUNTY, city_code=QIQIHAR, county="龙沙区")
    jianhua = auth(Role.COUNTY, city_code=QIQIHAR, county="建华区")
    assert (await client.get(f"{E}/commissioner-evaluations/{records[0]['id']}", headers=jianhua)).status_code == 404
    wrong = await client.put(f"{E}/commissioner-evaluations/{records[0]['id']}/result", headers=QQHR,
                             json={"grade": "qualified", "comments": "先于县级考核"})  # fmt: skip
    assert wrong.status_code == 409 and wrong.json()["code"] == "ILLEGAL_TRANSITION"  # county → city, in order
    for record, county, score in zip(records, (longsha, longsha, jianhua), (90, 55, 80), strict=True):
        await _ok(
            await client.put(
                f"{E}/commissioner-evaluations/{record['id']}/county-assessment",
                json={"score": score, "comments": "考核意见"},
                headers=county,
            )
        )

    # The city's results come back as the year's workbook (等次, 市级意见): all rows or none.
    book = load_workbook(
        io.BytesIO((await client.get(f"{E}/commissioner-rounds/{round_id}/workbook", headers=QQHR)).content)
    )
    sheet = book.active
    rows = {sheet.cell(r, 1).value: r for r in range(3, sheet.max_row + 1)}
    for record in records[:2]:
        sheet.cell(rows[record["id"]], 9).value, sheet.cell(rows[record["id"]], 10).value = "合格", "完成协议约定"

    def upload():
        buffer = io.BytesIO()
        book.save(buffer)
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return client.post(f"{E}/commissioner-rounds/{round_id}/workbook", headers=QQHR,
                           files={"file": ("year.xlsx", buffer.getvalue(), xlsx)})  # fmt: skip

    refused = await upload()  # the third row has no grade yet
    assert refused.status_code == 422 and [e["row"] for e in refused.json()["errors"]] == [rows[records[2]["id"]]]
    sheet.cell(rows[records[2]["id"]], 9).value, sheet.cell(rows[records[2]["id"]], 10).value = "合格", "完成约定"
    await _ok(await upload())
    determined = await _ok(await client.get(f"{E}/commissioner-evaluations?round_id={round_id}", headers=QQHR))
    assert {e["status"] for e in determined["items"]} == {"determined"}

    # R-V7: a technology contract with a reward below 10% of the subsidy is flagged, never refused.
    contract = await _ok(
        await client.post(
            f"{E}/technology-contracts",
            headers=enterprises[0][1],
            json={
                "agreement_id": agreements[0]["id"],
                "kind": "transfer",
                "registration_number": f"2301{uuid.uuid4().hex[:8]}",
                "signed_on": f"{year}-06-01",
                "amount_yuan": 500000,
                "subsidy_yuan": 50000,
                "reward_yuan": 3000,
            },
        ),
        201,
    )
    assert contract["reward_below_encouraged_share"] is True
    raised = await _ok(
        await client.patch(
            f"{E}/technology-contracts/{contract['id']}", json={"reward_yuan": 5000}, headers=enterprises[0][1]
        )
    )
    assert raised["reward_below_encouraged_share"] is False

    # 末位淘汰: proposed by the rule (10% rounded up of the city's ranking), the lowest-scored; nobody is removed
    # before the city files; the objection window is zero on this test platform.
    proposed = await _ok(await client.post(f"{E}/commissioner-rounds/{round_id}/eliminations", headers=QQHR))
    assert proposed["status"] == "proposed"
    bottom = [r for r in proposed["ranking"] if r["proposed"]]
    assert [r["evaluation_id"] for r in bottom] == [records[1]["id"]], proposed["ranking"]
    assert bottom[0]["rank"] == bottom[0]["ranked"]
    closed = await client.post(
        f"{E}/commissioner-evaluations/{records[1]['id']}/objections", json={"reason": "考核得分有误"}, headers=unit
    )
    assert closed.status_code == 409 and closed.json()["code"] == "OBJECTION_WINDOW_CLOSED"
    filed = await _ok(await client.post(f"{E}/commissioner-rounds/{round_id}/file", headers=QQHR))
    assert filed["status"] == "filed" and filed["counts"]["eliminated"] == 1

    eliminated = agreements[1]

    async def terminated():
        found = await client_get(platform, f"/agreements/v1/agreements/{eliminated['id']}")
        return found if found["status"] == "terminated" else None

    ended = await eventually(terminated, timeout=60, what="agreements ends the eliminated commissioner's agreement")
    assert ended["end_reason"].startswith("年度考评末位淘汰")
    trail = await client_get(platform, f"/agreements/v1/agreements/{eliminated['id']}/history")
    assert {"action": "agreement.eliminated", "actor": "evaluation", "actor_role": "system"} in [
        {k: entry[k] for k in ("action", "actor", "actor_role")} for entry in trail
    ]  # the audit trail says who ended it: evaluation's decision, arriving as an event
    assert (await client_get(platform, f"/agreements/v1/agreements/{agreements[0]['id']}"))["status"] == "filed"

    async def excluded():
        async with platform["matching"].runtime.uow() as uow:
            return (await uow.evaluation_marks.eliminated(today_in_china())).get(
                (uuid.UUID(eliminated["researcher_id"]), "commissioner")
            )

    until = await eventually(excluded, timeout=60, what="matching excludes the eliminated commissioner")
    assert until > today_in_china()
    # What ranking reads for any commissioner need now: the hard rule R-V5 excludes them until that day.
    need = SimpleNamespace(id=uuid.uuid4(), application_date=lambda today: today)
    async with platform["matching"].runtime.uow() as uow:
        context = (await ranking_contexts(uow, [need], policy=MatchingPolicy()))[need.id]
    rules = context.rules_for(Programme.COMMISSIONER, uuid.UUID(eliminated["researcher_id"]))
    assert rules.eliminated_until == until
    assert (
        context.rules_for(Programme.CHIEF_TECHNOLOGIST, uuid.UUID(eliminated["researcher_id"])).eliminated_until is None
    )


async def client_get(platform: Platform, path: str) -> dict:
    return await _ok(await platform["agreements"].client.get(path, headers=PROVINCE))
