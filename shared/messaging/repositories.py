"""SQL for the infrastructure tables. Callers pass the session of their unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import TextClause, and_, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.envelope import CloudEvent
from shared.messaging.notify import CHANNEL
from shared.messaging.tables import MessagingTables


def outbox_row(event: CloudEvent, topic: str) -> dict[str, Any]:
    """The outbox row of ``event``, published to ``topic``."""
    return {
        "event_id": event.id,
        "topic": topic,
        "message_key": event.subject,
        "event_type": event.type,
        "envelope": event.model_dump(mode="json", exclude_none=True),
        "correlation_id": event.correlationid,
    }


class OutboxRepository:
    """The relay's side of the outbox (rows are written at commit by ``CommitRecordsRepository``)."""

    def __init__(self, session: AsyncSession, tables: MessagingTables) -> None:
        self.session, self.t = session, tables.outbox

    async def claim_unpublished(self, limit: int) -> list[Any]:
        """Lock a batch of unpublished rows; concurrent relays skip each other's rows."""
        stmt = (
            select(self.t.c.seq, self.t.c.topic, self.t.c.message_key, self.t.c.envelope)
            .where(self.t.c.published_at.is_(None))
            .order_by(self.t.c.seq)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(stmt)).all())

    async def mark_published(self, seqs: list[int]) -> None:
        await self.session.execute(
            update(self.t).where(self.t.c.seq.in_(seqs)).values(published_at=func.now(), last_error=None)
        )

    async def record_failure(self, seqs: list[int], error: str) -> None:
        await self.session.execute(
            update(self.t).where(self.t.c.seq.in_(seqs)).values(attempts=self.t.c.attempts + 1, last_error=error[:2000])
        )

    async def backlog(self) -> tuple[int, datetime | None]:
        row = (
            await self.session.execute(
                select(func.count(), func.min(self.t.c.created_at)).where(self.t.c.published_at.is_(None))
            )
        ).one()
        return int(row[0]), row[1]

    async def reset_range(self, since: datetime, until: datetime | None) -> int:
        """Mark a time range for re-publication (recovery after a broker lost its data)."""
        cond = [self.t.c.created_at >= since, self.t.c.published_at.is_not(None)]
        if until is not None:
            cond.append(self.t.c.created_at < until)
        result = await self.session.execute(update(self.t).where(and_(*cond)).values(published_at=None))
        return result.rowcount or 0

    async def prune_published(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(self.t).where(self.t.c.published_at.is_not(None), self.t.c.created_at < before)
        )
        return result.rowcount or 0


class InboxRepository:
    def __init__(self, session: AsyncSession, tables: MessagingTables) -> None:
        self.session, self.t = session, tables.inbox

    async def record(self, consumer: str, event_id: str, event_type: str) -> bool:
        """True if this (consumer, event) is new; False if it was already processed."""
        stmt = (
            pg_insert(self.t)
            .values(consumer=consumer, event_id=event_id, event_type=event_type)
            .on_conflict_do_nothing()
            .returning(self.t.c.event_id)
        )
        return (await self.session.execute(stmt)).first() is not None


class DeadLetterRepository:
    def __init__(self, session: AsyncSession, tables: MessagingTables) -> None:
        self.session, self.t = session, tables.dead_letters

    async def add(self, **values: Any) -> None:
        await self.session.execute(insert(self.t), values)  # parameters apart: the compiled statement is cached

    async def list(self, consumer: str | None, limit: int, offset: int) -> tuple[list[dict], int]:
        cond = [self.t.c.consumer == consumer] if consumer else []
        total = (await self.session.execute(select(func.count()).select_from(self.t).where(*cond))).scalar_one()
        rows = await self.session.execute(
            select(self.t).where(*cond).order_by(self.t.c.id.desc()).limit(limit).offset(offset)
        )
        return [dict(r._mapping) for r in rows], int(total)


class IdempotencyRepository:
    def __init__(self, session: AsyncSession, tables: MessagingTables) -> None:
        self.session, self.t = session, tables.idempotency_keys

    async def claim(self, principal: str, key: str, fingerprint: str) -> dict | None:
        """Claim ``key`` for this request; returns the earlier record if the key was used before.

        A concurrent request with the same key blocks on the primary key until the first commits,
        then sees its stored response — so a retried POST never runs twice.
        """
        inserted = await self.session.execute(
            pg_insert(self.t)
            .values(principal=principal, key=key, request_fingerprint=fingerprint)
            .on_conflict_do_nothing()
            .returning(self.t.c.key)
        )
        if inserted.first() is not None:
            return None
        row = (
            await self.session.execute(select(self.t).where(self.t.c.principal == principal, self.t.c.key == key))
        ).one()
        return dict(row._mapping)

    async def complete(self, principal: str, key: str, status: int, body: Any) -> None:
        await self.session.execute(
            update(self.t)
            .where(self.t.c.principal == principal, self.t.c.key == key)
            .values(response_status=status, response_body=body)
        )


class AuditRepository:
    """Reading the audit trail (entries are queued by the unit of work and written by ``CommitRecordsRepository``)."""

    def __init__(self, session: AsyncSession, tables: MessagingTables) -> None:
        self.session, self.t = session, tables.audit_log

    async def for_entity(self, entity: str, entity_id: str) -> list[dict]:
        rows = await self.session.execute(
            select(self.t).where(self.t.c.entity == entity, self.t.c.entity_id == entity_id).order_by(self.t.c.id)
        )
        return [dict(r._mapping) for r in rows]


class CommitRecordsRepository:
    """What a commit writes beside its aggregates — audit entries, outbox events and the NOTIFY that wakes other
    processes' workers — in one statement, so one round trip instead of one per row.

    ``WITH a AS (INSERT INTO audit_log …), o AS (INSERT INTO outbox …) SELECT pg_notify(…)``: PostgreSQL runs a
    data-modifying CTE to completion whether or not the outer query reads it. A request writes one or two rows of
    each; the statement is written once per shape (rows of each kind, notify or not) as text with typed parameters,
    which SQLAlchemy compiles once and caches (it does not cache a CTE built from ``insert()``). Larger commits
    (imports) insert each table with one executemany instead."""

    MAX_ROWS_IN_ONE_STATEMENT = 4
    _statements: ClassVar[dict[tuple, TextClause]] = {}

    def __init__(self, session: AsyncSession, tables: MessagingTables) -> None:
        self.session, self.tables = session, tables

    async def write(self, audit: list[dict[str, Any]], outbox: list[dict[str, Any]], wake: str) -> None:
        if not (audit or outbox or wake):
            return
        audit_columns, outbox_columns = _columns(audit), _columns(outbox)  # every row of a kind has the same keys
        if max(len(audit), len(outbox)) > self.MAX_ROWS_IN_ONE_STATEMENT:
            for table, rows in ((self.tables.audit_log, audit), (self.tables.outbox, outbox)):
                if rows:
                    await self.session.execute(insert(table), rows)
            if not wake:
                return
            audit, outbox, audit_columns, outbox_columns = [], [], (), ()
        parameters: dict[str, Any] = {"channel": CHANNEL, "wake": wake} if wake else {}
        for prefix, rows in (("a", audit), ("o", outbox)):
            for i, row in enumerate(rows):
                parameters.update({f"{prefix}{i}_{name}": value for name, value in row.items()})
        shape = (self.tables.audit_log, audit_columns, self.tables.outbox, outbox_columns, bool(wake))
        statement = self._statements.get(shape)
        if statement is None:
            statement = self._statements[shape] = self._build(audit, outbox, bool(wake))
        await self.session.execute(statement, parameters)

    def _build(self, audit: list[dict[str, Any]], outbox: list[dict[str, Any]], wake: bool) -> TextClause:
        ctes, parameters = [], []
        for table, prefix, rows in ((self.tables.audit_log, "a", audit), (self.tables.outbox, "o", outbox)):
            if not rows:
                continue
            columns = list(rows[0])
            values = []
            for i in range(len(rows)):
                names = [f"{prefix}{i}_{column}" for column in columns]
                parameters += [bindparam(n, type_=table.c[c].type) for n, c in zip(names, columns, strict=True)]
                values.append("(" + ", ".join(f":{n}" for n in names) + ")")
            insert_rows = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {', '.join(values)}"
            ctes.append(f"{prefix}_rows AS ({insert_rows})")
        outer = "SELECT pg_notify(:channel, :wake)" if wake else "SELECT 1"
        return text(f"WITH {', '.join(ctes)} {outer}" if ctes else outer).bindparams(*parameters)


def _columns(rows: list[dict[str, Any]]) -> tuple[tuple[str, ...], ...]:
    """The shape of ``rows``: their keys, row by row (``record_audit`` and ``outbox_row`` give every row the same)."""
    return tuple(tuple(row) for row in rows)
