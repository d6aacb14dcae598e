"""Idempotency-Key: a retried POST creates nothing twice — sequentially or concurrently."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from services.intake.adapters.orm import messaging as intake_messaging
from services.intake.adapters.orm import needs
from shared.db import create_engine, session_factory
from tests.factories import need_body
from tests.flows import register_enterprise
from tests.support import Platform


async def _count_needs_and_events(platform: Platform, enterprise_id: str) -> tuple[int, int]:
    """How many needs the enterprise has, and how many outbox events announce them."""
    engine = create_engine(platform["intake"].database_url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            ids = [
                str(i)
                for i in (
                    await session.execute(select(needs.c.id).where(needs.c.enterprise_id == enterprise_id))
                ).scalars()
            ]
            outbox = intake_messaging.outbox
            events = (
                await session.execute(select(func.count()).select_from(outbox).where(outbox.c.message_key.in_(ids)))
            ).scalar_one()
            return len(ids), int(events)
    finally:
        await engine.dispose()


async def test_retried_post_with_same_key_returns_first_response_and_creates_once(
    platform: Platform, batches: dict
) -> None:
    ent, headers0 = await register_enterprise(platform)
    headers = headers0 | {"Idempotency-Key": "retry-1"}
    client = platform["intake"].client
    first = await client.post("/intake/v1/needs", json=need_body(batches["commissioner"]), headers=headers)
    second = await client.post("/intake/v1/needs", json=need_body(batches["commissioner"]), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _count_needs_and_events(platform, ent) == (1, 1)


async def test_concurrent_posts_with_same_key_create_once(platform: Platform, batches: dict) -> None:
    ent, headers0 = await register_enterprise(platform)
    headers = headers0 | {"Idempotency-Key": "burst"}
    client = platform["intake"].client
    responses = await asyncio.gather(
        *(client.post("/intake/v1/needs", json=need_body(batches["commissioner"]), headers=headers) for _ in range(5))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert await _count_needs_and_events(platform, ent) == (1, 1)


async def test_same_key_different_body_is_422_and_without_key_each_post_creates(
    platform: Platform, batches: dict
) -> None:
    ent, headers0 = await register_enterprise(platform)
    client = platform["intake"].client
    headers = headers0
    assert (
        await client.post(
            "/intake/v1/needs", json=need_body(batches["commissioner"]), headers=headers | {"Idempotency-Key": "k"}
        )
    ).status_code == 201
    reused = await client.post(
        "/intake/v1/needs",
        json=need_body(batches["commissioner"], title="另一个需求"),
        headers=headers | {"Idempotency-Key": "k"},
    )
    assert reused.status_code == 422 and reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    for _ in range(2):
        assert (
            await client.post("/intake/v1/needs", json=need_body(batches["commissioner"]), headers=headers)
        ).status_code == 201
    assert await _count_needs_and_events(platform, ent) == (3, 3)


async def test_keys_are_per_caller(platform: Platform, batches: dict) -> None:
    """Two enterprises using the same key string do not collide."""
    client = platform["intake"].client
    body = need_body(batches["commissioner"])
    a = await client.post(
        "/intake/v1/needs", json=body, headers=(await register_enterprise(platform))[1] | {"Idempotency-Key": "shared"}
    )
    b = await client.post(
        "/intake/v1/needs", json=body, headers=(await register_enterprise(platform))[1] | {"Idempotency-Key": "shared"}
    )
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


async def test_keys_belong_to_the_whole_identity_not_the_subject(platform: Platform, batches: dict) -> None:
    """Two enterprises whose tokens share a ``sub`` and send the same key each get their own need."""
    from shared.auth import Role
    from tests.support import auth

    client = platform["intake"].client
    body = need_body(batches["commissioner"])
    first, second = (await register_enterprise(platform))[0], (await register_enterprise(platform))[0]
    answers = [
        await client.post(
            "/intake/v1/needs",
            json=body,
            headers=auth(Role.ENTERPRISE, enterprise_id=code, subject="shared-sub") | {"Idempotency-Key": "same"},
        )
        for code in (first, second)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert "idempotent-replayed" not in answers[1].headers
    assert [a.json()["enterprise_id"] for a in answers] == [first, second]


async def test_a_token_with_a_blank_subject_is_refused(platform: Platform) -> None:
    import jwt

    from tests.support import TEST_JWT_SECRET, token

    claims = jwt.decode(token("province"), options={"verify_signature": False})
    blank = jwt.encode(claims | {"sub": "  "}, TEST_JWT_SECRET, algorithm="HS256")
    response = await platform["intake"].client.get("/intake/v1/me", headers={"Authorization": f"Bearer {blank}"})
    assert response.status_code == 401 and response.json()["code"] == "TOKEN_CLAIMS_INVALID"
