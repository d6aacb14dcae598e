"""The institutions' answers (R-F3): the province pushes a need's candidates to their dispatching units;
a unit answers willing, unwilling (with a reason; the next alternate is pushed in the declined
candidate's place), or proposes another of its researchers, who must pass the same hard rules."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from shared.auth import Bureau, Role
from shared.events import contracts as c
from tests.factories import HARBIN, QIQIHAR
from tests.flows import (
    PROVINCE,
    approve_and_report,
    publish,
    register_enterprise,
    register_institution,
    register_researcher,
    submit_need,
    wait_for_list,
)
from tests.support import Platform, auth, eventually, outbox_event_types

STARCH = "马铃薯淀粉加工废水"


def _work(title: str, summary: str) -> list[dict]:
    return [{"kind": "paper", "title": title, "year": 2022, "summary": summary, "keywords": ["淀粉废水"]}]


FIELD = {"disciplines": ["环境科学与工程"], "research_fields": f"{STARCH}资源化处理"}
ENV = {"master_degree_disciplines": ["环境科学与工程"], "first_class_disciplines": []}


@pytest.fixture(scope="module")
async def scene(platform: Platform, batches: dict) -> dict:
    unit_a, a_headers = await register_institution(platform, **ENV)
    unit_b, b_headers = await register_institution(platform, **ENV)
    people = {}
    unit_of = {}
    for key, unit, headers, name, title in (
        ("a1", unit_a, a_headers, "甲淀", "马铃薯淀粉废水蛋白回收与厌氧处理工艺"),
        ("a2", unit_a, a_headers, "乙淀", "马铃薯淀粉加工废水膜分离浓缩技术"),
        ("b1", unit_b, b_headers, "丙淀", "淀粉废水厌氧发酵产沼气工程"),
        ("b2", unit_b, b_headers, "丁淀", "淀粉废水生化处理与回用"),
    ):
        summary = f"面向{STARCH}高COD、高蛋白的特点，研究回收利用与达标排放技术。"
        people[key] = (
            await register_researcher(platform, unit, headers, name=name, achievements=_work(title, summary), **FIELD)
        )["id"]
        unit_of[people[key]] = unit
    enterprise_code, owner = await register_enterprise(platform, HARBIN)
    need = await submit_need(
        platform,
        owner,
        batches["chief_technologist"],
        title="马铃薯淀粉加工废水处理与蛋白回收",
        description=f"{STARCH}COD高、蛋白含量高，需要蛋白回收、厌氧处理与达标排放的整体方案。",
        keywords=["淀粉废水", "蛋白回收", "厌氧处理"],
        desired_expertise="环境工程、废水处理",
        experts_wanted=2,
    )
    await approve_and_report(platform, need)
    first = await wait_for_list(platform, need["id"])
    return {
        "need": need["id"],
        "owner": owner,
        "batch": batches["chief_technologist"],
        "enterprise": enterprise_code,
        "units": {unit_a: a_headers, unit_b: b_headers},
        "list": first,
        "unit_of": unit_of,
        **people,
    }


def _by_state(candidate_list: dict, *states: str) -> list[dict]:
    return [e for e in candidate_list["entries"] if e["state"] in states]


async def _list(platform: Platform, need_id: str, headers=PROVINCE) -> dict:
    response = await platform["matching"].client.get(f"/matching/v1/needs/{need_id}/candidate-list", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _answer(platform: Platform, entry: dict, headers: dict, **body):
    return await platform["matching"].client.post(
        f"/matching/v1/candidates/{entry['id']}/answer", json=body, headers=headers
    )


async def test_R_F2_province_pushes_the_list_to_the_units(platform: Platform, scene: dict) -> None:
    client = platform["matching"].client
    first = scene["list"]
    assert first["demand"] == 2 and len(_by_state(first, "proposed")) == 2
    city = auth(Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.SCIENCE_TECH)
    assert (await client.post(f"/matching/v1/needs/{scene['need']}/push", headers=city)).status_code == 403

    pushed = await client.post(f"/matching/v1/needs/{scene['need']}/push", headers=PROVINCE)
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["pushed_at"] is not None
    assert {e["state"] for e in pushed.json()["entries"] if e["role"] == "proposed"} == {"pushed"}
    again = await client.post(f"/matching/v1/needs/{scene['need']}/push", headers=PROVINCE)
    assert again.status_code == 409 and again.json()["code"] == "LIST_ALREADY_PUSHED"
    assert (await outbox_event_types(platform, "matching", scene["need"])).count("pushed") == 2

    # A pushed list is not silently re-matched under the units' feet.
    rerun = await client.post("/matching/v1/runs", json={"need_ids": [scene["need"]]}, headers=PROVINCE)
    assert rerun.status_code == 409 and rerun.json()["code"] == "LIST_ALREADY_PUSHED"


async def test_each_unit_sees_only_its_own_candidates(platform: Platform, scene: dict) -> None:
    client = platform["matching"].client
    full = await _list(platform, scene["need"])
    pushed_units = {e["institution_id"] for e in _by_state(full, "pushed")}
    for unit, headers in scene["units"].items():
        awaiting = (await client.get("/matching/v1/candidates?state=pushed", headers=headers)).json()
        assert {e["institution_id"] for e in awaiting["items"]} <= {unit}
        response = await client.get(f"/matching/v1/needs/{scene['need']}/candidate-list", headers=headers)
        if unit in pushed_units:
            assert response.status_code == 200
            assert {e["institution_id"] for e in response.json()["entries"]} == {unit}
        else:
            assert response.status_code == 404
    other_city = auth(Role.CITY_BUREAU, city_code=QIQIHAR, bureau=Bureau.SCIENCE_TECH)
    assert (await client.get("/matching/v1/candidates", params={"need_id": scene["need"]}, headers=other_city)).json()[
        "total"
    ] == 0
    own_city = auth(Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.SCIENCE_TECH)
    listed = (await client.get("/matching/v1/candidates", params={"need_id": scene["need"]}, headers=own_city)).json()
    assert listed["total"] == len([e for e in full["entries"] if e["state"] != "alternate"])


async def test_R_F3_answers_are_validated_and_only_the_candidates_unit_may_answer(
    platform: Platform, scene: dict
) -> None:
    entry = _by_state(await _list(platform, scene["need"]), "pushed")[0]
    own = scene["units"][entry["institution_id"]]
    other_unit = next(h for u, h in scene["units"].items() if u != entry["institution_id"])
    no_reason = await _answer(platform, entry, own, answer="unwilling")
    assert no_reason.status_code == 422 and no_reason.headers["content-type"].startswith("application/problem+json")
    no_person = await _answer(platform, entry, own, answer="propose_another")
    assert no_person.status_code == 422
    stranger = await _answer(platform, entry, other_unit, answer="willing")
    assert stranger.status_code == 404 and stranger.json()["code"] == "CANDIDATE_NOT_FOUND"
    province = await _answer(platform, entry, PROVINCE, answer="willing")
    assert province.status_code == 403


async def test_R_F3_unwilling_candidate_is_replaced_by_the_next_alternate(platform: Platform, scene: dict) -> None:
    before = await _list(platform, scene["need"])
    declining = _by_state(before, "pushed")[0]
    headers = scene["units"][declining["institution_id"]]
    response = await _answer(platform, declining, headers, answer="unwilling", reason="本学期承担教学任务，无法驻企")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["entry"]["state"] == "declined" and body["entry"]["answer_reason"] == "本学期承担教学任务，无法驻企"
    replacement = body["follow_up"]
    assert replacement is not None and replacement["state"] == "pushed"
    assert replacement["replaces_entry_id"] == declining["id"]
    assert replacement["researcher_id"] != declining["researcher_id"]

    after = await _list(platform, scene["need"])
    assert after["open_slots"] == 0 and len(_by_state(after, "pushed", "willing")) == 2
    again = await _answer(platform, declining, headers, answer="willing")
    assert again.status_code == 409 and again.json()["code"] == "ILLEGAL_TRANSITION"
    # Who declined this need is never proposed to it again (hard rule), with the reason shown.
    live = (
        await platform["matching"].client.get(
            f"/matching/v1/needs/{scene['need']}/candidates",
            params={"include_excluded": "true", "limit": 50},
            headers=PROVINCE,
        )
    ).json()
    rules = {x["researcher_id"]: {r["rule_id"] for r in x["exclusions"]} for x in live["excluded"]}
    assert "DECLINED" in rules[declining["researcher_id"]]
    types = await outbox_event_types(platform, "matching", scene["need"])
    assert "answered" in types and types.count("pushed") == 3


async def _registered_in_matching(platform: Platform, *researcher_ids: str) -> None:
    async def synced():
        async with platform["matching"].runtime.uow() as uow:
            have = await uow.researchers.versions()
        return all(uuid.UUID(r) in have for r in researcher_ids)

    await eventually(synced, timeout=60, what="matching's copy of the new researchers")


async def test_R_F3_unit_proposes_another_researcher_who_must_pass_the_hard_rules(
    platform: Platform, scene: dict
) -> None:
    entry = _by_state(await _list(platform, scene["need"]), "pushed")[0]
    unit = entry["institution_id"]
    headers = scene["units"][unit]
    summary = f"面向{STARCH}的蛋白回收与厌氧处理，研究达标排放技术。"
    spare = (
        await register_researcher(
            platform, unit, headers, name="己淀", achievements=_work("淀粉废水蛋白回收技术", summary), **FIELD
        )
    )["id"]
    dishonest = (
        await register_researcher(
            platform,
            unit,
            headers,
            name="戊淀",
            achievements=_work("淀粉废水厌氧处理", summary),
            research_misconduct=True,
            **FIELD,
        )
    )["id"]
    await _registered_in_matching(platform, spare, dishonest)
    other_units_person = next(scene[k] for k in ("a1", "b1") if scene["unit_of"][scene[k]] != unit)

    foreign = await _answer(platform, entry, headers, answer="propose_another", researcher_id=other_units_person)
    assert foreign.status_code == 422 and foreign.json()["code"] == "SUBSTITUTE_NOT_IN_INSTITUTION"
    refused = await _answer(platform, entry, headers, answer="propose_another", researcher_id=dishonest)
    assert refused.status_code == 422 and refused.json()["code"] == "SUBSTITUTE_INELIGIBLE"
    assert refused.json()["errors"][0]["rule_ids"] == ["R-E1"]
    assert _by_state(await _list(platform, scene["need"]), "pushed")[0]["id"] == entry["id"]  # nothing changed

    response = await _answer(platform, entry, headers, answer="propose_another", researcher_id=spare)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["entry"]["state"] == "substituted"
    substitute = body["follow_up"]
    assert substitute["researcher_id"] == spare and substitute["role"] == "substitute"
    assert substitute["state"] == "willing" and substitute["replaces_entry_id"] == entry["id"]
    assert substitute["score"] > 0 and substitute["explanation"]["evidence"]  # its fit, on the same scale
    listed = await _list(platform, scene["need"])
    assert spare in {e["researcher_id"] for e in _by_state(listed, "willing")} and listed["open_slots"] == 0


async def test_R_F3_willing_answer_is_recorded(platform: Platform, scene: dict) -> None:
    current = await _list(platform, scene["need"])
    for entry in _by_state(current, "pushed"):
        response = await _answer(platform, entry, scene["units"][entry["institution_id"]], answer="willing")
        assert response.status_code == 200 and response.json()["entry"]["state"] == "willing"
    final = await _list(platform, scene["need"])
    assert len(_by_state(final, "willing")) == 2 and final["open_slots"] == 0
    assert not _by_state(final, "pushed")


async def test_a_candidacy_that_became_an_appointment_counts_once_and_ends_with_it(
    platform: Platform, scene: dict
) -> None:
    """Capacity: a willing candidate holds it; once their agreement is signed (R-F8) the appointment holds
    it instead (not both); when the agreement ends (R-F10) they are free for other needs."""
    willing = _by_state(await _list(platform, scene["need"]), "willing")[0]
    rid = willing["researcher_id"]
    other = await submit_need(
        platform,
        scene["owner"],
        scene["batch"],
        title="淀粉废水厌氧处理沼气回收",
        description=f"{STARCH}厌氧处理产沼气，需要工艺优化。",
        keywords=["淀粉废水", "厌氧处理"],
    )
    await approve_and_report(platform, other)
    await wait_for_list(platform, other["id"])

    async def rules() -> set[str]:
        live = (
            await platform["matching"].client.get(
                f"/matching/v1/needs/{other['id']}/candidates",
                params={"include_excluded": "true", "limit": 100},
                headers=PROVINCE,
            )
        ).json()
        return {r["rule_id"] for x in live["excluded"] if x["researcher_id"] == rid for r in x["exclusions"]}

    assert "CAPACITY" in await rules()  # the willing candidacy on the first need
    agreement = dict(
        agreement_id=uuid.uuid4(),
        need_id=uuid.UUID(scene["need"]),
        researcher_id=uuid.UUID(rid),
        institution_id=uuid.UUID(willing["institution_id"]),
        enterprise_id=scene["enterprise"],
        programme="chief_technologist",
        occurred_at=datetime.now(UTC),
    )
    await publish(platform, c.AgreementSignedV1(**agreement, term_start=date(2027, 1, 1), term_end=date(2028, 12, 31)))

    async def appointment_recorded():
        async with platform["matching"].runtime.uow() as uow:
            return await uow.appointments.active_count(uuid.UUID(rid)) == 1

    await eventually(appointment_recorded, timeout=60, what="the signed agreement to reach matching")
    async with platform["matching"].runtime.uow() as uow:
        assert (await uow.proposals.holdings())[uuid.UUID(rid)] == 1  # counted once, as the appointment
    assert "CAPACITY" in await rules()

    await publish(platform, c.AgreementTerminatedV1(**agreement, reason="企业转产，双方协商终止"))

    async def released():
        return "CAPACITY" not in await rules()

    await eventually(released, timeout=60, what="the ended appointment to free the researcher")
