from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Identity, Index, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import registry

from services.matching.domain.model import NeedHistoryEntry, NeedSnapshot
from shared.db import make_metadata
from shared.messaging.tables import add_messaging_tables

metadata = make_metadata()
messaging = add_messaging_tables(metadata)
mapper_registry = registry(metadata=metadata)

needs = Table(
    "needs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("enterprise_id", String(64), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("is_soe", Boolean, nullable=False),
    Column("programme", String(40), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("keywords", JSONB, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("status", String(40), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)
Index("ix_needs_city_code", needs.c.city_code)

need_history = Table(
    "need_history",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("need_id", UUID(as_uuid=True), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
)
Index("ix_need_history_need_id", need_history.c.need_id)


def start_mappers() -> None:
    if not mapper_registry.mappers:
        mapper_registry.map_imperatively(NeedSnapshot, needs)
        mapper_registry.map_imperatively(NeedHistoryEntry, need_history)


start_mappers()
