"""Needs: open batches, programme eligibility, and the review state machine (R-F1)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.auth import Bureau, Role
from shared.timeutil import today_in_china
from tests.factories import HARBIN, QIQIHAR, need_body
from tests.flows import PROVINCE, register_enterprise, submit_need
from tests.support import Platform, auth, outbox_event_types

SCIENCE = auth(Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.SCIENCE_TECH)
INDUSTRY = auth(Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.INDUSTRY_IT)
OTHER_CITY = auth(Role.CITY_BUREAU, city_code=QIQIHAR, bureau=Bureau.SCIENCE_TECH)
SASAC = auth(Role.SASAC)


async def _count_needs(platform: Platform, headers) -> int:
    return (await platform["intake"].client.get("/intake/v1/needs", headers=headers)).json()["total"]


async def _post(platform: Platform, path: str, headers, json=None):
    return await platform["intake"].client.post(path, json=json, headers=headers)


# ------------------------------------------------------------------ batches and eligibility


async def test_R_F1_needs_only_in_an_open_batch(platform: Platform) -> None:
    client = platform["intake"].client
    today = today_in_china()
    closed = {
        "programme": "commissioner",
        "year": 2031,
        "title": "将来的批次",
        "opens_on": (today + timedelta(days=10)).isoformat(),
        "closes_on": (today + timedelta(days=40)).isoformat(),
    }
    batch = (await client.post("/intake/v1/batches", json=closed, headers=PROVINCE)).json()
    assert batch["is_open"] is False
    _, me = await register_enterprise(platform)
    response = await client.post("/intake/v1/needs", json=need_body(batch["id"]), headers=me)
    assert response.status_code == 409 and response.json()["code"] == "BATCH_NOT_OPEN"
    assert response.json()["rule_ids"] == ["R-F1"]
    assert await _count_needs(platform, me) == 0

    opened = await client.patch(
        f"/intake/v1/batches/{batch['id']}",
        json={"opens_on": (today - timedelta(days=1)).isoformat()},
        headers=PROVINCE,
    )
    assert opened.json()["is_open"] is True
    assert (await client.post("/intake/v1/needs", json=need_body(batch["id"]), headers=me)).status_code == 201
    closed_early = await client.patch(
        f"/intake/v1/batches/{batch['id']}", json={"closed_early": True}, headers=PROVINCE
    )
    assert closed_early.json()["is_open"] is False
    assert (await client.post("/intake/v1/needs", json=need_body(batch["id"]), headers=me)).status_code == 409


async def test_batches_are_unique_per_programme_and_year_and_windows_are_checked(platform: Platform) -> None:
    client = platform["intake"].client
    body = {
        "programme": "chief_technologist",
        "year": 2032,
        "title": "x" * 4,
        "opens_on": "2032-03-01",
        "closes_on": "2032-02-01",
    }
    bad = await client.post("/intake/v1/batches", json=body, headers=PROVINCE)
    assert bad.status_code == 422 and bad.json()["rule_ids"] == ["R-F1"]
    body["closes_on"] = "2032-04-01"
    assert (await client.post("/intake/v1/batches", json=body, headers=PROVINCE)).status_code == 201
    assert (await client.post("/intake/v1/batches", json=body, headers=PROVINCE)).json()["code"] == "BATCH_EXISTS"
    assert (await client.post("/intake/v1/batches", json=body, headers=SCIENCE)).status_code == 403


async def test_R_C1_R_C2_chief_technologist_eligibility_lists_every_failed_rule_and_stores_nothing(
    platform: Platform, batches: dict
) -> None:
    _, me = await register_enterprise(platform, qualifications=[], research_misconduct=True)
    response = await platform["intake"].client.post(
        "/intake/v1/needs", json=need_body(batches["chief_technologist"]), headers=me
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "ENTERPRISE_NOT_ELIGIBLE"
    assert body["rule_ids"] == ["R-C1", "R-C2"]
    assert {e["field"] for e in body["errors"]} == {"enterprise.research_misconduct", "enterprise.qualifications"}
    assert "科研失信" in body["detail"] and "规上工业企业" in body["detail"]
    assert await _count_needs(platform, me) == 0
    # The same enterprise may still file a 特派员 need: R-C2 is a 总师 rule.
    assert (
        await platform["intake"].client.post("/intake/v1/needs", json=need_body(batches["commissioner"]), headers=me)
    ).status_code == 201


async def test_R_C6_commissioner_host_must_be_registered_for_a_year(platform: Platform, batches: dict) -> None:
    young = (today_in_china() - timedelta(days=200)).isoformat()
    _, me = await register_enterprise(platform, registered_on=young)
    response = await platform["intake"].client.post(
        "/intake/v1/needs", json=need_body(batches["commissioner"]), headers=me
    )
    assert response.status_code == 422 and response.json()["rule_ids"] == ["R-C6"]
    _, not_legal_person = await register_enterprise(platform, independent_legal_person=False)
    response = await platform["intake"].client.post(
        "/intake/v1/needs", json=need_body(batches["commissioner"]), headers=not_legal_person
    )
    assert (
        response.status_code == 422 and response.json()["errors"][0]["field"] == "enterprise.independent_legal_person"
    )


async def test_unregistered_enterprise_cannot_file(platform: Platform, batches: dict) -> None:
    response = await platform["intake"].client.post(
        "/intake/v1/needs",
        json=need_body(batches["commissioner"]),
        headers=auth(Role.ENTERPRISE, enterprise_id="NOT-REGISTERED"),
    )
    assert response.status_code == 409 and response.json()["code"] == "ENTERPRISE_NOT_REGISTERED"


# ------------------------------------------------------------------ review flow


async def test_R_F1_chief_technologist_need_needs_both_bureaus_then_is_reported(
    platform: Platform, batches: dict
) -> None:
    _, me = await register_enterprise(platform, HARBIN)
    need = await submit_need(platform, me, batches["chief_technologist"])
    path = f"/intake/v1/needs/{need['id']}"

    first = await _post(platform, f"{path}/approve", SCIENCE)
    assert (
        first.status_code == 200
        and first.json()["status"] == "submitted"
        and first.json()["approvals"] == ["science_tech"]
    )
    twice = await _post(platform, f"{path}/approve", SCIENCE)
    assert twice.status_code == 409 and twice.json()["code"] == "ALREADY_APPROVED"
    early = await _post(platform, f"{path}/report", SCIENCE)
    assert early.status_code == 409 and early.json()["current_state"] == "submitted"

    second = await _post(platform, f"{path}/approve", INDUSTRY)
    assert second.json()["status"] == "approved" and sorted(second.json()["approvals"]) == [
        "industry_it",
        "science_tech",
    ]
    reported = await _post(platform, f"{path}/report", INDUSTRY)
    assert reported.status_code == 200 and reported.json()["status"] == "reported"

    late = await _post(platform, f"{path}/withdraw", me)
    assert late.status_code == 409
    assert late.json()["code"] == "ILLEGAL_TRANSITION" and late.json()["current_state"] == "reported"
    assert "已报送省科技厅" in late.json()["detail"]

    assert await outbox_event_types(platform, "intake", need["id"]) == [
        "submitted",
        "approved_by_city",
        "reported_to_province",
    ]
    history = (await platform["intake"].client.get(f"{path}/history", headers=PROVINCE)).json()
    assert [h["action"] for h in history] == ["need.submitted", "need.approved", "need.approved", "need.reported"]


async def test_commissioner_need_is_reviewed_by_the_science_bureau_alone(platform: Platform, batches: dict) -> None:
    """Seed 000, 七(一)(二): 特派员 applications go to the city's 科技局 only."""
    _, me = await register_enterprise(platform, HARBIN)
    need = await submit_need(platform, me, batches["commissioner"])
    path = f"/intake/v1/needs/{need['id']}"
    wrong = await _post(platform, f"{path}/approve", INDUSTRY)
    assert wrong.status_code == 403 and wrong.json()["code"] == "REVIEWER_FORBIDDEN"
    assert (await _post(platform, f"{path}/approve", SCIENCE)).json()["status"] == "approved"


async def test_reject_needs_a_reason_and_is_final(platform: Platform, batches: dict) -> None:
    _, me = await register_enterprise(platform, HARBIN)
    need = await submit_need(platform, me, batches["chief_technologist"])
    path = f"/intake/v1/needs/{need['id']}"
    no_reason = await _post(platform, f"{path}/reject", INDUSTRY, {})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    rejected = await _post(platform, f"{path}/reject", INDUSTRY, {"reason": "需求描述不清，请补充技术指标"})
    assert rejected.json()["status"] == "rejected" and rejected.json()["rejection_reason"].startswith("需求描述不清")
    after = await _post(platform, f"{path}/approve", SCIENCE)
    assert after.status_code == 409 and after.json()["current_state"] == "rejected"
    assert await outbox_event_types(platform, "intake", need["id"]) == ["submitted", "rejected"]


async def test_another_city_and_other_roles_cannot_review(platform: Platform, batches: dict) -> None:
    _, me = await register_enterprise(platform, HARBIN)
    need = await submit_need(platform, me, batches["chief_technologist"])
    path = f"/intake/v1/needs/{need['id']}"
    assert (await _post(platform, f"{path}/approve", OTHER_CITY)).status_code == 404
    assert (await _post(platform, f"{path}/approve", PROVINCE)).status_code == 403
    assert (await _post(platform, f"{path}/approve", me)).status_code == 403
    assert (await _post(platform, f"{path}/approve", SASAC)).status_code == 404  # not an SOE: not SASAC's to see


async def test_R_F1_soe_need_goes_to_sasac_not_the_city(platform: Platform, batches: dict) -> None:
    _, me = await register_enterprise(platform, HARBIN, is_soe=True)
    need = await submit_need(platform, me, batches["chief_technologist"])
    path = f"/intake/v1/needs/{need['id']}"
    assert (await _post(platform, f"{path}/approve", SCIENCE)).status_code == 404
    approved = await _post(platform, f"{path}/approve", SASAC)
    assert approved.json()["status"] == "approved" and approved.json()["approvals"] == ["sasac"]
    assert (await _post(platform, f"{path}/report", SASAC)).json()["status"] == "reported"
    assert await outbox_event_types(platform, "intake", need["id"]) == [
        "submitted",
        "approved_by_sasac",
        "reported_to_province",
    ]


@pytest.mark.parametrize("after_approval", [False, True])
async def test_enterprise_withdraws_before_the_province_receives_it(
    platform: Platform, batches: dict, after_approval: bool
) -> None:
    _, me = await register_enterprise(platform, HARBIN)
    need = await submit_need(platform, me, batches["commissioner"])
    path = f"/intake/v1/needs/{need['id']}"
    if after_approval:
        await _post(platform, f"{path}/approve", SCIENCE)
    _, stranger = await register_enterprise(platform, HARBIN)
    assert (await _post(platform, f"{path}/withdraw", stranger)).status_code == 404
    withdrawn = await _post(platform, f"{path}/withdraw", me)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert (await _post(platform, f"{path}/approve", SCIENCE)).status_code == 409


async def test_need_filters(platform: Platform, batches: dict) -> None:
    _, me = await register_enterprise(platform, HARBIN)
    a = await submit_need(platform, me, batches["commissioner"], title="钢结构焊接机器人")
    await submit_need(platform, me, batches["chief_technologist"])
    await _post(platform, f"/intake/v1/needs/{a['id']}/approve", SCIENCE)
    client = platform["intake"].client
    by_status = (await client.get("/intake/v1/needs?status=approved", headers=me)).json()
    assert [n["id"] for n in by_status["items"]] == [a["id"]]
    by_text = (await client.get("/intake/v1/needs?q=焊接机器人", headers=me)).json()
    assert [n["id"] for n in by_text["items"]] == [a["id"]]
    by_programme = (await client.get("/intake/v1/needs?programme=chief_technologist", headers=me)).json()
    assert by_programme["total"] == 1
