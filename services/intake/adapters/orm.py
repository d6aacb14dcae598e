"""Intake's tables; the domain classes are mapped imperatively so they stay plain."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Enum, Index, Integer, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import registry

from services.intake.domain.model import Need, NeedStatus
from shared.db import make_metadata
from shared.events.contracts import Programme
from shared.messaging.tables import add_messaging_tables

metadata = make_metadata()
messaging = add_messaging_tables(metadata)
mapper_registry = registry(metadata=metadata)


def _enum(enum_cls: type, name: str) -> Enum:
    # Stored as text with a CHECK, not a PG enum type: new states need no ALTER TYPE dance.
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=40,
        values_callable=lambda e: [m.value for m in e],
    )


needs = Table(
    "needs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("enterprise_id", String(64), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("is_soe", Boolean, nullable=False),
    Column("programme", _enum(Programme, "programme"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("keywords", JSONB, nullable=False),
    Column("status", _enum(NeedStatus, "need_status"), nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)
Index("ix_needs_city_code", needs.c.city_code)
Index("ix_needs_enterprise_id", needs.c.enterprise_id)


def start_mappers() -> None:
    if not mapper_registry.mappers:
        mapper_registry.map_imperatively(Need, needs, version_id_col=needs.c.version)


start_mappers()
