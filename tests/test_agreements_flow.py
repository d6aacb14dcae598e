"""From a willing candidate to the published list, through the real services and Kafka (R-F5, R-F6, R-F7, R-F4).

Three needs of their own batches run the whole path: a 总师 need of 哈尔滨, a province-owned SOE's need (SASAC),
and a 特派员 need (filed, after the unit approved the researcher's application). Intake → matching (the
province pushes, the unit answers "willing") → agreements: meetings, outcomes, the joint report, the
province's remove-only list, party-group approval, the public notice (no login), an objection, the notice's
end by timer and the final list. Scopes are checked on the way: another city never sees these pairs.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from shared.auth import Bureau, Role
from shared.db import create_engine
from tests.factories import HARBIN, QIQIHAR
from tests.flows import (
    PROVINCE,
    approve_and_report,
    ensure_batch,
    register_enterprise,
    register_institution,
    register_researcher,
    submit_need,
    wait_for_list,
)
from tests.support import Platform, auth, eventually, outbox_event_types

YEAR = 2092  # this module's own batches: a list is one per batch
A = "/agreements/v1"
KJJ = auth(Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.SCIENCE_TECH)
GXJ = auth(Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.INDUSTRY_IT)
QQHR = auth(Role.CITY_BUREAU, city_code=QIQIHAR, bureau=Bureau.SCIENCE_TECH)
SASAC = auth(Role.SASAC)
COLD = [
    {
        "kind": "paper",
        "title": "寒地设施农业日光温室保温蓄热墙体研究",
        "year": 2021,
        "summary": "针对严寒地区日光温室冬季夜间失温问题，研究相变蓄热墙体与保温被配置，提高越冬生产能力。",
        "keywords": ["日光温室", "蓄热墙体", "寒地设施农业"],
    }
]
AGRI = {"master_degree_disciplines": ["农业工程"], "first_class_disciplines": []}
INTENT = {"cooperation_content": "共同研发寒地日光温室蓄热墙体并在企业示范推广", "cooperation_forms": ["joint_rd"],
          "planned_start": "2027-03-01"}  # fmt: skip


async def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def report_soe_need(platform: Platform, need: dict) -> None:
    client = platform["intake"].client
    await ok(await client.post(f"/intake/v1/needs/{need['id']}/approve", headers=SASAC))
    await ok(await client.post(f"/intake/v1/needs/{need['id']}/report", headers=SASAC))


async def willing_pair(platform: Platform, need_id: str, headers: dict) -> dict:
    """The province pushes the need's list; the candidate's unit answers willing; agreements has the pair."""
    await wait_for_list(platform, need_id)
    pushed = await ok(await platform["matching"].client.post(f"/matching/v1/needs/{need_id}/push", headers=PROVINCE))
    entry = next(e for e in pushed["entries"] if e["state"] == "pushed")
    unit = auth(Role.INSTITUTION, institution_id=entry["institution_id"])
    await ok(
        await platform["matching"].client.post(
            f"/matching/v1/candidates/{entry['id']}/answer", json={"answer": "willing"}, headers=unit
        )
    )

    async def arrived():
        page = (await platform["agreements"].client.get(f"{A}/pairs?need_id={need_id}", headers=headers)).json()
        return page["items"][0] if page.get("items") else None

    return await eventually(arrived, timeout=60, what=f"the pair of need {need_id} in agreements")


@pytest.fixture(scope="module")
async def scene(platform: Platform) -> dict:
    chief_batch = await ensure_batch(platform, "chief_technologist", YEAR)
    commissioner_batch = await ensure_batch(platform, "commissioner", YEAR)
    unit, unit_headers = await register_institution(platform, **AGRI)
    for name in ("林暖", "郝温", "秦热", "顾阳", "钟煦", "田晴"):  # one per need (capacity 1) and spares
        await register_researcher(
            platform, unit, unit_headers, name=name, achievements=COLD, disciplines=["农业工程"],
            research_fields="寒地设施农业", highest_degree="doctorate", title="associate_senior",
        )  # fmt: skip
    need_text = dict(
        title="寒地日光温室冬季保温蓄热改造", description="严寒地区日光温室冬季夜间温度过低，需要蓄热墙体与保温方案。",
        keywords=["日光温室", "蓄热墙体"], desired_expertise="农业工程",
    )  # fmt: skip
    _, owner = await register_enterprise(platform, HARBIN)
    _, soe_owner = await register_enterprise(platform, HARBIN, is_soe=True)
    _, host = await register_enterprise(platform, HARBIN, registered_on="2015-05-01")
    chief = await submit_need(platform, owner, chief_batch["id"], **need_text)
    soe = await submit_need(platform, soe_owner, chief_batch["id"], **need_text)
    commissioner = await submit_need(platform, host, commissioner_batch["id"], **need_text)
    failing = await submit_need(platform, owner, chief_batch["id"], **need_text)
    await approve_and_report(platform, chief)
    await approve_and_report(platform, failing)
    await report_soe_need(platform, soe)
    await approve_and_report(platform, commissioner)
    return {
        "chief_batch": chief_batch["id"],
        "commissioner_batch": commissioner_batch["id"],
        "chief": await willing_pair(platform, chief["id"], KJJ),
        "soe": await willing_pair(platform, soe["id"], SASAC),
        "commissioner": await willing_pair(platform, commissioner["id"], KJJ),
        "failing": await willing_pair(platform, failing["id"], KJJ),
    }


async def test_R_F5_willing_candidates_are_to_negotiate_within_their_city_or_sasac(
    platform: Platform, scene: dict
) -> None:
    client = platform["agreements"].client
    chief, soe = scene["chief"], scene["soe"]
    assert (chief["status"], chief["researcher_name"] is not None, chief["confirmations_required"]) == (
        "to_negotiate", True, ["industry_it", "science_tech"])  # fmt: skip
    assert (await client.get(f"{A}/pairs/{chief['id']}", headers=QQHR)).status_code == 404
    assert (await client.get(f"{A}/pairs/{soe['id']}", headers=KJJ)).status_code == 404  # an SOE's pair is SASAC's
    assert (await client.get(f"{A}/pairs/{soe['id']}", headers=SASAC)).status_code == 200
    assert (await client.get(f"{A}/pairs/{chief['id']}", headers=SASAC)).status_code == 404
    unit = auth(Role.INSTITUTION, institution_id=chief["institution_id"])
    assert (await client.get(f"{A}/pairs/{chief['id']}", headers=unit)).status_code == 200
    others = (await client.get(f"{A}/pairs?status=to_negotiate", headers=QQHR)).json()
    assert chief["id"] not in {p["id"] for p in others["items"]}


async def test_R_F5_R_F4_meetings_outcomes_and_the_report_of_each_programme(platform: Platform, scene: dict) -> None:
    client = platform["agreements"].client
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
    later = (datetime.now(UTC) + timedelta(days=4)).replace(microsecond=0).isoformat()
    chief, soe, commissioner = scene["chief"], scene["soe"], scene["commissioner"]

    meeting = await ok(
        await client.post(f"{A}/meetings", json={"pair_ids": [chief["id"]], "starts_at": starts,
                                                 "place": "哈尔滨市科技局三楼会议室"}, headers=GXJ), 201,
    )  # fmt: skip
    moved = await ok(
        await client.post(f"{A}/meetings/{meeting['id']}/reschedule", headers=KJJ,
                          json={"starts_at": later, "reason": "企业负责人出差",
                                "online_link": "https://meeting.example.cn/123"}),
    )  # fmt: skip
    assert len(moved["reschedules"]) == 1 and moved["online_link"] == "https://meeting.example.cn/123"
    assert (await client.get(f"{A}/meetings/{meeting['id']}", headers=QQHR)).status_code == 404
    await ok(await client.post(f"{A}/pairs/{chief['id']}/intent", json=INTENT, headers=KJJ))

    # 总师: both bureaus confirm; the first confirmation alone does not reach the province.
    first = await ok(await client.post(f"{A}/pairs/{chief['id']}/report", headers=KJJ))
    assert (first["status"], first["confirmations"]) == ("intent_reached", ["science_tech"])
    again = await client.post(f"{A}/pairs/{chief['id']}/report", headers=KJJ)
    assert again.status_code == 409 and again.json()["code"] == "ALREADY_CONFIRMED"
    reported = await ok(await client.post(f"{A}/pairs/{chief['id']}/report", headers=GXJ))
    assert (reported["status"], reported["batch_id"]) == ("reported", scene["chief_batch"])

    # An SOE's pair: SASAC organises and reports alone.
    soe_meeting = {"pair_ids": [soe["id"]], "starts_at": starts, "place": "省国资委会议室"}
    await ok(await client.post(f"{A}/meetings", json=soe_meeting, headers=SASAC), 201)
    await ok(await client.post(f"{A}/pairs/{soe['id']}/intent", json=INTENT, headers=SASAC))
    assert (await ok(await client.post(f"{A}/pairs/{soe['id']}/report", headers=SASAC)))["status"] == "reported"

    # 特派员: the 科技局 files it — only once the unit approved the researcher's application (R-F4).
    c_meeting = {"pair_ids": [commissioner["id"]], "starts_at": starts, "place": "哈尔滨市科技局"}
    assert (await client.post(f"{A}/meetings", json=c_meeting, headers=GXJ)).status_code == 403
    await ok(await client.post(f"{A}/meetings", json=c_meeting, headers=KJJ), 201)
    await ok(await client.post(f"{A}/pairs/{commissioner['id']}/intent", json=INTENT, headers=KJJ))
    refused = await client.post(f"{A}/pairs/{commissioner['id']}/report", headers=KJJ)
    assert refused.status_code == 422 and refused.json()["rule_ids"] == ["R-F4"]
    researcher = auth(Role.RESEARCHER, researcher_id=commissioner["researcher_id"])
    application = await ok(
        await platform["intake"].client.post(
            "/intake/v1/applications", headers=researcher,
            json={"batch_id": scene["commissioner_batch"], "statement": "愿赴企业开展寒地温室技术服务"},
        ), 201,
    )  # fmt: skip
    unit = auth(Role.INSTITUTION, institution_id=commissioner["institution_id"])
    await ok(await platform["intake"].client.post(f"/intake/v1/applications/{application['id']}/approve", headers=unit))

    async def filed():
        response = await client.post(f"{A}/pairs/{commissioner['id']}/report", headers=KJJ)
        return response.json() if response.status_code == 200 else None

    assert (await eventually(filed, timeout=60, what="the filing after the approval"))["status"] == "filed"
    events = await outbox_event_types(platform, "agreements", chief["id"])
    assert events == ["intent_reached", "reported_to_province"]


async def test_R_F6_R_F7_the_list_its_notice_an_objection_and_the_final_list(platform: Platform, scene: dict) -> None:
    client = platform["agreements"].client
    chief, soe = scene["chief"], scene["soe"]
    created = await ok(await client.post(f"{A}/lists", json={"batch_id": scene["chief_batch"]}, headers=PROVINCE), 201)
    list_id = created["id"]
    assert {e["pair_id"] for e in created["entries"]} == {chief["id"], soe["id"]}
    assert (await client.post(f"{A}/lists", json={"batch_id": scene["chief_batch"]}, headers=KJJ)).status_code == 403

    change = {"pair_id": soe["id"], "reason": "与产业布局重复，调减"}
    removed = await ok(await client.post(f"{A}/lists/{list_id}/remove", json=change, headers=PROVINCE))
    assert removed["active_entries"] == 1
    never = {"pair_id": scene["commissioner"]["id"], "reason": "补充一名"}
    added = await client.post(f"{A}/lists/{list_id}/restore", json=never, headers=PROVINCE)
    assert added.status_code == 422 and added.json()["code"] == "LIST_ADDITION_FORBIDDEN"
    assert added.json()["rule_ids"] == ["R-F6"]
    restored = await ok(await client.post(f"{A}/lists/{list_id}/restore", json=change | {"reason": "经复核保留"},
                                          headers=PROVINCE))  # fmt: skip
    assert restored["active_entries"] == 2

    early = await client.post(f"{A}/lists/{list_id}/notice", json={}, headers=PROVINCE)
    assert early.status_code == 409 and early.json()["current_state"] == "draft"
    approval = {"meeting_date": date.today().isoformat(), "minutes_reference": "党组会议纪要〔2026〕30号"}
    await ok(await client.post(f"{A}/lists/{list_id}/approve", json=approval, headers=PROVINCE))
    noticed = await ok(await client.post(f"{A}/lists/{list_id}/notice", json={}, headers=PROVINCE))
    assert noticed["status"] == "in_notice" and noticed["notice_working_days"] == 5

    # The public notice: no login, and only what a notice shows.
    public = await ok(await client.get(f"{A}/public/notices/{list_id}"))
    assert public["accepting_objections"] is True and len(public["entries"]) == 2
    assert set(public["entries"][0]) == {"pair_id", "name", "unit", "title", "enterprise", "city"}
    assert {e["title"] for e in public["entries"]} <= {"副高级", "正高级"}
    assert "date_of_birth" not in str(public) and "researcher_id" not in str(public)
    objection = {
        "pair_id": chief["id"],
        "text": "该同志同时在外地企业兼职，服务时间难以保证。",
        "objector_name": "王五",
        "contact": "13900000000",
    }
    receipt = await ok(await client.post(f"{A}/public/notices/{list_id}/objections", json=objection), 201)
    listed = await ok(await client.get(f"{A}/objections?list_id={list_id}", headers=PROVINCE))
    assert [o["objector_name"] for o in listed["items"]] == ["王五"]
    workbook = await client.get(f"{A}/lists/{list_id}/export.xlsx", headers=PROVINCE)
    rows = [r for r in load_workbook(io.BytesIO(workbook.content)).active.iter_rows(values_only=True)]
    assert chief["researcher_name"] in {r[1] for r in rows}

    # The notice ends by timer at 24:00 of its last working day: here the period is moved into the past.
    engine = create_engine(platform["agreements"].database_url, pool_size=1)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE selection_lists SET notice_ends_on = current_date - 1 WHERE id = :id"),
                           {"id": list_id})  # fmt: skip
        await conn.execute(text("UPDATE timers SET due_at = now() WHERE key LIKE :id"), {"id": f"{list_id}:%"})
    await engine.dispose()

    async def closed():
        current = (await client.get(f"{A}/lists/{list_id}", headers=PROVINCE)).json()
        return current if current["status"] == "notice_closed" else None

    await eventually(closed, timeout=30, what="the notice to close by its timer")
    late = await client.post(f"{A}/public/notices/{list_id}/objections", json=objection)
    assert late.status_code == 409 and late.json()["code"] == "NOTICE_NOT_OPEN" and "公示期为" in late.json()["detail"]
    final = {"document_number": "黑科联发〔2026〕40号", "published_on": date.today().isoformat()}
    pending = await client.post(f"{A}/lists/{list_id}/publish", json=final, headers=PROVINCE)
    assert pending.status_code == 409 and pending.json()["code"] == "OBJECTIONS_PENDING"
    await ok(await client.post(f"{A}/objections/{receipt['id']}/resolve", headers=PROVINCE,
                               json={"outcome": "dismissed", "reason": "经核实，兼职已于本年解除"}))  # fmt: skip
    published = await ok(await client.post(f"{A}/lists/{list_id}/publish", json=final, headers=PROVINCE))
    assert published["status"] == "published" and published["document_number"] == "黑科联发〔2026〕40号"
    assert (await outbox_event_types(platform, "agreements", list_id)) == [
        "entry_removed", "entry_restored", "approved", "notice_opened", "objection_filed", "notice_closed",
        "objection_resolved", "final_published",
    ]  # fmt: skip


async def test_R_F8_a_commissioner_filing_is_noticed_without_review(platform: Platform, scene: dict) -> None:
    client = platform["agreements"].client

    async def filed():
        listed = await client.post(f"{A}/lists", json={"batch_id": scene["commissioner_batch"]}, headers=PROVINCE)
        return listed.json() if listed.status_code == 201 else None

    filing = await eventually(filed, timeout=60, what="the commissioner list")
    removal = {"pair_id": scene["commissioner"]["id"], "reason": "调减"}
    refused = await client.post(f"{A}/lists/{filing['id']}/remove", json=removal, headers=PROVINCE)
    assert refused.status_code == 422 and refused.json()["code"] == "LIST_IS_A_FILING"
    noticed = await ok(await client.post(f"{A}/lists/{filing['id']}/notice", json={}, headers=PROVINCE))
    assert noticed["status"] == "in_notice"


async def test_R_F5_no_intent_frees_the_candidate_in_matching_and_the_next_alternate_is_asked(
    platform: Platform, scene: dict
) -> None:
    client = platform["agreements"].client
    failing = scene["failing"]
    starts = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()
    await ok(await client.post(f"{A}/meetings", json={"pair_ids": [failing["id"]], "starts_at": starts,
                                                      "place": "企业会议室"}, headers=KJJ), 201)  # fmt: skip
    failed = await ok(await client.post(f"{A}/pairs/{failing['id']}/no-intent", json={"reason": "合作方向不一致"},
                                        headers=KJJ))  # fmt: skip
    assert failed["status"] == "no_intent"
    again = await client.post(f"{A}/pairs/{failing['id']}/intent", json=INTENT, headers=KJJ)
    assert again.status_code == 409 and again.json()["current_state"] == "no_intent"

    async def released():
        listed = (await platform["matching"].client.get(
            f"/matching/v1/needs/{failing['need_id']}/candidate-list", headers=PROVINCE)).json()  # fmt: skip
        states = {e["researcher_id"]: e["state"] for e in listed["entries"]}
        return listed if states.get(failing["researcher_id"]) == "no_intent" else None

    listed = await eventually(released, timeout=60, what="matching to release the candidate")
    assert any(e["state"] == "pushed" and e["replaces_entry_id"] == failing["entry_id"] for e in listed["entries"])


async def test_R_F8_R_F9_R_F10_the_published_list_s_agreement_is_signed_served_and_matching_holds_the_expert(
    platform: Platform, scene: dict
) -> None:
    """End to end: report → matching → negotiation → list → notice → final list (above) → the draft agreement,
    three signatures over REST, ``AgreementSigned`` — and matching counts the expert's appointment (capacity)."""
    client = platform["agreements"].client
    chief = scene["chief"]
    enterprise = auth(Role.ENTERPRISE, enterprise_id=chief["enterprise_id"])
    expert = auth(Role.RESEARCHER, researcher_id=chief["researcher_id"])
    unit = auth(Role.INSTITUTION, institution_id=chief["institution_id"])

    async def drafted():
        page = (await client.get(f"{A}/agreements?status=draft", headers=enterprise)).json()
        return next((x for x in page.get("items", []) if x["pair_id"] == chief["id"]), None)

    agreement = await eventually(drafted, timeout=30, what="the draft agreement of the published list")
    assert agreement["parties"]["expert"]["name"] == chief["researcher_name"]
    assert agreement["content"]["service_days_per_year"] == 90 and sorted(agreement["awaiting"]) == [
        "enterprise", "expert", "unit"]  # fmt: skip
    path = f"{A}/agreements/{agreement['id']}"
    assert (await client.get(path, headers=QQHR)).status_code == 404  # another city's
    other_unit = auth(Role.INSTITUTION, institution_id=str(uuid.uuid4()))
    assert (await client.get(path, headers=other_unit)).status_code == 404  # another unit's

    short = await client.patch(path, json={"term_end": "2027-06-30"}, headers=unit)
    assert short.status_code == 422 and short.json()["rule_ids"] == ["R-F9"]
    await ok(await client.post(f"{path}/sign", json={"content_hash": agreement["content_hash"]}, headers=enterprise))
    edited = await ok(await client.patch(path, json={"service_days_per_year": 100}, headers=unit))
    assert (edited["signatures"], edited["content_version"]) == ([], 2)  # the enterprise's signature is void
    stale = await client.post(f"{path}/sign", json={"content_hash": agreement["content_hash"]}, headers=expert)
    assert stale.status_code == 409 and stale.json()["code"] == "SIGNED_VERSION_VOIDED"
    for who in (enterprise, expert, unit):
        signed = await ok(await client.post(f"{path}/sign", json={"content_hash": edited["content_hash"]}, headers=who))
    assert signed["status"] == "filed" and signed["filed_at"] is not None
    pdf = await client.get(f"{path}/pdf", headers=KJJ)
    assert (
        pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    )
    upload = await client.post(f"{path}/original", headers=enterprise,
                               files={"file": ("stamped.pdf", pdf.content, "application/pdf")})  # fmt: skip
    assert (await ok(upload))["original"]["sha256"]
    oversized = b"%PDF-" + b"0" * (10 * 1024 * 1024)  # a scan over the 10 MB limit: refused, naming it
    refused = await client.post(f"{path}/original", headers=enterprise,
                                files={"file": ("big.pdf", oversized, "application/pdf")})  # fmt: skip
    assert (
        refused.status_code == 413
        and refused.json()["code"] == "FILE_TOO_LARGE"
        and "10 MB" in refused.json()["detail"]
    )
    assert (await client.get(f"{path}/original", headers=unit)).content == pdf.content

    async def appointed():
        engine = create_engine(platform["matching"].database_url, pool_size=1)
        try:
            async with engine.connect() as conn:
                sql = text("SELECT active FROM appointments WHERE agreement_id = :id")
                return (await conn.execute(sql, {"id": agreement["id"]})).scalar()
        finally:
            await engine.dispose()

    assert await eventually(appointed, timeout=60, what="matching to count the appointment") is True

    # A service log the enterprise confirms counts; then the expert leaves early by agreement of all (R-F10).
    first_day = edited["content"]["term_start"]
    entry = {"starts_on": first_day, "ends_on": first_day, "days_on_site": 1, "description": "首次到岗，调研企业生产线",
             "outcomes": {"problems_solved": 1}}  # fmt: skip
    log = await ok(await client.post(f"{path}/service-logs", headers=expert, json=entry), 201)
    await ok(await client.post(f"/agreements/v1/service-logs/{log['id']}/review", json={"confirmed": True},
                               headers=enterprise))  # fmt: skip
    served = await ok(await client.get(f"{path}/service", headers=unit))
    assert served["years"][0]["confirmed_days"] == 1 and served["years"][0]["outcomes"]["problems_solved"] == 1
    await ok(await client.post(f"{path}/termination", json={"reason": "专家承担国家重大任务，无法继续服务"},
                               headers=expert))  # fmt: skip
    await ok(await client.post(f"{path}/termination/agree", headers=enterprise))
    await ok(await client.post(f"{path}/termination/approve", headers=KJJ))
    ended = await ok(await client.post(f"{path}/termination/approve", headers=GXJ))
    assert ended["status"] == "terminated"
    assert await eventually(lambda: _not(appointed), timeout=60, what="matching to free the expert") is True
    events = await outbox_event_types(platform, "agreements", agreement["id"])
    assert events[:2] == ["drafted", "signature_added"] and "signed" in events and events[-1] == "terminated"


async def _not(check) -> bool:
    return (await check()) is False
