"""Intake's tables; the domain classes are mapped imperatively so they stay plain."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import registry, relationship
from sqlalchemy.types import TypeDecorator

from services.intake.domain import model as m
from shared.db import checked_enum, make_metadata
from shared.messaging.tables import add_messaging_tables
from shared.vocabulary import Programme

metadata = make_metadata()
messaging = add_messaging_tables(metadata)
mapper_registry = registry(metadata=metadata)


class EquityLinks(TypeDecorator):
    """list[EquityLink] ⇄ JSONB."""

    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return []
        return [
            {"party_type": str(link.party_type), "party_id": str(link.party_id), "relation": str(link.relation)}
            for link in value
        ]

    def process_result_value(self, value, dialect):
        return [
            m.EquityLink(
                party_type=m.EquityParty(v["party_type"]),
                party_id=uuid.UUID(v["party_id"]),
                relation=m.EquityRelation(v["relation"]),
            )
            for v in value or []
        ]


def _timestamps() -> list[Column]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("version", Integer, nullable=False),
    ]


institutions = Table(
    "institutions",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", checked_enum(m.InstitutionKind, "institution_kind"), nullable=False),
    Column("affiliation", checked_enum(m.Affiliation, "affiliation"), nullable=False),
    Column("city_code", String(6)),
    Column("master_degree_disciplines", JSONB, nullable=False),
    Column("first_class_disciplines", JSONB, nullable=False),
    *_timestamps(),
)

researchers = Table(
    "researchers",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("institution_id", UUID(as_uuid=True), ForeignKey("institutions.id"), nullable=False),
    Column("employee_no", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    Column("highest_degree", checked_enum(m.Degree, "degree"), nullable=False),
    Column("title", checked_enum(m.Title, "title"), nullable=False),
    Column("disciplines", JSONB, nullable=False),
    Column("research_fields", Text, nullable=False),
    Column("research_misconduct", Boolean, nullable=False),
    *_timestamps(),
    UniqueConstraint("institution_id", "employee_no"),
)
Index("ix_researchers_institution_id", researchers.c.institution_id)

achievements = Table(
    "achievements",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("researcher_id", UUID(as_uuid=True), ForeignKey("researchers.id", ondelete="CASCADE"), nullable=False),
    Column("kind", checked_enum(m.AchievementKind, "achievement_kind"), nullable=False),
    Column("title", String(300), nullable=False),
    Column("summary", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("keywords", JSONB, nullable=False),
)
Index("ix_achievements_researcher_id", achievements.c.researcher_id)

enterprises = Table(
    "enterprises",
    metadata,
    Column("id", String(18), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("county", String(100), nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("independent_legal_person", Boolean, nullable=False),
    Column("qualifications", JSONB, nullable=False),
    Column("platforms", JSONB, nullable=False),
    Column("is_soe", Boolean, nullable=False),
    Column("research_misconduct", Boolean, nullable=False),
    Column("equity_links", EquityLinks, nullable=False),
    *_timestamps(),
)
Index("ix_enterprises_city_code", enterprises.c.city_code)

batches = Table(
    "batches",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("programme", checked_enum(Programme, "programme"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("opens_on", Date, nullable=False),
    Column("closes_on", Date, nullable=False),
    Column("closed_early", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("programme", "year"),
)

needs = Table(
    "needs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("enterprise_id", String(18), ForeignKey("enterprises.id"), nullable=False),
    Column("batch_id", UUID(as_uuid=True), ForeignKey("batches.id"), nullable=False),
    Column("programme", checked_enum(Programme, "programme"), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("is_soe", Boolean, nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("industry", String(100), nullable=False),
    Column("desired_expertise", Text, nullable=False),
    Column("keywords", JSONB, nullable=False),
    Column("cooperation_forms", JSONB, nullable=False),
    Column("conditions_offered", Text, nullable=False),
    Column("experts_wanted", Integer, nullable=False),
    Column("status", checked_enum(m.NeedStatus, "need_status"), nullable=False),
    Column("approvals", JSONB, nullable=False),
    Column("rejection_reason", Text),
    Column("submitted_by", String(200), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)
Index("ix_needs_city_code", needs.c.city_code)
Index("ix_needs_enterprise_id", needs.c.enterprise_id)
Index("ix_needs_batch_id_status", needs.c.batch_id, needs.c.status)

researcher_applications = Table(
    "researcher_applications",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("researcher_id", UUID(as_uuid=True), ForeignKey("researchers.id"), nullable=False),
    Column("institution_id", UUID(as_uuid=True), ForeignKey("institutions.id"), nullable=False),
    Column("batch_id", UUID(as_uuid=True), ForeignKey("batches.id"), nullable=False),
    Column("statement", Text, nullable=False),
    Column("status", checked_enum(m.ApplicationStatus, "application_status"), nullable=False),
    Column("decision_reason", Text),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False),
    UniqueConstraint("researcher_id", "batch_id"),
)
Index("ix_researcher_applications_institution_id", researcher_applications.c.institution_id)


def start_mappers() -> None:
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(m.Institution, institutions, version_id_col=institutions.c.version)
    mapper_registry.map_imperatively(m.Achievement, achievements)
    mapper_registry.map_imperatively(
        m.Researcher,
        researchers,
        version_id_col=researchers.c.version,
        properties={
            "achievements": relationship(
                m.Achievement, cascade="all, delete-orphan", lazy="selectin", order_by=achievements.c.year.desc()
            )
        },
    )
    mapper_registry.map_imperatively(m.Enterprise, enterprises, version_id_col=enterprises.c.version)
    mapper_registry.map_imperatively(m.Batch, batches)
    mapper_registry.map_imperatively(m.Need, needs, version_id_col=needs.c.version)
    mapper_registry.map_imperatively(
        m.ResearcherApplication, researcher_applications, version_id_col=researcher_applications.c.version
    )


start_mappers()
