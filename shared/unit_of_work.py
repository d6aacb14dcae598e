"""Unit of work: the only place that commits.

State changes, their outbox events and their audit entries are written in one transaction, so an
event exists if and only if the change it announces was committed (transactional outbox).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.auth import Principal
from shared.events.envelope import CloudEvent, EventPayload
from shared.messaging.repositories import (
    AuditRepository,
    DeadLetterRepository,
    IdempotencyRepository,
    InboxRepository,
    OutboxRepository,
)
from shared.messaging.tables import MessagingTables
from shared.observability import correlation_id_var


class SqlAlchemyUnitOfWork:
    """Base unit of work; each service subclasses it and adds its repositories in ``_open``."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        *,
        source: str,
        on_commit_with_events: Callable[[], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._tables = tables
        self.source = source
        self._on_commit_with_events = on_commit_with_events
        self.causation_id: str | None = None

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        self._pending: list[CloudEvent] = []
        self._topics: list[str] = []
        self.outbox = OutboxRepository(self.session, self._tables)
        self.inbox = InboxRepository(self.session, self._tables)
        self.idempotency = IdempotencyRepository(self.session, self._tables)
        self.audit_log = AuditRepository(self.session, self._tables)
        self.dead_letters = DeadLetterRepository(self.session, self._tables)
        self._open()
        return self

    def _open(self) -> None:
        """Subclasses create their repositories on ``self.session`` here."""

    async def __aexit__(self, *exc: object) -> None:
        await self.rollback()  # no-op after a commit; discards everything otherwise
        await self.session.close()

    def emit(self, payload: EventPayload) -> CloudEvent:
        """Queue an event; it is written to the outbox by ``commit`` in the same transaction."""
        event = CloudEvent.wrap(
            payload, source=self.source, correlation_id=correlation_id_var.get(), causation_id=self.causation_id
        )
        self._pending.append(event)
        self._topics.append(payload.topic)
        return event

    async def record_audit(
        self, principal: Principal, action: str, entity: str, entity_id: str, changes: dict[str, Any] | None = None
    ) -> None:
        await self.audit_log.add(
            actor=principal.subject,
            actor_role=principal.role.value,
            action=action,
            entity=entity,
            entity_id=entity_id,
            changes=changes,
            correlation_id=correlation_id_var.get(),
        )

    async def commit(self) -> None:
        had_events = bool(self._pending)
        for event, topic in zip(self._pending, self._topics, strict=True):
            await self.outbox.add(event, topic)
        self._pending.clear()
        self._topics.clear()
        await self.session.commit()
        if had_events and self._on_commit_with_events:
            self._on_commit_with_events()  # wake the relay now instead of at its next poll

    async def rollback(self) -> None:
        self._pending.clear()
        self._topics.clear()
        await self.session.rollback()
