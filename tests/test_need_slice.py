"""The first slice end to end: intake REST → outbox → Kafka → matching's inbox consumer → matching REST."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from services.intake.adapters.orm import messaging as intake_messaging
from shared.auth import Role
from shared.db import create_engine, session_factory
from tests.factories import HARBIN, need_body
from tests.flows import register_enterprise, submit_need
from tests.support import Platform, auth, eventually


async def test_need_submitted_reaches_matching_R_F1_R_F2(platform: Platform, batches: dict) -> None:
    """R-F1 → R-F2: a need filed with intake is recorded by matching from the NeedSubmitted event."""
    _, headers = await register_enterprise(platform, HARBIN)
    created = await submit_need(platform, headers, batches["chief_technologist"])
    assert created["status"] == "submitted" and created["city_code"] == HARBIN
    assert created["programme"] == "chief_technologist"  # the batch decides the programme

    province = auth(Role.PROVINCE)

    async def in_matching():
        response = await platform["matching"].client.get(f"/matching/v1/needs/{created['id']}", headers=province)
        return response.json() if response.status_code == 200 else None

    seen = await eventually(in_matching, what="the need in matching")
    assert seen["title"] == created["title"]
    assert seen["keywords"] == created["keywords"]
    assert [h["event_type"] for h in seen["history"]] == ["cn.gov.hlj.techbridge.intake.need.submitted.v1"]

    listed = await platform["matching"].client.get("/matching/v1/needs?page_size=100", headers=province)
    assert created["id"] in {n["id"] for n in listed.json()["items"]}


async def test_correlation_id_travels_from_request_into_the_event(platform: Platform, batches: dict) -> None:
    _, headers = await register_enterprise(platform)
    cid = f"corr-{uuid.uuid4().hex}"
    response = await platform["intake"].client.post(
        "/intake/v1/needs", json=need_body(batches["commissioner"]), headers=headers | {"X-Correlation-ID": cid}
    )
    assert response.status_code == 201
    assert response.headers["x-correlation-id"] == cid
    engine = create_engine(platform["intake"].database_url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            outbox = intake_messaging.outbox
            row = (
                await session.execute(select(outbox.c.envelope).where(outbox.c.message_key == response.json()["id"]))
            ).scalar_one()
    finally:
        await engine.dispose()
    assert row["correlationid"] == cid
    assert row["subject"] == response.json()["id"]
    assert row["source"] == "/techbridge/intake"
    assert row["specversion"] == "1.0"


async def test_need_validation_errors_are_problem_json_in_chinese(platform: Platform) -> None:
    _, headers = await register_enterprise(platform)
    response = await platform["intake"].client.post(
        "/intake/v1/needs", json={"batch_id": "nope", "title": "x", "keywords": []}, headers=headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "VALIDATION_FAILED"
    assert body["title"] == "请求数据校验未通过"
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert {
        "batch_id",
        "title",
        "description",
        "keywords",
        "industry",
        "cooperation_forms",
        "conditions_offered",
    } <= set(fields)
    assert fields["description"] == "必填字段缺失"
    assert fields["batch_id"] == "应为有效的 UUID"


async def test_need_list_is_paginated(platform: Platform, batches: dict) -> None:
    _, headers = await register_enterprise(platform)
    ids = [(await submit_need(platform, headers, batches["commissioner"]))["id"] for _ in range(3)]
    page1 = (await platform["intake"].client.get("/intake/v1/needs?page=1&page_size=2", headers=headers)).json()
    page2 = (await platform["intake"].client.get("/intake/v1/needs?page=2&page_size=2", headers=headers)).json()
    assert page1["total"] == page2["total"] == 3
    assert len(page1["items"]) == 2 and len(page2["items"]) == 1
    assert {n["id"] for n in page1["items"] + page2["items"]} == set(ids)
    bad = await platform["intake"].client.get("/intake/v1/needs?page=0&page_size=500", headers=headers)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"page", "page_size"}
