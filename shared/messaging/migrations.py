"""Frozen Alembic snapshots of the infrastructure tables (see ``tables.py``).

A snapshot is never edited once released: a later change to the tables gets a new function
(``..._v2``) that each service's next migration calls. That keeps old migrations reproducible.
A service's migration that only adds infrastructure borrows a step whole::

    revision, down_revision = "intake_0002", "intake_0001"
    upgrade, downgrade = TIMERS_V1.upgrade, TIMERS_V1.downgrade
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg


def create_messaging_tables_v1(op) -> None:
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False),
        sa.Column("event_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("message_key", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("envelope", pg.JSONB, nullable=False),
        sa.Column("correlation_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
    )
    op.create_index("ix_outbox_unpublished", "outbox", ["seq"], postgresql_where=sa.text("published_at IS NULL"))
    op.create_index("ix_outbox_created_at", "outbox", ["created_at"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(120), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), nullable=False),
        sa.Column("consumer", sa.String(120), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.String(64)),
        sa.Column("event_type", sa.String(200)),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("dead_lettered_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dead_letters"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("response_status", sa.Integer),
        sa.Column("response_body", pg.JSONB),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key", name="pk_idempotency_keys"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(40), nullable=False),
        sa.Column("action", sa.String(120), nullable=False),
        sa.Column("entity", sa.String(80), nullable=False),
        sa.Column("entity_id", sa.String(80), nullable=False),
        sa.Column("changes", pg.JSONB),
        sa.Column("correlation_id", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_id"])


def drop_messaging_tables_v1(op) -> None:
    for name in ("audit_log", "idempotency_keys", "dead_letters", "inbox", "outbox"):
        op.drop_table(name)


def create_timers_table_v1(op) -> None:
    """Due-date timers (``shared.jobs.timers``), added to every service after the messaging tables."""
    op.create_table(
        "timers",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), nullable=False),
        sa.Column("kind", sa.String(80), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", pg.JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("failed_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_timers"),
        sa.UniqueConstraint("kind", "key", name="uq_timers_kind_key"),
    )
    op.create_index("ix_timers_pending_due_at", "timers", ["due_at"], postgresql_where=sa.text("fired_at IS NULL"))


def drop_timers_table_v1(op) -> None:
    op.drop_table("timers")


class MigrationStep:
    """An upgrade/downgrade pair a service's migration file takes as its own (Alembic calls them without ``op``)."""

    def __init__(self, upgrade, downgrade) -> None:
        self._upgrade, self._downgrade = upgrade, downgrade

    def upgrade(self) -> None:
        from alembic import op

        self._upgrade(op)

    def downgrade(self) -> None:
        from alembic import op

        self._downgrade(op)


MESSAGING_V1 = MigrationStep(create_messaging_tables_v1, drop_messaging_tables_v1)
TIMERS_V1 = MigrationStep(create_timers_table_v1, drop_timers_table_v1)
