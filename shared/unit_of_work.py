"""Unit of work: the only place that commits.

**Who commits.** Every write is one use case run inside one unit of work, opened and committed by the
entrypoint that received it: ``shared.idempotency`` for REST writes, the inbox consumer for events, the
job and timer workers for background work. Use cases and domain code never commit, never flush.

**Events are built at commit.** A use case queues an event with ``uow.emit(...)``, either ready or as a
zero-argument builder; ``commit`` flushes first (row versions and defaults settle), then builds each
event from the aggregates as committed and writes it to the outbox in the same transaction — so an event
exists if and only if the change it announces was committed (transactional outbox), and a snapshot event
always carries the version that was stored. Audit entries (``record_audit``) are queued the same way; the outbox
rows, the audit rows and the NOTIFY that wakes other processes go to the database in one statement
(``CommitRecordsRepository``), so a write request costs one round trip for all of them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from shared.auth import Principal
from shared.events.envelope import CloudEvent, EventPayload
from shared.jobs.timers import TimerRepository
from shared.messaging.notify import payload as wake_payload
from shared.messaging.repositories import (
    AuditRepository,
    CommitRecordsRepository,
    DeadLetterRepository,
    IdempotencyRepository,
    InboxRepository,
    OutboxRepository,
    outbox_row,
)
from shared.messaging.tables import MessagingTables
from shared.observability import correlation_id_var

EventSource = EventPayload | Callable[[], EventPayload]
NEW_TYPES = "techbridge.new_types"  # a unit of work's session notes here which entity types it inserted


@event.listens_for(Session, "before_flush")
def _collect_new(session: Session, flush_context: Any, instances: Any) -> None:
    """Autoflushes included; registered once for every session (a listener per unit of work costs a registration
    per request)."""
    seen = session.info.get(NEW_TYPES)
    if seen is not None:
        seen.update(type(obj) for obj in session.new)


@dataclass(frozen=True)
class Committed:
    """What a commit wrote, for the process's workers to react at once instead of at their next poll."""

    events: int  # outbox rows: wake the relay
    new_entities: frozenset[type]  # e.g. a queued job: wake its worker
    timers_scheduled: bool


@dataclass(frozen=True)
class _Pending:
    """An event queued for the outbox, with the cause and correlation it was emitted under."""

    source: EventSource
    causation_id: str | None
    correlation_id: str | None

    def build(self) -> EventPayload:
        return self.source if isinstance(self.source, EventPayload) else self.source()


class SqlAlchemyUnitOfWork:
    """Base unit of work; each service subclasses it and adds its repositories in ``_open``."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        *,
        source: str,
        on_commit: Callable[[Committed], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._tables = tables
        self.source = source
        self._on_commit = on_commit
        self.causation_id: str | None = None

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        self._pending: list[_Pending] = []
        self._audit_rows: list[dict[str, Any]] = []
        self.outbox = OutboxRepository(self.session, self._tables)
        self.inbox = InboxRepository(self.session, self._tables)
        self.idempotency = IdempotencyRepository(self.session, self._tables)
        self.audit_log = AuditRepository(self.session, self._tables)
        self.dead_letters = DeadLetterRepository(self.session, self._tables)
        self.timers = TimerRepository(self.session, self._tables)
        self._commit_records = CommitRecordsRepository(self.session, self._tables)
        self._new_types: set[type] = set()
        self.session.sync_session.info[NEW_TYPES] = self._new_types  # filled by _collect_new at every flush
        self._open()
        return self

    def _open(self) -> None:
        """Subclasses create their repositories on ``self.session`` here."""

    async def __aexit__(self, *exc: object) -> None:
        await self.rollback()  # no-op after a commit; discards everything otherwise
        await self.session.close()

    def emit(self, event: EventSource) -> None:
        """Queue an event for the outbox; a builder is called at commit, after the flush (see the module doc). Its
        cause and correlation are the ones current now: a consumer's transaction may hold several events' work."""
        self._pending.append(_Pending(event, self.causation_id, correlation_id_var.get()))

    async def record_audit(
        self, principal: Principal, action: str, entity: str, entity_id: str, changes: dict[str, Any] | None = None
    ) -> None:
        """Queue an audit entry of what ``principal`` did; it is written at commit, with the outbox rows."""
        self.record_audit_entry(principal.subject, principal.role.value, action, entity, entity_id, changes)

    def record_audit_entry(
        self,
        actor: str,
        actor_role: str,
        action: str,
        entity: str,
        entity_id: str,
        changes: dict[str, Any] | None = None,
        correlation_id: str | None = None,
    ) -> None:
        """Queue an audit entry of any actor (another service's decision arriving as an event: ``actor_role``
        "system"); it is written at commit, in the same statement as the outbox rows."""
        self._audit_rows.append(
            {
                "actor": actor,
                "actor_role": actor_role,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "changes": changes,
                "correlation_id": correlation_id or correlation_id_var.get(),
            }
        )

    async def flush(self) -> None:
        """Settle versions and defaults before the entrypoint reads the result it will answer (not a commit)."""
        await self.session.flush()

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Run a step that may fail on its own: on an exception its writes and queued events are undone."""
        events, audits = len(self._pending), len(self._audit_rows)
        try:
            async with self.session.begin_nested():
                yield
        except BaseException:
            del self._pending[events:]
            del self._audit_rows[audits:]
            raise

    async def commit(self) -> None:
        await self.session.flush()
        new_entities = frozenset(self._new_types)
        events = [(p.build(), p) for p in self._pending]
        self._pending.clear()
        outbox = [outbox_row(self._envelope(payload, pending), payload.topic) for payload, pending in events]
        # other processes' workers wake at our commit (NOTIFY is delivered only if it commits)
        woken = wake_payload(len(events), self.timers.scheduled, new_entities)
        audit, self._audit_rows = self._audit_rows, []
        await self._commit_records.write(audit, outbox, woken)
        await self.session.commit()
        if self._on_commit:
            self._on_commit(Committed(len(events), new_entities, self.timers.scheduled))
        self.timers.scheduled = False
        self._new_types.clear()

    def _envelope(self, payload: EventPayload, pending: _Pending) -> CloudEvent:
        return CloudEvent.wrap(
            payload, source=self.source, correlation_id=pending.correlation_id, causation_id=pending.causation_id
        )

    async def rollback(self) -> None:
        self._pending.clear()
        self._audit_rows.clear()
        self._new_types.clear()
        await self.session.rollback()
