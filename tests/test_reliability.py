"""Reliable messaging on the real broker: outbox survives a broker outage, the inbox absorbs
redelivery, poison messages go to the dead-letter topic and the consumer keeps going."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import func, select

from services.agreements.adapters.orm import pairs as agreement_pairs
from services.agreements.spec import SPEC as AGREEMENTS
from services.matching.adapters.orm import messaging as matching_messaging
from services.matching.adapters.orm import need_history, needs
from services.matching.spec import SPEC as MATCHING
from shared.auth import Role
from shared.db import create_engine, drop_database, session_factory, with_database
from shared.events.contracts import CandidateAnsweredV1, NeedSubmittedV1
from shared.events.envelope import CloudEvent
from shared.events.topics import INTAKE_NEED, MATCHING_CANDIDATE, dead_letter_topic
from shared.messaging.consumer import EventConsumer, Subscription
from shared.messaging.kafka import ensure_topics
from shared.service import bootstrap
from shared.service_cli import migrate
from tests.conftest import Broker, service_settings
from tests.flows import publish, register_enterprise, submit_need
from tests.support import Platform, auth, eventually

INTAKE_NEEDS_CONSUMER = next(c for c in MATCHING.consumer_specs() if c.name == "matching.intake-needs")


async def _matching_has(platform: Platform, need_id: str) -> bool:
    response = await platform["matching"].client.get(f"/matching/v1/needs/{need_id}", headers=auth(Role.PROVINCE))
    return response.status_code == 200


async def test_broker_down_needs_still_accepted_and_delivered_after_recovery(
    platform: Platform, broker: Broker, batches: dict
) -> None:
    if not broker.is_embedded:
        pytest.skip("stopping the broker needs the embedded one; an external Kafka is left alone")
    relay = platform["intake"].runtime.relay
    _, headers = await register_enterprise(platform)
    await eventually(lambda: _async(relay.consecutive_failures == 0), what="a healthy relay before the outage")
    broker.stop()
    try:
        # the API never waits for Kafka
        created = [await submit_need(platform, headers, batches["commissioner"]) for _ in range(3)]

        ready = await platform["intake"].client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == "ok"
        assert ready.json()["checks"]["broker"].startswith("unavailable")

        await eventually(
            lambda: _async(relay.consecutive_failures > 0), timeout=30, what="the relay to notice the outage"
        )
        assert await relay.refresh_backlog_metric() >= 3
        metrics = (await platform["intake"].client.get("/metrics")).text
        assert 'techbridge_outbox_backlog{service="intake"}' in metrics
    finally:
        await broker.start()

    for need in created:
        await eventually(
            lambda n=need: _matching_has(platform, n["id"]), timeout=120, what=f"need {need['id']} after recovery"
        )
    await eventually(lambda: _async(relay.consecutive_failures == 0), timeout=30, what="the relay to recover")
    assert (await platform["intake"].client.get("/readyz")).status_code == 200


async def _async(value):
    return value


@pytest.fixture(scope="module")
async def isolated_matching_db(pg_server_url: str) -> str:
    """A second, empty matching database, for consumers under test beside the platform's own."""
    url = with_database(pg_server_url, "test_matching_isolated")
    await drop_database(url)
    from devstack.services import SERVICES

    await migrate(next(s for s in SERVICES if s.name == "matching").directory, url)
    return url


class RecordingConsumer(EventConsumer):
    """The production consumer, recording each message's outcome per event id."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.outcomes: dict[str, list[str]] = defaultdict(list)

    async def process_many(self, messages):
        outcomes = await super().process_many(messages)
        for message, outcome in zip(messages, outcomes, strict=True):
            try:
                event_id = json.loads(message.value)["id"]
            except (ValueError, KeyError, TypeError):
                event_id = "<unparseable>"
            self.outcomes[event_id].append(outcome)
        return outcomes


class CrashBeforeOffsetCommit(RecordingConsumer):
    """Dies once between the database commit and the Kafka offset commit — the window the inbox covers."""

    crashed = False

    async def commit_offsets(self, consumer, offsets) -> None:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("simulated crash after the database commit, before the offset commit")
        await super().commit_offsets(consumer, offsets)


async def _start(
    consumer_cls, isolated_db: str, broker: Broker, subscriptions, *, spec=MATCHING, topics=(INTAKE_NEED.name,), **kw
):
    settings = service_settings(spec.name, isolated_db, broker.bootstrap, tansu=broker.is_embedded, **kw)
    runtime = bootstrap(spec, settings, role="api").runtime
    name = f"test.{consumer_cls.__name__.lower()}.{uuid.uuid4().hex[:8]}"
    await ensure_topics(broker.bootstrap, [dead_letter_topic(name)])
    consumer = consumer_cls(
        settings=settings, name=name, subscriptions=subscriptions, topics=list(topics), uow_factory=runtime.uow
    )
    task = asyncio.create_task(consumer.run())
    return runtime, consumer, task


async def _stop(runtime, consumer, task) -> None:
    consumer.stop()
    await asyncio.wait_for(task, 30)
    await runtime.engine.dispose()


async def _count(database_url: str, stmt) -> int:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            return int((await session.execute(stmt)).scalar_one())
    finally:
        await engine.dispose()


async def test_crash_between_db_commit_and_offset_commit_has_no_second_effect(
    platform: Platform, broker: Broker, isolated_matching_db: str, batches: dict
) -> None:
    created = await submit_need(platform, (await register_enterprise(platform))[1], batches["commissioner"])
    runtime, consumer, task = await _start(
        CrashBeforeOffsetCommit, isolated_matching_db, broker, INTAKE_NEEDS_CONSUMER.subscriptions
    )
    try:
        need_id = uuid.UUID(created["id"])
        history_rows = select(func.count()).select_from(need_history).where(need_history.c.need_id == need_id)

        async def redelivered_and_skipped():
            outcomes = [o for o in consumer.outcomes.values() if o[:1] == ["processed"]]
            return consumer.crashed and any(o[1:] == ["duplicate"] for o in outcomes)

        await eventually(redelivered_and_skipped, timeout=60, what="the redelivered event to be recognised")
        await eventually(
            lambda: _count(isolated_matching_db, history_rows), timeout=30, what="the need in the isolated db"
        )
    finally:
        await _stop(runtime, consumer, task)

    assert await _count(isolated_matching_db, select(func.count()).select_from(needs).where(needs.c.id == need_id)) == 1
    assert await _count(isolated_matching_db, history_rows) == 1
    inbox = matching_messaging.inbox
    assert (
        await _count(
            isolated_matching_db, select(func.count()).select_from(inbox).where(inbox.c.consumer == consumer.name)
        )
        >= 1
    )


@pytest.fixture(scope="module")
async def isolated_agreements_db(pg_server_url: str) -> str:
    url = with_database(pg_server_url, "test_agreements_isolated")
    await drop_database(url)
    await migrate(AGREEMENTS.directory, url)
    return url


async def test_an_agreements_consumer_crash_between_commits_creates_the_pair_once(
    platform: Platform, broker: Broker, isolated_agreements_db: str
) -> None:
    """R-F5's input survives a crash: the willing answer redelivered after a crash is recognised (inbox), so the
    pair to negotiate exists once."""
    matching_consumer = next(c for c in AGREEMENTS.consumer_specs() if c.name == "agreements.matching")
    runtime, consumer, task = await _start(
        CrashBeforeOffsetCommit, isolated_agreements_db, broker, matching_consumer.subscriptions,
        spec=AGREEMENTS, topics=[MATCHING_CANDIDATE.name],
    )  # fmt: skip
    answered = CandidateAnsweredV1(
        need_id=uuid.uuid4(), entry_id=uuid.uuid4(), researcher_id=uuid.uuid4(), institution_id=uuid.uuid4(),
        enterprise_id="91230100MA1B2C3D49", city_code="230100", is_soe=False, programme="chief_technologist",
        proposal_version=1, occurred_at=datetime.now(UTC), answer="willing",
    )  # fmt: skip
    try:
        await publish(platform, answered)

        async def redelivered_and_skipped():
            outcomes = [o for o in consumer.outcomes.values() if o[:1] == ["processed"]]
            return consumer.crashed and any(o[1:] == ["duplicate"] for o in outcomes)

        await eventually(redelivered_and_skipped, timeout=60, what="the redelivered answer to be recognised")
    finally:
        await _stop(runtime, consumer, task)
    same_entry = (
        select(func.count()).select_from(agreement_pairs).where(agreement_pairs.c.entry_id == answered.entry_id)
    )
    assert await _count(isolated_agreements_db, same_entry) == 1


async def _read_dead_letters(bootstrap: str, topic: str, marker: bytes, timeout: float = 30) -> list:
    reader = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-dlq-reader-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=25,
    )
    await reader.start()
    found = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not found and asyncio.get_running_loop().time() < deadline:
            batch = await reader.getmany(timeout_ms=300)
            found = [m for msgs in batch.values() for m in msgs if m.value and marker in m.value]
    finally:
        await reader.stop()
    return found


async def test_malformed_events_go_to_dead_letter_topic_and_consumer_keeps_going(
    platform: Platform, broker: Broker, batches: dict
) -> None:
    marker = uuid.uuid4().hex
    not_json = f"{{not json {marker}".encode()
    wrong_payload = CloudEvent(
        id=str(uuid.uuid4()),
        source="/test",
        type=NeedSubmittedV1.event_type,
        subject=marker,
        time="2026-11-22T00:00:00Z",
        data={"need_id": "not-a-uuid", "marker": marker},
    ).to_bytes()
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=not broker.is_embedded)
    await producer.start()
    try:
        await producer.send_and_wait(INTAKE_NEED.name, not_json, key=marker.encode())
        await producer.send_and_wait(INTAKE_NEED.name, wrong_payload, key=marker.encode())
    finally:
        await producer.stop()

    # same partition or not, the consumer must keep going
    after = await submit_need(platform, (await register_enterprise(platform))[1], batches["commissioner"])
    await eventually(lambda: _matching_has(platform, after["id"]), timeout=60, what="a good event after poison ones")

    ops = auth(Role.OPS)

    async def recorded():
        response = await platform["matching"].client.get("/matching/ops/dead-letters?page_size=100", headers=ops)
        assert response.status_code == 200, response.text
        page = response.json()
        mine = [d for d in page["items"] if marker in d["raw"]]
        return mine if len(mine) == 2 else None

    dead = await eventually(recorded, what="both poison messages recorded")
    errors = sorted(d["error"] for d in dead)
    assert errors[0].startswith("invalid CloudEvent envelope")
    assert errors[1].startswith(f"payload does not match {NeedSubmittedV1.event_type}")
    assert {d["consumer"] for d in dead} == {INTAKE_NEEDS_CONSUMER.name}

    on_topic = await _read_dead_letters(
        broker.bootstrap, dead_letter_topic(INTAKE_NEEDS_CONSUMER.name).name, marker.encode()
    )
    assert len(on_topic) == 2
    for message in on_topic:
        headers = dict(message.headers)
        assert headers["dlq_source_topic"] == INTAKE_NEED.name.encode()
        assert headers["dlq_error"]


async def test_handler_that_keeps_failing_is_dead_lettered_after_max_attempts(
    platform: Platform, broker: Broker, isolated_matching_db: str, batches: dict
) -> None:
    calls: dict[str, int] = defaultdict(int)
    poison_title = f"poison-{uuid.uuid4().hex[:8]}"

    async def flaky_handler(uow, event, payload: NeedSubmittedV1) -> None:
        calls[event.id] += 1
        if payload.title == poison_title:
            raise RuntimeError("handler bug")

    subscriptions = {NeedSubmittedV1.event_type: Subscription(NeedSubmittedV1, flaky_handler)}
    _, headers = await register_enterprise(platform)
    poisoned = await submit_need(platform, headers, batches["commissioner"], title=poison_title)
    healthy = await submit_need(platform, headers, batches["commissioner"])
    runtime, consumer, task = await _start(
        RecordingConsumer, isolated_matching_db, broker, subscriptions, consumer_max_attempts=3
    )
    try:
        dl = matching_messaging.dead_letters
        stmt = select(func.count()).select_from(dl).where(dl.c.consumer == consumer.name, dl.c.attempts == 3)
        await eventually(lambda: _count(isolated_matching_db, stmt), timeout=60, what="the dead letter")

        async def healthy_done():
            return any(o == ["processed"] for o in consumer.outcomes.values()) and len(consumer.outcomes) >= 2

        await eventually(healthy_done, timeout=60, what="later events still processed")
    finally:
        await _stop(runtime, consumer, task)
    assert ["dead_lettered"] in consumer.outcomes.values()
    assert max(calls.values()) == 3  # retried exactly up to the limit
    assert poisoned["id"] != healthy["id"]


async def test_ops_republish_redelivers_a_time_range_without_second_effects(platform: Platform, batches: dict) -> None:
    """Recovery after a broker lost its data: ops re-publish a range; consumers' inboxes drop what they had."""
    from datetime import UTC, datetime, timedelta

    _, headers = await register_enterprise(platform)
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    created = await submit_need(platform, headers, batches["commissioner"])
    await eventually(lambda: _matching_has(platform, created["id"]), what="the need in matching")
    relay = platform["intake"].runtime.relay
    await eventually(lambda: _async(relay.consecutive_failures == 0), what="a healthy relay")

    def duplicates() -> float:
        from prometheus_client import REGISTRY

        value = REGISTRY.get_sample_value(
            "techbridge_events_consumed_total",
            {"service": "matching", "consumer": INTAKE_NEEDS_CONSUMER.name, "outcome": "duplicate"},
        )
        return value or 0.0

    before = duplicates()
    ops = auth(Role.OPS)
    bad = await platform["intake"].client.post(
        "/intake/ops/outbox/republish", json={"since": since, "until": since}, headers=ops
    )
    assert bad.status_code == 422 and bad.json()["code"] == "TIME_RANGE_INVALID"
    response = await platform["intake"].client.post("/intake/ops/outbox/republish", json={"since": since}, headers=ops)
    assert response.status_code == 200 and response.json()["queued"] >= 1

    await eventually(
        lambda: _async(duplicates() >= before + 1), timeout=60, what="the re-published event to be skipped"
    )
    seen = (
        await platform["matching"].client.get(f"/matching/v1/needs/{created['id']}", headers=auth(Role.PROVINCE))
    ).json()
    assert len(seen["history"]) == 1  # delivered twice, applied once
