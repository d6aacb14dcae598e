"""The transactional outbox at the repository and unit-of-work level, on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from devstack.services import SERVICES
from services.intake.adapters.orm import messaging, needs
from services.intake.domain import model as m
from services.intake.domain.commands import SubmitNeed
from services.intake.schemas import NeedCreate
from services.intake.service_layer import needs as need_handlers
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared.auth import Principal, Role
from shared.db import create_engine, drop_database, session_factory, with_database
from shared.events.contracts import NeedSubmittedV1, Programme
from shared.events.envelope import CloudEvent
from shared.messaging.repositories import (
    AuditRepository,
    CommitRecordsRepository,
    InboxRepository,
    OutboxRepository,
    outbox_row,
)
from shared.service_cli import migrate
from shared.timeutil import today_in_china
from tests.factories import credit_code, need_body
from tests.support import eventually


@pytest.fixture(scope="module")
async def quiet_intake_db(pg_server_url: str):
    """An intake database no relay watches, so rows stay where the test put them."""
    url = with_database(pg_server_url, "test_outbox_unit")
    await drop_database(url)
    await migrate(next(s for s in SERVICES if s.name == "intake").directory, url)
    engine = create_engine(url, pool_size=3)
    yield session_factory(engine)
    await engine.dispose()


def _event() -> CloudEvent:
    payload = NeedSubmittedV1(
        need_id=uuid.uuid4(),
        enterprise_id="e",
        city_code="230100",
        is_soe=False,
        programme=Programme.COMMISSIONER,
        title="t",
        description="d",
        keywords=[],
        submitted_at=datetime.now(UTC),
    )
    return CloudEvent.wrap(payload, source="/test")


async def test_concurrent_relays_claim_disjoint_rows_skip_locked(quiet_intake_db) -> None:
    async with quiet_intake_db() as s, s.begin():
        for _ in range(4):
            await CommitRecordsRepository(s, messaging).write([], [outbox_row(_event(), "techbridge.intake.need")], "")
    a, b = quiet_intake_db(), quiet_intake_db()
    try:
        await a.begin()
        await b.begin()
        claimed_a = await OutboxRepository(a, messaging).claim_unpublished(2)
        claimed_b = await OutboxRepository(b, messaging).claim_unpublished(10)  # does not wait for A's locks
        assert len(claimed_a) == 2
        assert {r.seq for r in claimed_a}.isdisjoint({r.seq for r in claimed_b})
        await OutboxRepository(a, messaging).mark_published([r.seq for r in claimed_a])
        await a.commit()
        await b.rollback()
    finally:
        await a.close()
        await b.close()
    async with quiet_intake_db() as s:
        backlog, oldest = await OutboxRepository(s, messaging).backlog()
    assert backlog == 2 and oldest is not None

    async with quiet_intake_db() as s, s.begin():
        requeued = await OutboxRepository(s, messaging).reset_range(datetime.now(UTC) - timedelta(hours=1), None)
    assert requeued == 2  # the published ones come back for re-publication
    async with quiet_intake_db() as s:
        assert (await OutboxRepository(s, messaging).backlog())[0] == 4


ENTERPRISE_ID = credit_code()
ENTERPRISE = Principal(subject="u1", role=Role.ENTERPRISE, enterprise_id=ENTERPRISE_ID)


@pytest.fixture(scope="module")
async def need_command(quiet_intake_db) -> SubmitNeed:
    """A registered enterprise and an open batch in the quiet database, and a need to file there."""
    today = today_in_china()
    batch = m.Batch(
        id=uuid.uuid4(),
        programme=Programme.COMMISSIONER,
        year=today.year,
        title="t",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=1),
    )
    enterprise = m.Enterprise(
        id=ENTERPRISE_ID,
        name="e",
        city_code="230100",
        county="c",
        registered_on=date(2015, 1, 1),
        independent_legal_person=True,
        qualifications=[],
        platforms=[],
        is_soe=False,
        research_misconduct=False,
        equity_links=[],
    )
    async with quiet_intake_db() as s, s.begin():
        s.add_all([batch, enterprise])
    return NeedCreate.model_validate(need_body(str(batch.id))).command()


async def _counts(factory) -> tuple[int, int, int]:
    async with factory() as s:
        n = (
            await s.execute(select(func.count()).select_from(needs).where(needs.c.enterprise_id == ENTERPRISE_ID))
        ).scalar_one()
        ids = [
            str(i)
            for i in (await s.execute(select(needs.c.id).where(needs.c.enterprise_id == ENTERPRISE_ID))).scalars()
        ]
        o = (
            await s.execute(
                select(func.count()).select_from(messaging.outbox).where(messaging.outbox.c.message_key.in_(ids))
            )
        ).scalar_one()
        a = (
            await s.execute(
                select(func.count()).select_from(messaging.audit_log).where(messaging.audit_log.c.entity_id.in_(ids))
            )
        ).scalar_one()
    return n, o, a


async def test_state_change_event_and_audit_commit_together_or_not_at_all(quiet_intake_db, need_command) -> None:
    before = await _counts(quiet_intake_db)
    woken = []
    uow = IntakeUnitOfWork(quiet_intake_db, messaging, source="/test", on_commit=lambda c: woken.append(c.events))
    with pytest.raises(RuntimeError):
        async with uow:
            await need_handlers.submit_need(need_command, ENTERPRISE, uow)
            raise RuntimeError("crash before commit")
    assert await _counts(quiet_intake_db) == before and not woken

    async with uow:
        need = await need_handlers.submit_need(need_command, ENTERPRISE, uow)
        await uow.commit()
    after = await _counts(quiet_intake_db)
    assert after == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert woken == [1]  # the relay is told at once
    async with quiet_intake_db() as s:
        audit = await AuditRepository(s, messaging).for_entity("need", str(need.id))
    assert audit[0]["actor"] == "u1" and audit[0]["action"] == "need.submitted"


async def test_inbox_records_each_event_once_per_consumer(db_session: AsyncSession) -> None:
    """Runs in a transaction rolled back after the test."""
    inbox = InboxRepository(db_session, messaging)
    event_id = str(uuid.uuid4())
    assert await inbox.record("c1", event_id, "t") is True
    assert await inbox.record("c1", event_id, "t") is False
    assert await inbox.record("c2", event_id, "t") is True  # another consumer handles it independently


async def test_only_enterprises_can_submit_even_when_called_directly(quiet_intake_db, need_command) -> None:
    """The scope check lives in the service layer, not only on the route."""
    from shared.errors import Forbidden

    uow = IntakeUnitOfWork(quiet_intake_db, messaging, source="/test")
    async with uow:
        with pytest.raises(Forbidden):
            await need_handlers.submit_need(need_command, Principal(subject="p", role=Role.PROVINCE), uow)


@contextlib.contextmanager
def _statements(factory) -> Iterator[list[str]]:
    """The SQL statements the factory's engine sends while the block runs."""
    engine = factory.kw["bind"].sync_engine
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_commit_writes_its_audit_entries_events_and_wake_up_in_one_statement(
    quiet_intake_db, need_command
) -> None:
    """Issue 14 (write path): the rows a commit adds beside the need — its audit entry, its outbox event and the
    NOTIFY for other processes' relays — go in one round trip, not one per row."""
    uow = IntakeUnitOfWork(quiet_intake_db, messaging, source="/test")
    async with uow:
        need = await need_handlers.submit_need(need_command, ENTERPRISE, uow)
        await uow.flush()  # the need's own INSERT
        with _statements(quiet_intake_db) as sent:
            await uow.commit()
    assert len(sent) == 1, sent
    assert "INSERT INTO audit_log" in sent[0] and "INSERT INTO outbox" in sent[0] and "pg_notify" in sent[0]
    async with quiet_intake_db() as s:
        assert [a["action"] for a in await AuditRepository(s, messaging).for_entity("need", str(need.id))] == [
            "need.submitted"
        ]
        envelope = (
            await s.execute(select(messaging.outbox.c.envelope).where(messaging.outbox.c.message_key == str(need.id)))
        ).scalar_one()
    assert envelope["type"].endswith(".need.submitted.v1") and envelope["data"]["need_id"] == str(need.id)


async def test_a_large_commit_writes_every_audit_entry_and_event_in_order(quiet_intake_db) -> None:
    """More rows than one statement carries (an import): every row is written, events in the order emitted."""
    uow = IntakeUnitOfWork(quiet_intake_db, messaging, source="/test")
    entity_id = uuid.uuid4().hex
    events = [_event() for _ in range(CommitRecordsRepository.MAX_ROWS_IN_ONE_STATEMENT * 3)]
    async with uow:
        for i, event_ in enumerate(events):
            uow.emit(NeedSubmittedV1.model_validate(event_.data))
            await uow.record_audit(ENTERPRISE, f"bulk.{i}", "bulk", entity_id)
        await uow.commit()
    async with quiet_intake_db() as s:
        audit = await AuditRepository(s, messaging).for_entity("bulk", entity_id)
        keys = (
            await s.execute(
                select(messaging.outbox.c.message_key)
                .where(messaging.outbox.c.message_key.in_([e.subject for e in events]))
                .order_by(messaging.outbox.c.seq)
            )
        ).scalars()
    assert [a["action"] for a in audit] == [f"bulk.{i}" for i in range(len(events))]
    assert list(keys) == [e.subject for e in events]


async def test_an_undone_savepoint_takes_its_audit_entries_with_it(quiet_intake_db) -> None:
    entity_id = uuid.uuid4().hex
    async with IntakeUnitOfWork(quiet_intake_db, messaging, source="/test") as uow:
        await uow.record_audit(ENTERPRISE, "kept", "step", entity_id)
        with pytest.raises(RuntimeError):
            async with uow.savepoint():
                await uow.record_audit(ENTERPRISE, "undone", "step", entity_id)
                raise RuntimeError("this step fails on its own")
        await uow.commit()
    async with quiet_intake_db() as s:
        assert [a["action"] for a in await AuditRepository(s, messaging).for_entity("step", entity_id)] == ["kept"]


async def _backend_pids(factory, how_many: int) -> dict[int, asyncpg.Connection]:
    """Check out ``how_many`` pooled connections at once (so each is its own): their server pids and drivers."""
    sessions = [factory() for _ in range(how_many)]
    try:
        return {
            (await s.execute(text("SELECT pg_backend_pid()"))).scalar_one(): (
                await (await s.connection()).get_raw_connection()
            ).driver_connection
            for s in sessions
        }
    finally:
        for s in sessions:
            await s.close()


async def _terminate(factory, pids: list[int]) -> None:
    async with factory() as s:
        terminate = text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:pids AS int[])) AS pid")
        await s.execute(terminate, {"pids": pids})


@pytest.mark.parametrize("ping_after_idle_s", [0.0, 3600.0])
async def test_connections_the_database_dropped_are_replaced_before_a_request_sees_them(
    pg_server_url: str, ping_after_idle_s: float, monkeypatch
) -> None:
    """No ping per checkout (issue 14: three round trips per request), yet a pooled connection the server ended —
    a database restart — never reaches a request: a closed socket is seen at checkout, and a connection idle
    longer than ``ping_after_idle_s`` is pinged first."""
    url = with_database(pg_server_url, "test_outbox_unit")
    engine = create_engine(url, pool_size=2, ping_after_idle_s=ping_after_idle_s)
    factory, other = session_factory(engine), session_factory(create_engine(url, pool_size=1))
    try:
        pooled = await _backend_pids(factory, 2)
        await _terminate(other, list(pooled))
        if ping_after_idle_s == 0.0:
            # the driver has not noticed (as when the socket's end is still in flight): only the ping can tell
            monkeypatch.setattr(asyncpg.Connection, "is_closed", lambda self: False)
        else:
            await eventually(lambda: _closed(pooled.values()), what="the driver to see both sockets closed")
        fresh = await _backend_pids(factory, 2)
        assert set(fresh).isdisjoint(pooled)
    finally:
        await engine.dispose()
        await other.kw["bind"].dispose()


async def _closed(connections) -> bool:
    await asyncio.sleep(0.05)
    return all(c.is_closed() for c in connections)


async def test_a_connection_dropped_while_busy_fails_its_request_once_as_unavailable(pg_server_url: str) -> None:
    """The price of not pinging per checkout: a connection the server ends in the middle of a statement (a restart
    under load) fails that statement — as "database unavailable" (503 with Retry-After at the HTTP boundary) — and
    the next request gets a fresh connection."""
    from sqlalchemy.exc import DBAPIError

    from shared.http import database_unavailable

    url = with_database(pg_server_url, "test_outbox_unit")
    engine = create_engine(url, pool_size=1, ping_after_idle_s=3600)
    factory = session_factory(engine)
    try:
        pooled = await _backend_pids(factory, 1)
        with pytest.raises(DBAPIError) as failed:
            async with factory() as s:
                await s.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        assert database_unavailable(failed.value)
        assert set(await _backend_pids(factory, 1)).isdisjoint(pooled)
    finally:
        await engine.dispose()
