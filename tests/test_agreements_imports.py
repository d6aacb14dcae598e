"""Agreements signed on paper before the platform (历史协议备案): the province files them, the floors still apply
(R-F9), the parties must be registered, a term already over is not filed, the years served are carried over as
confirmed service, and the same appointment is not filed twice."""

from __future__ import annotations

import uuid
from datetime import timedelta

from shared.timeutil import today_in_china
from tests.flows import PROVINCE, register_enterprise, register_institution, register_researcher
from tests.support import Platform, eventually

PATH = "/agreements/v1/agreements/imported"


async def test_R_F9_a_paper_agreement_is_filed_with_its_served_years_and_checked_like_any_other(
    platform: Platform,
) -> None:
    institution_id, unit = await register_institution(platform)
    researcher = await register_researcher(platform, institution_id, unit, name="李明")
    enterprise, _ = await register_enterprise(platform)
    start = today_in_china() - timedelta(days=400)
    body = {
        "programme": "chief_technologist", "researcher_id": researcher["id"], "enterprise_id": enterprise,
        "document_number": "黑科总师〔2025〕009号", "term_start": start.isoformat(),
        "term_end": (start.replace(year=start.year + 2) - timedelta(days=1)).isoformat(),
        "service_days_per_year": 90, "cooperation_content": "寒地装备关键部件联合攻关",
        "served": [{"year": 1, "days_on_site": 92, "days_remote": 3, "description": "驻企攻关",
                    "outcomes": {"problems_solved": 2}}],
    }  # fmt: skip
    client = platform["agreements"].client

    async def registered():
        response = await client.post(PATH, json={**body, "researcher_id": str(uuid.uuid4())}, headers=PROVINCE)
        assert response.status_code == 422 and response.json()["code"] == "PARTY_NOT_REGISTERED"
        probe = await client.post(PATH, json={**body, "service_days_per_year": 80}, headers=PROVINCE)
        return probe if probe.json()["code"] != "PARTY_NOT_REGISTERED" else None

    below = await eventually(registered, timeout=60, what="the parties reach agreements")
    assert below.status_code == 422 and below.json()["rule_ids"] == ["R-F9"]  # 80 days a year is below the floor
    ended = {**body, "term_start": "2022-01-01", "term_end": "2024-12-31", "served": []}
    refused = await client.post(PATH, json=ended, headers=PROVINCE)
    assert refused.status_code == 422 and refused.json()["code"] == "TERM_ALREADY_ENDED"
    future = {**body, "served": [{"year": 3, "days_on_site": 10, "description": "聘期之外的年度"}]}
    refused = await client.post(PATH, json=future, headers=PROVINCE)
    assert refused.status_code == 422 and refused.json()["code"] == "SERVED_YEARS_INVALID"
    assert (await client.post(PATH, json=body, headers=unit)).status_code == 403  # the province files them

    filed = await client.post(PATH, json=body, headers=PROVINCE)
    assert filed.status_code == 201, filed.text
    agreement = filed.json()
    assert agreement["status"] == "filed" and agreement["original"]["document_number"] == "黑科总师〔2025〕009号"
    service = (await client.get(f"/agreements/v1/agreements/{agreement['id']}/service", headers=PROVINCE)).json()
    assert service["years"][0]["confirmed_days"] == 95 and service["years"][0]["required_days"] == 90
    twice = await client.post(PATH, json=body, headers=PROVINCE)
    assert twice.status_code == 409 and twice.json()["code"] == "ALREADY_EXISTS"
    history = (await client.get(f"/agreements/v1/agreements/{agreement['id']}/history", headers=PROVINCE)).json()
    assert history[0]["action"] == "agreement.imported"
