"""A burst of events costs one transaction (issue 14: intake → matching fell seconds behind at 92 needs/s, one
commit per event). What the one-by-one way guaranteed still holds inside a burst: each event once (inbox), each
event's consequences caused by it, a failing handler retried exactly up to the limit and dead-lettered without
losing or repeating its neighbours, an unparseable message dead-lettered while the rest go on."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from aiokafka import ConsumerRecord
from sqlalchemy import func, select, text

from services.matching.adapters.orm import messaging, needs
from services.matching.spec import SPEC as MATCHING
from shared.db import create_engine, drop_database, session_factory, with_database
from shared.events.contracts import NeedSubmittedV1
from shared.events.envelope import CloudEvent
from shared.events.topics import dead_letter_topic
from shared.messaging.consumer import EventConsumer, Subscription
from shared.messaging.kafka import ensure_topics, make_producer
from shared.service import bootstrap
from shared.service_cli import migrate
from shared.vocabulary import Programme
from tests.conftest import service_settings


def need_event(title: str = "寒地玉米秸秆低温发酵") -> CloudEvent:
    payload = NeedSubmittedV1(
        need_id=uuid.uuid4(), enterprise_id="91230100MA1B2C3D49", city_code="230100", is_soe=False,
        programme=Programme.COMMISSIONER, title=title, description="冬季低温条件下秸秆发酵效率低", keywords=["秸秆"],
        submitted_at=datetime.now(UTC),
    )  # fmt: skip
    return CloudEvent.wrap(payload, source="/techbridge/intake", correlation_id=f"corr-{uuid.uuid4().hex[:8]}")


def record(offset: int, value: bytes) -> ConsumerRecord:
    return ConsumerRecord(
        topic="t", partition=0, offset=offset, timestamp=0, timestamp_type=0, key=None, value=value,
        checksum=None, serialized_key_size=0, serialized_value_size=len(value), headers=[],
    )  # fmt: skip


@pytest.fixture(scope="module")
async def burst_db(pg_server_url: str) -> str:
    url = with_database(pg_server_url, "test_matching_bursts")
    await drop_database(url)
    await migrate(MATCHING.directory, url)
    return url


@pytest.fixture
async def consumer_on(burst_db: str, broker):
    """A consumer of the production class on its own database, its dead-letter producer on the real broker."""
    started = []

    async def make(handler, **settings_overrides) -> EventConsumer:
        settings = service_settings(
            "matching", burst_db, broker.bootstrap, tansu=broker.is_embedded, consumer_retry_backoff_s=0.01,
            **settings_overrides,
        )  # fmt: skip
        runtime = bootstrap(MATCHING, settings, role="api").runtime
        name = f"test.burst.{uuid.uuid4().hex[:8]}"
        await ensure_topics(broker.bootstrap, [dead_letter_topic(name)])
        consumer = EventConsumer(
            settings=settings, name=name, topics=["t"], uow_factory=runtime.uow,
            subscriptions={NeedSubmittedV1.event_type: Subscription(NeedSubmittedV1, handler)},
        )  # fmt: skip
        consumer._dlq_producer = make_producer(settings)
        await consumer._dlq_producer.start()
        started.append((runtime, consumer))
        return consumer

    yield make
    for runtime, consumer in started:
        await consumer._dlq_producer.stop()
        await runtime.engine.dispose()


async def _rows(database_url: str, stmt, params=None) -> list:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            return list((await session.execute(stmt, params or {})).all())
    finally:
        await engine.dispose()


async def test_a_burst_is_handled_once_per_event_and_each_consequence_names_its_own_cause(
    consumer_on, burst_db: str
) -> None:
    commits: list[int] = []

    async def copy_and_announce(uow, event, payload: NeedSubmittedV1) -> None:
        from services.matching.service_layer.projections import on_need_submitted

        await on_need_submitted(uow, event, payload)
        uow.emit(payload)  # a consequence, so its cause can be checked

    consumer = await consumer_on(copy_and_announce)
    real_factory = consumer.uow_factory

    def counting_factory():
        uow = real_factory()
        commit = uow.commit

        async def counted() -> None:
            await commit()
            commits.append(1)

        uow.commit = counted
        return uow

    consumer.uow_factory = counting_factory
    events = [need_event() for _ in range(6)]
    other = CloudEvent(
        id=str(uuid.uuid4()), source="/x", type="cn.gov.hlj.techbridge.other.thing.happened.v1", subject="x",
        time=datetime.now(UTC), data={},
    )  # fmt: skip
    burst = [record(i, e.to_bytes()) for i, e in enumerate(events)]
    burst += [record(6, events[0].to_bytes()), record(7, other.to_bytes())]  # a redelivery, another consumer's event

    outcomes = await consumer.process_many(burst)
    assert outcomes == ["processed"] * 6 + ["duplicate", "ignored"]
    assert len(commits) == 1  # one transaction for the burst
    ids = [uuid.UUID(json.loads(e.to_bytes())["data"]["need_id"]) for e in events]
    stored = await _rows(burst_db, select(needs.c.id).where(needs.c.id.in_(ids)))
    assert len(stored) == 6
    outbox = await _rows(
        burst_db, text("SELECT message_key, envelope FROM outbox WHERE message_key = ANY(:keys)"),
        {"keys": [str(i) for i in ids]},
    )  # fmt: skip
    caused = {key: (env["causationid"], env["correlationid"]) for key, env in outbox}
    assert caused == {str(i): (e.id, e.correlationid) for i, e in zip(ids, events, strict=True)}

    assert await consumer.process_many(burst[:3]) == ["duplicate"] * 3  # the whole burst redelivered: no effect


async def test_a_failing_handler_in_a_burst_is_retried_to_the_limit_and_its_neighbours_go_through_once(
    consumer_on, burst_db: str
) -> None:
    calls: Counter[str] = Counter()

    async def flaky(uow, event, payload: NeedSubmittedV1) -> None:
        calls[payload.title] += 1
        if payload.title == "poison":
            raise RuntimeError("handler bug")
        await uow.session.execute(
            text("INSERT INTO inbox (consumer, event_id, event_type) VALUES ('effects', :id, 'x')"), {"id": event.id}
        )  # a visible effect per event: it must exist exactly once

    consumer = await consumer_on(flaky, consumer_max_attempts=3)
    events = [need_event(t) for t in ("a", "b", "poison", "c", "d")]
    garbage = record(5, b"{not json")
    outcomes = await consumer.process_many([record(i, e.to_bytes()) for i, e in enumerate(events)] + [garbage])
    assert outcomes == ["processed", "processed", "dead_lettered", "processed", "processed", "dead_lettered"]
    assert calls["poison"] == 3  # the burst's try counts as the first attempt
    effects = await _rows(
        burst_db, text("SELECT event_id FROM inbox WHERE consumer = 'effects' AND event_id = ANY(:ids)"),
        {"ids": [e.id for e in events]},
    )  # fmt: skip
    assert sorted(r[0] for r in effects) == sorted(e.id for e in events if e.id != events[2].id)
    dead = messaging.dead_letters
    letters = await _rows(burst_db, select(dead.c.event_id, dead.c.attempts).where(dead.c.consumer == consumer.name))
    assert sorted(letters, key=str) == sorted([(events[2].id, 3), (None, 0)], key=str)
    unprocessed = select(func.count()).select_from(messaging.inbox).where(messaging.inbox.c.event_id == events[2].id)
    assert (await _rows(burst_db, unprocessed))[0][0] == 0


async def test_a_burst_whose_commit_fails_is_handled_one_by_one_and_nothing_is_lost(consumer_on, burst_db) -> None:
    """A failure no handler raised (a constraint found at commit, the database going away) names no culprit: the
    rest of the fetch goes one by one, each event still exactly once."""

    async def effect(uow, event, payload: NeedSubmittedV1) -> None:
        uow.handled = getattr(uow, "handled", 0) + 1
        await uow.session.execute(
            text("INSERT INTO inbox (consumer, event_id, event_type) VALUES ('effects', :id, 'x')"), {"id": event.id}
        )

    consumer = await consumer_on(effect)
    real_factory, failed = consumer.uow_factory, []

    def failing_once():
        uow = real_factory()
        commit = uow.commit

        async def commit_or_fail() -> None:
            if getattr(uow, "handled", 0) > 1:  # every transaction of several events fails at commit
                failed.append(1)
                raise RuntimeError("constraint violated at commit")
            await commit()

        uow.commit = commit_or_fail
        return uow

    consumer.uow_factory = failing_once
    events = [need_event(t) for t in "abcd"]
    assert await consumer.process_many([record(i, e.to_bytes()) for i, e in enumerate(events)]) == ["processed"] * 4
    effects = await _rows(
        burst_db, text("SELECT count(*) FROM inbox WHERE consumer = 'effects' AND event_id = ANY(:ids)"),
        {"ids": [e.id for e in events]},
    )  # fmt: skip
    assert effects[0][0] == 4
    assert len(failed) == 1  # one failed burst, then one by one: not a burst retried after each event
