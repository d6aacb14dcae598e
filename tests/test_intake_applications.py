"""特派员 researcher applications (R-F4) and their eligibility (R-E4)."""

from __future__ import annotations

from shared.auth import Role
from tests.flows import PROVINCE, register_institution, register_researcher
from tests.support import Platform, auth, outbox_event_types

STATEMENT = {"statement": "长期从事寒区储能研究，愿意到企业开展技术服务。"}


async def test_R_F4_application_approved_by_the_unit_reaches_the_province(platform: Platform, batches: dict) -> None:
    institution_id, inst = await register_institution(platform)
    researcher = await register_researcher(platform, institution_id, inst)
    me = auth(Role.RESEARCHER, researcher_id=researcher["id"])
    client = platform["intake"].client
    body = STATEMENT | {"batch_id": batches["commissioner"]}
    created = await client.post("/intake/v1/applications", json=body, headers=me)
    assert created.status_code == 201 and created.json()["status"] == "submitted"
    app_id = created.json()["id"]
    assert (await client.post("/intake/v1/applications", json=body, headers=me)).json()["code"] == "APPLICATION_EXISTS"

    province_view = (await client.get("/intake/v1/applications?page_size=100", headers=PROVINCE)).json()
    assert app_id not in {a["id"] for a in province_view["items"]}  # not before the unit approves

    _, other = await register_institution(platform)
    assert (await client.post(f"/intake/v1/applications/{app_id}/approve", headers=other)).status_code == 404
    approved = await client.post(f"/intake/v1/applications/{app_id}/approve", headers=inst)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert (
        await client.post(f"/intake/v1/applications/{app_id}/reject", json={"reason": "改主意"}, headers=inst)
    ).status_code == 409

    province_view = (await client.get("/intake/v1/applications?page_size=100", headers=PROVINCE)).json()
    assert app_id in {a["id"] for a in province_view["items"]}
    assert await outbox_event_types(platform, "intake", researcher["id"]) == [
        "registered",
        "application_submitted",
        "application_approved",
    ]


async def test_R_E4_commissioner_needs_a_doctorate_or_associate_senior_title(platform: Platform, batches: dict) -> None:
    institution_id, inst = await register_institution(platform)
    researcher = await register_researcher(
        platform, institution_id, inst, highest_degree="master", title="intermediate"
    )
    me = auth(Role.RESEARCHER, researcher_id=researcher["id"])
    response = await platform["intake"].client.post(
        "/intake/v1/applications", json=STATEMENT | {"batch_id": batches["commissioner"]}, headers=me
    )
    assert response.status_code == 422 and response.json()["rule_ids"] == ["R-E4"]
    senior = await register_researcher(platform, institution_id, inst, highest_degree="master", title="senior")
    ok = await platform["intake"].client.post(
        "/intake/v1/applications",
        json=STATEMENT | {"batch_id": batches["commissioner"]},
        headers=auth(Role.RESEARCHER, researcher_id=senior["id"]),
    )
    assert ok.status_code == 201


async def test_applications_are_for_commissioner_batches_and_rejection_needs_a_reason(
    platform: Platform, batches: dict
) -> None:
    institution_id, inst = await register_institution(platform)
    researcher = await register_researcher(platform, institution_id, inst)
    me = auth(Role.RESEARCHER, researcher_id=researcher["id"])
    client = platform["intake"].client
    wrong = await client.post(
        "/intake/v1/applications", json=STATEMENT | {"batch_id": batches["chief_technologist"]}, headers=me
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "PROGRAMME_MISMATCH"
    created = (
        await client.post("/intake/v1/applications", json=STATEMENT | {"batch_id": batches["commissioner"]}, headers=me)
    ).json()
    no_reason = await client.post(f"/intake/v1/applications/{created['id']}/reject", json={}, headers=inst)
    assert no_reason.status_code == 422
    rejected = await client.post(
        f"/intake/v1/applications/{created['id']}/reject", json={"reason": "教学任务冲突"}, headers=inst
    )
    assert rejected.json()["status"] == "rejected" and rejected.json()["decision_reason"] == "教学任务冲突"
    mine = (await client.get("/intake/v1/applications", headers=me)).json()
    assert [a["status"] for a in mine["items"]] == ["rejected"]
