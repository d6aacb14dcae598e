"""Infrastructure tables every service database carries: outbox, inbox, dead letters, idempotency keys, audit
log, and due-date timers (``shared.jobs.timers``).

They are added to each service's own MetaData, so each service's Alembic tree creates them in its own database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table
    dead_letters: Table
    idempotency_keys: Table
    audit_log: Table
    timers: Table


def add_messaging_tables(metadata: MetaData) -> MessagingTables:
    outbox = Table(
        "outbox",
        metadata,
        Column("seq", BigInteger, Identity(always=True), primary_key=True),  # publication order
        Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("message_key", String(200), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("envelope", JSONB, nullable=False),
        Column("correlation_id", String(64)),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
    )
    # The relay scans only what is unpublished; a partial index keeps that scan small forever.
    Index("ix_outbox_unpublished", outbox.c.seq, postgresql_where=outbox.c.published_at.is_(None))
    Index("ix_outbox_created_at", outbox.c.created_at)

    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(120), nullable=False),
        Column("event_id", String(64), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer", "event_id"),
    )

    dead_letters = Table(
        "dead_letters",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("consumer", String(120), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("partition", Integer, nullable=False),
        Column("offset", BigInteger, nullable=False),
        Column("event_id", String(64)),
        Column("event_type", String(200)),
        Column("error", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("raw", Text, nullable=False),
        Column("dead_lettered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )

    idempotency_keys = Table(
        "idempotency_keys",
        metadata,
        Column("principal", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("request_fingerprint", String(64), nullable=False),
        Column("response_status", Integer),
        Column("response_body", JSONB),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("principal", "key"),
    )

    audit_log = Table(
        "audit_log",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("actor", String(200), nullable=False),
        Column("actor_role", String(40), nullable=False),
        Column("action", String(120), nullable=False),
        Column("entity", String(80), nullable=False),
        Column("entity_id", String(80), nullable=False),
        Column("changes", JSONB),
        Column("correlation_id", String(64)),
    )
    Index("ix_audit_log_entity", audit_log.c.entity, audit_log.c.entity_id)

    timers = Table(
        "timers",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("kind", String(80), nullable=False),  # which handler fires it, e.g. "public_notice.ends"
        Column("key", String(200), nullable=False),  # what it is about, e.g. the notice's id: one timer per (kind, key)
        Column("due_at", DateTime(timezone=True), nullable=False),
        Column("payload", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("fired_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
        Column("failed_at", DateTime(timezone=True)),  # gave up after repeated handler failures (ops can retry)
        UniqueConstraint("kind", "key"),
    )
    # Workers scan only pending timers, by due date.
    Index("ix_timers_pending_due_at", timers.c.due_at, postgresql_where=timers.c.fired_at.is_(None))
    return MessagingTables(outbox, inbox, dead_letters, idempotency_keys, audit_log, timers)


__all__ = ["MessagingTables", "add_messaging_tables"]
