"""Matching as jobs (R-F2): a need is matched on its own when it is reported; a batch run assigns all of a
batch's reported needs jointly within capacity; results are versioned; the age rule counts at the batch's
closing date (R-E2); capacity counts real proposals and appointments; the province may waive R-E3."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from shared.auth import Bureau, Role
from shared.events import contracts as c
from tests.factories import HARBIN, QIQIHAR, enterprise_snapshot
from tests.flows import (
    PROVINCE,
    approve_and_report,
    ensure_batch,
    publish,
    register_enterprise,
    register_institution,
    register_researcher,
    submit_need,
    wait_for_list,
    wait_for_run,
)
from tests.support import Platform, auth, eventually, outbox_event_types

BATCH_YEAR = 2091  # this module's own batch: a batch run takes every reported need of its batch

ICE = [
    {
        "kind": "paper",
        "title": "严寒地区混凝土冻融循环损伤机理与抗冻耐久性设计",
        "year": 2021,
        "summary": "研究高寒地区桥梁与路面混凝土在反复冻融循环下的微裂缝扩展，提出引气剂与掺合料配比的抗冻设计方法。",
        "keywords": ["混凝土", "冻融循环", "抗冻耐久性"],
    },
    {
        "kind": "patent",
        "title": "一种高抗冻融混凝土及其制备方法",
        "year": 2022,
        "summary": "通过引气与纳米改性提高混凝土抗冻等级，适用于严寒地区道路与水工结构。",
        "keywords": ["抗冻混凝土", "引气剂"],
    },
]
ICE_LESSER = [
    {
        "kind": "paper",
        "title": "寒区混凝土冻融损伤的无损检测方法",
        "year": 2020,
        "summary": "基于超声波速与动弹性模量检测混凝土冻融损伤程度，用于寒区结构的耐久性评估与修复。",
        "keywords": ["混凝土", "冻融损伤", "无损检测"],
    },
]
CIVIL = {"master_degree_disciplines": ["土木工程"], "first_class_disciplines": []}


@pytest.fixture(scope="module")
async def scene(platform: Platform) -> dict:
    batch = await ensure_batch(platform, "chief_technologist", BATCH_YEAR)
    inst_id, inst = await register_institution(platform, **CIVIL)
    kw = {"disciplines": ["土木工程"], "research_fields": "寒区混凝土冻融耐久性"}
    strong = await register_researcher(platform, inst_id, inst, name="孙冰", achievements=ICE, **kw)
    second = await register_researcher(platform, inst_id, inst, name="周冻", achievements=ICE_LESSER, **kw)
    # 55 today, 56 by the batch's closing date: over age at the application date (R-E2).
    closes_on = date.fromisoformat(batch["closes_on"])
    born = closes_on.replace(year=closes_on.year - 56) - timedelta(days=1)
    ageing = await register_researcher(
        platform, inst_id, inst, name="吴龄", achievements=ICE, date_of_birth=born.isoformat(), **kw
    )
    unqualified = await register_researcher(
        platform, inst_id, inst, name="郑青", achievements=ICE, highest_degree="bachelor", title="intermediate", **kw
    )
    code, owner = await register_enterprise(platform, HARBIN)
    needs = []
    for title, description in (
        (
            "高寒地区混凝土抗冻融耐久性提升",
            "严寒地区路面与桥梁混凝土冻融破坏严重，需要抗冻混凝土配比设计与引气剂应用方案。",
        ),
        ("混凝土冻融损伤检测与修复", "寒区水工混凝土结构冻融损伤需要无损检测与耐久性评估、修复技术。"),
    ):
        needs.append(
            await submit_need(
                platform, owner, batch["id"], title=title, description=description, keywords=["混凝土", "冻融"]
            )
        )
    for need in needs:
        await approve_and_report(platform, need)
    for need in needs:  # matched on their own once reported (what the first test looks at)
        await wait_for_list(platform, need["id"])
    ids = {"strong": strong["id"], "second": second["id"], "ageing": ageing["id"], "unqualified": unqualified["id"]}
    return {"batch": batch, "needs": [n["id"] for n in needs], "enterprise": code, **ids}


def _proposed(candidate_list: dict) -> list[str]:
    return [e["researcher_id"] for e in candidate_list["entries"] if e["role"] == "proposed"]


async def test_R_F2_a_reported_need_is_matched_on_its_own_as_a_job(platform: Platform, scene: dict) -> None:
    first = await wait_for_list(platform, scene["needs"][0])
    second = await wait_for_list(platform, scene["needs"][1])
    runs = (await platform["matching"].client.get("/matching/v1/runs?page_size=100", headers=PROVINCE)).json()
    auto = [r for r in runs["items"] if r["trigger"] == "need_reported" and scene["needs"][0] in r["need_ids"]]
    assert auto and auto[0]["status"] == "succeeded" and auto[0]["progress_percent"] == 100.0
    assert auto[0]["requested_by"] == "system"
    # Each need got one proposed candidate (demand 1) and ranked alternates, with explanations.
    for lst in (first, second):
        assert len(_proposed(lst)) == 1 and lst["demand"] == 1 and lst["open_slots"] == 0
        proposed = lst["entries"][0]
        assert proposed["state"] == "proposed" and proposed["score"] > 0
        assert proposed["explanation"]["evidence"] and "dense" in proposed["explanation"]
    # Capacity 1 counts real proposals: whoever the first need holds is not proposed to the second.
    assert set(_proposed(first)).isdisjoint(_proposed(second))
    events = await outbox_event_types(platform, "matching", scene["needs"][0])
    assert "proposed" in events  # CandidateProposedV1, keyed by the need


async def test_R_E2_age_counts_at_the_batch_closing_date(platform: Platform, scene: dict) -> None:
    proposal = (
        await platform["matching"].client.get(
            f"/matching/v1/needs/{scene['needs'][0]}/proposals/1?include_excluded=true", headers=PROVINCE
        )
    ).json()
    assert proposal["application_date"] == scene["batch"]["closes_on"]
    excluded = {x["researcher_id"]: {r["rule_id"] for r in x["exclusions"]} for x in proposal["excluded"]}
    assert "R-E2" in excluded[scene["ageing"]]
    assert "R-E3" in excluded[scene["unqualified"]]
    assert scene["ageing"] not in {e["researcher_id"] for e in proposal["entries"]}
    # rank counts within a role (the first proposed and the first alternate are both rank 1); position is unique
    assert [e["position"] for e in proposal["entries"]] == list(range(1, len(proposal["entries"]) + 1))


async def test_R_F2_batch_run_assigns_jointly_with_progress_and_keeps_previous_versions(
    platform: Platform, scene: dict
) -> None:
    client = platform["matching"].client
    for need_id in scene["needs"]:
        await wait_for_list(platform, need_id)
    response = await client.post("/matching/v1/runs", json={"batch_id": scene["batch"]["id"]}, headers=PROVINCE)
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"/matching/v1/runs/{response.json()['id']}"
    assert response.json()["kind"] == "batch" and response.json()["progress_total"] == 2
    run = await wait_for_run(platform, response.json()["id"])
    assert run["status"] == "succeeded", run
    assert run["progress_done"] == run["progress_total"] == 2 and run["phase"] == "done"
    assert set(run["summary"]["versions"]) == set(scene["needs"])

    lists = [await wait_for_list(platform, n, version=2) for n in scene["needs"]]
    proposed = [_proposed(lst) for lst in lists]
    # One strong researcher is not proposed to every need: each researcher at most once (capacity 1).
    assert all(len(p) == 1 for p in proposed) and proposed[0][0] != proposed[1][0]
    assert scene["strong"] in proposed[0] + proposed[1]

    versions = (await client.get(f"/matching/v1/needs/{scene['needs'][0]}/proposals", headers=PROVINCE)).json()
    assert [v["version"] for v in versions][:2] == [2, 1] and versions[0]["current"] and not versions[1]["current"]
    previous = await client.get(f"/matching/v1/needs/{scene['needs'][0]}/proposals/1", headers=PROVINCE)
    assert previous.status_code == 200 and previous.json()["entries"]  # kept for comparison


async def test_run_requests_are_validated(platform: Platform, scene: dict) -> None:
    client = platform["matching"].client
    both = await client.post(
        "/matching/v1/runs", json={"batch_id": scene["batch"]["id"], "need_ids": scene["needs"]}, headers=PROVINCE
    )
    assert both.status_code == 422 and both.headers["content-type"].startswith("application/problem+json")
    empty = await client.post("/matching/v1/runs", json={"batch_id": str(uuid.uuid4())}, headers=PROVINCE)
    assert empty.status_code == 409 and empty.json()["code"] == "NO_REPORTED_NEEDS"
    unknown = await client.post("/matching/v1/runs", json={"need_ids": [str(uuid.uuid4())]}, headers=PROVINCE)
    assert unknown.status_code == 404 and unknown.json()["code"] == "NEED_NOT_FOUND"
    city = auth(Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.SCIENCE_TECH)
    forbidden = await client.post("/matching/v1/runs", json={"need_ids": scene["needs"]}, headers=city)
    assert forbidden.status_code == 403
    missing = await client.get(f"/matching/v1/runs/{uuid.uuid4()}", headers=PROVINCE)
    assert missing.status_code == 404 and missing.json()["code"] == "RUN_NOT_FOUND"


async def _live(platform: Platform, need_id: str) -> tuple[dict, dict]:
    body = (
        await platform["matching"].client.get(
            f"/matching/v1/needs/{need_id}/candidates",
            params={"limit": 50, "include_excluded": "true"},
            headers=PROVINCE,
        )
    ).json()
    eligible = {x["researcher_id"]: x for x in body["candidates"]}
    excluded = {x["researcher_id"]: {r["rule_id"] for r in x["exclusions"]} for x in body["excluded"]}
    return eligible, excluded


async def test_R_E3_province_waives_with_a_recorded_reason(platform: Platform, scene: dict) -> None:
    client = platform["matching"].client
    rid, need = scene["unqualified"], scene["needs"][1]
    path = f"/matching/v1/researchers/{rid}/overrides/R-E3"
    _, excluded = await _live(platform, need)
    assert "R-E3" in excluded[rid]

    city = auth(Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.SCIENCE_TECH)
    assert (await client.put(path, json={"reason": "长期从事一线工程，成果突出"}, headers=city)).status_code == 403
    no_reason = await client.put(path, json={}, headers=PROVINCE)
    assert no_reason.status_code == 422
    not_waivable = await client.put(
        f"/matching/v1/researchers/{rid}/overrides/R-E1", json={"reason": "无正当理由"}, headers=PROVINCE
    )
    assert not_waivable.status_code == 404 and not_waivable.json()["code"] == "RULE_NOT_WAIVABLE"

    granted = await client.put(path, json={"reason": "长期从事一线工程，成果突出"}, headers=PROVINCE)
    assert granted.status_code == 201, granted.text
    assert granted.json()["reason"] == "长期从事一线工程，成果突出"
    listed = (await client.get("/matching/v1/overrides", headers=PROVINCE)).json()
    assert any(o["researcher_id"] == rid and o["rule_id"] == "R-E3" for o in listed["items"])
    eligible, excluded = await _live(platform, need)
    assert rid in eligible and rid not in excluded  # waived: no other rule excludes them

    assert (await client.delete(path, headers=PROVINCE)).status_code == 204
    _, excluded = await _live(platform, need)
    assert "R-E3" in excluded[rid]


async def test_capacity_counts_active_appointments_from_agreement_events(platform: Platform, scene: dict) -> None:
    """An expert serving under a signed agreement (R-F8) is at capacity until it ends (R-F10)."""
    rid, need = scene["ageing"], scene["needs"][0]  # never proposed (R-E2): only the appointment counts
    agreement = dict(
        agreement_id=uuid.uuid4(),
        need_id=uuid.uuid4(),
        researcher_id=uuid.UUID(rid),
        institution_id=uuid.uuid4(),
        enterprise_id=scene["enterprise"],
        programme="chief_technologist",
        occurred_at=datetime.now(UTC),
    )
    await publish(platform, c.AgreementSignedV1(**agreement, term_start=date(2026, 1, 1), term_end=date(2027, 12, 31)))

    async def at_capacity():
        _, excluded = await _live(platform, need)
        return "CAPACITY" in excluded.get(rid, set())

    await eventually(at_capacity, timeout=60, what="the appointment to count against capacity")
    await publish(platform, c.AgreementTerminatedV1(**agreement, reason="双方协商一致提前终止"))

    async def free_again():
        _, excluded = await _live(platform, need)
        return "CAPACITY" not in excluded.get(rid, set())

    await eventually(free_again, timeout=60, what="the ended appointment to free capacity")


async def test_candidate_lists_are_scoped(platform: Platform, scene: dict) -> None:
    client = platform["matching"].client
    need = scene["needs"][0]
    own_city = auth(Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.INDUSTRY_IT)
    other_city = auth(Role.CITY_BUREAU, city_code=QIQIHAR, bureau=Bureau.SCIENCE_TECH)
    assert (await client.get(f"/matching/v1/needs/{need}/candidate-list", headers=own_city)).status_code == 200
    other = await client.get(f"/matching/v1/needs/{need}/candidate-list", headers=other_city)
    assert other.status_code == 404 and other.json()["code"] == "NEED_NOT_FOUND"
    sasac = await client.get(f"/matching/v1/needs/{need}/candidate-list", headers=auth(Role.SASAC))
    assert sasac.status_code == 404  # not an SOE's need
    enterprise = auth(Role.ENTERPRISE, enterprise_id=scene["enterprise"])
    assert (await client.get(f"/matching/v1/needs/{need}/candidate-list", headers=enterprise)).status_code == 403
    # A unit sees a need only through its own pushed candidates (none pushed here yet).
    unit = auth(Role.INSTITUTION, institution_id=str(uuid.uuid4()))
    assert (await client.get(f"/matching/v1/needs/{need}/candidate-list", headers=unit)).status_code == 404


async def test_a_need_whose_enterprise_record_is_late_waits_for_it_then_is_matched(
    platform: Platform, scene: dict
) -> None:
    """Registry events travel on their own topic: a reported need can reach matching before its enterprise.
    Its job is deferred (visible as waiting), not finished empty, and runs once the enterprise arrives."""
    code, need_id, now = f"9123010{uuid.uuid4().hex[:11].upper()}", uuid.uuid4(), datetime.now(UTC)
    need = dict(need_id=need_id, enterprise_id=code, city_code=HARBIN, is_soe=False, programme="chief_technologist")
    await publish(
        platform,
        c.NeedSubmittedV1(
            **need,
            status="submitted",
            title="严寒地区混凝土抗冻融",
            description="路面混凝土冻融破坏，需要抗冻混凝土配比与引气剂方案。",
            keywords=["混凝土", "冻融"],
            submitted_at=now,
        ),
    )
    await publish(
        platform, c.NeedReportedToProvinceV1(**need, status="reported", reviewer_role="city_bureau", occurred_at=now)
    )

    async def waiting():
        runs = (await platform["matching"].client.get("/matching/v1/runs?page_size=50", headers=PROVINCE)).json()
        mine = [r for r in runs["items"] if str(need_id) in r["need_ids"]]
        return mine and mine[0]["status"] == "queued" and mine[0]["phase"].startswith("waiting") and mine[0]

    run = await eventually(waiting, timeout=60, what="the job to wait for the enterprise")
    assert (
        await platform["matching"].client.get(f"/matching/v1/needs/{need_id}/candidate-list", headers=PROVINCE)
    ).status_code == 404

    await publish(
        platform,
        c.EnterpriseRegisteredV1(**enterprise_snapshot(enterprise_id=code, name="迟到的企业").model_dump()),
    )
    listed = await wait_for_list(platform, str(need_id))
    assert listed["entries"]
    finished = await wait_for_run(platform, run["id"])
    assert finished["status"] == "succeeded" and not finished["summary"]["skipped"]


async def test_a_run_whose_worker_died_is_taken_over_and_one_that_keeps_dying_is_failed(
    platform: Platform, scene: dict
) -> None:
    """Nothing is lost on a crash: a run left "running" without a heartbeat past the lease is claimed again and
    finished; after three crashed attempts it is failed with a message instead of crashing the next worker."""
    from services.matching.domain.run import MatchingRun, RunKind
    from shared.jobs.lifecycle import JobStatus

    long_ago = datetime.now(UTC) - timedelta(hours=1)
    orphaned, doomed = uuid.uuid4(), uuid.uuid4()
    async with platform["matching"].runtime.uow() as uow:
        for run_id, attempts in ((orphaned, 1), (doomed, 3)):
            run = MatchingRun(id=run_id, kind=RunKind.NEED, requested_by="province-admin", trigger="api")
            run.need_ids, run.progress_total = [scene["needs"][1]], 1
            run.status, run.phase, run.attempts = JobStatus.RUNNING, "ranking", attempts
            run.started_at = run.heartbeat_at = long_ago
            uow.runs.add(run)
        await uow.commit()

    taken_over = await wait_for_run(platform, str(orphaned))
    assert taken_over["status"] == "succeeded" and taken_over["attempts"] == 2
    assert set(taken_over["summary"]["versions"]) == {scene["needs"][1]}  # a new version was written
    given_up = await wait_for_run(platform, str(doomed))
    assert given_up["status"] == "failed" and "3" in given_up["error"]
