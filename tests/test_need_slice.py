"""The first slice end to end: intake REST → outbox → Kafka → matching's inbox consumer → matching REST."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from services.intake.adapters.orm import messaging as intake_messaging
from shared.auth import Role
from shared.db import create_engine, session_factory
from tests.support import Platform, auth, eventually

NEED = {
    "programme": "chief_technologist",
    "title": "寒地玉米秸秆低温发酵",
    "description": "冬季低温条件下秸秆发酵效率低，需要耐寒菌种与工艺优化方案。",
    "keywords": ["秸秆", "低温发酵", "耐寒菌种"],
}
HARBIN = "230100"
QIQIHAR = "230200"


def enterprise(enterprise_id: str | None = None, city: str = HARBIN, **extra) -> dict[str, str]:
    return auth(Role.ENTERPRISE, enterprise_id=enterprise_id or f"ent-{uuid.uuid4().hex[:8]}", city_code=city, **extra)


async def submit(platform: Platform, headers: dict[str, str], body: dict | None = None, **extra_headers: str) -> dict:
    response = await platform["intake"].client.post(
        "/intake/v1/needs", json=body or NEED, headers=headers | extra_headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_need_submitted_reaches_matching_R_F1_R_F2(platform: Platform) -> None:
    """R-F1 → R-F2: a need filed with intake is recorded by matching from the NeedSubmitted event."""
    created = await submit(platform, enterprise())
    assert created["status"] == "submitted" and created["city_code"] == HARBIN

    province = auth(Role.PROVINCE)

    async def in_matching():
        response = await platform["matching"].client.get(f"/matching/v1/needs/{created['id']}", headers=province)
        return response.json() if response.status_code == 200 else None

    seen = await eventually(in_matching, what="the need in matching")
    assert seen["title"] == NEED["title"]
    assert seen["keywords"] == NEED["keywords"]
    assert [h["event_type"] for h in seen["history"]] == ["cn.gov.hlj.techbridge.intake.need.submitted.v1"]

    listed = await platform["matching"].client.get("/matching/v1/needs?page_size=100", headers=province)
    assert created["id"] in {n["id"] for n in listed.json()["items"]}


async def test_correlation_id_travels_from_request_into_the_event(platform: Platform) -> None:
    cid = f"corr-{uuid.uuid4().hex}"
    response = await platform["intake"].client.post(
        "/intake/v1/needs", json=NEED, headers=enterprise() | {"X-Correlation-ID": cid}
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
    response = await platform["intake"].client.post(
        "/intake/v1/needs", json={"programme": "other", "title": "x", "keywords": []}, headers=enterprise()
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "VALIDATION_FAILED"
    assert body["title"] == "请求数据校验未通过"
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert set(fields) == {"programme", "title", "description", "keywords"}
    assert fields["description"] == "必填字段缺失"
    assert "chief_technologist" in fields["programme"]


async def test_need_list_is_paginated(platform: Platform) -> None:
    headers = enterprise(f"ent-page-{uuid.uuid4().hex[:6]}")
    ids = [(await submit(platform, headers))["id"] for _ in range(3)]
    page1 = (await platform["intake"].client.get("/intake/v1/needs?page=1&page_size=2", headers=headers)).json()
    page2 = (await platform["intake"].client.get("/intake/v1/needs?page=2&page_size=2", headers=headers)).json()
    assert page1["total"] == page2["total"] == 3
    assert len(page1["items"]) == 2 and len(page2["items"]) == 1
    assert {n["id"] for n in page1["items"] + page2["items"]} == set(ids)
    bad = await platform["intake"].client.get("/intake/v1/needs?page=0&page_size=500", headers=headers)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"page", "page_size"}
