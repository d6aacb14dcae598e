from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Identity, Index, Integer, String, Table, Text, func
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
    Column("batch_id", UUID(as_uuid=True)),
    Column("batch_year", Integer),
    Column("industry", String(100)),
    Column("desired_expertise", Text),
    Column("experts_wanted", Integer, nullable=False, server_default="1"),
)
Index("ix_needs_city_code", needs.c.city_code)
Index("ix_needs_batch_id_status", needs.c.batch_id, needs.c.status)


def _profile_table(name: str, key: str, key_type) -> Table:
    """Matching's copy of one intake registry: the latest snapshot of each record (by version)."""
    return Table(
        name,
        metadata,
        Column(key, key_type, primary_key=True),
        Column("version", Integer, nullable=False),
        Column("snapshot", JSONB, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


researcher_profiles = _profile_table("researcher_profiles", "researcher_id", UUID(as_uuid=True))
institution_profiles = _profile_table("institution_profiles", "institution_id", UUID(as_uuid=True))
enterprise_profiles = _profile_table("enterprise_profiles", "enterprise_id", String(18))

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
