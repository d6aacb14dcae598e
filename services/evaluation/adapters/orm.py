"""Evaluation's tables; the domain classes are mapped imperatively so they stay plain."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import registry

from services.evaluation.domain import model as m
from services.evaluation.domain.rules import Grade
from shared.copies import add_registry_copy_tables
from shared.db import checked_enum, make_metadata
from shared.messaging.tables import add_messaging_tables
from shared.vocabulary import Programme

metadata = make_metadata()
messaging = add_messaging_tables(metadata)
mapper_registry = registry(metadata=metadata)

# ------------------------------------------------------------------ copies of other services' records
registry_copies = add_registry_copy_tables(metadata)

agreements = Table(
    "agreements",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("need_id", UUID(as_uuid=True), nullable=False),
    Column("researcher_id", UUID(as_uuid=True), nullable=False),
    Column("institution_id", UUID(as_uuid=True), nullable=False),
    Column("enterprise_id", String(18), nullable=False),
    Column("programme", checked_enum(Programme, "programme"), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("is_soe", Boolean, nullable=False),
    Column("term_start", Date, nullable=False),
    Column("term_end", Date, nullable=False),
    Column("service_days_per_year", Integer),
    Column("status", checked_enum(m.AgreementState, "agreement_state"), nullable=False),
    Column("ended_on", Date),
    Column("end_reason", Text),
)
Index("ix_agreements_city_code_programme", agreements.c.city_code, agreements.c.programme)

service_records = Table(
    "service_records",
    metadata,
    Column("log_id", UUID(as_uuid=True), primary_key=True),
    Column("agreement_id", UUID(as_uuid=True), ForeignKey("agreements.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("days_on_site", Integer, nullable=False),
    Column("days_remote", Integer, nullable=False),
    Column("outcomes", JSONB, nullable=False),
)
Index("ix_service_records_agreement_id", service_records.c.agreement_id)

# ------------------------------------------------------------------ 总师 (R-V1–R-V4)
chief_rounds = Table(
    "chief_rounds",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("body", String(10), nullable=False),
    Column("city_code", String(6)),
    Column("is_soe", Boolean, nullable=False),
    Column("year", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("status", checked_enum(m.RoundStatus, "round_status"), nullable=False),
    Column("confirmations", JSONB, nullable=False),
    Column("allocation", JSONB),
    Column("counts", JSONB, nullable=False),
    Column("return_reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint(
        "body",
        "city_code",
        "year",
        "sequence",
        name="uq_chief_rounds_body_city_code_year_sequence",
        postgresql_nulls_not_distinct=True,
    ),  # SASAC has no city: NULLs must collide too
)

chief_evaluations = Table(
    "chief_evaluations",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("agreement_id", UUID(as_uuid=True), ForeignKey("agreements.id"), nullable=False, unique=True),
    Column("researcher_id", UUID(as_uuid=True), nullable=False),
    Column("institution_id", UUID(as_uuid=True), nullable=False),
    Column("enterprise_id", String(18), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("is_soe", Boolean, nullable=False),
    Column("year", Integer, nullable=False),
    Column("window_opens_on", Date, nullable=False),
    Column("window_closes_on", Date, nullable=False),
    Column("round_id", UUID(as_uuid=True), ForeignKey("chief_rounds.id")),
    Column("status", checked_enum(m.EvaluationStatus, "evaluation_status"), nullable=False),
    Column("problems", JSONB, nullable=False),
    Column("achievements", JSONB, nullable=False),
    Column("comments", Text),
    Column("score", Float),
    Column("grade", checked_enum(Grade, "grade")),
    Column("graded_by", String(200)),
    Column("graded_at", DateTime(timezone=True)),
    Column("notified_at", DateTime(timezone=True)),
    Column("window_extension", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)
Index("ix_chief_evaluations_round_id", chief_evaluations.c.round_id)
Index("ix_chief_evaluations_city_code_is_soe_year", chief_evaluations.c.city_code, chief_evaluations.c.is_soe,
      chief_evaluations.c.year)  # fmt: skip
Index("ix_chief_evaluations_institution_id", chief_evaluations.c.institution_id)

# ------------------------------------------------------------------ 特派员 (R-V5–R-V7)
commissioner_rounds = Table(
    "commissioner_rounds",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("city_code", String(6), nullable=False),
    Column("year", Integer, nullable=False),
    Column("status", checked_enum(m.YearRoundStatus, "year_round_status"), nullable=False),
    Column("rule", JSONB),
    Column("ranking", JSONB, nullable=False),
    Column("objections_close_at", DateTime(timezone=True)),
    Column("counts", JSONB, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("filed_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("city_code", "year", name="uq_commissioner_rounds_city_code_year"),
)

commissioner_evaluations = Table(
    "commissioner_evaluations",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("round_id", UUID(as_uuid=True), ForeignKey("commissioner_rounds.id"), nullable=False),
    Column("agreement_id", UUID(as_uuid=True), ForeignKey("agreements.id"), nullable=False),
    Column("researcher_id", UUID(as_uuid=True), nullable=False),
    Column("institution_id", UUID(as_uuid=True), nullable=False),
    Column("enterprise_id", String(18), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("county", String(100), nullable=False),
    Column("year", Integer, nullable=False),
    Column("status", checked_enum(m.YearStatus, "year_status"), nullable=False),
    Column("material", JSONB),
    Column("material_by", String(200)),
    Column("material_at", DateTime(timezone=True)),
    Column("county_score", Float),
    Column("county_comments", Text),
    Column("assessed_by", String(200)),
    Column("material_missing", Boolean, nullable=False),
    Column("grade", checked_enum(Grade, "grade")),
    Column("city_comments", Text),
    Column("determined_by", String(200)),
    Column("objections", JSONB, nullable=False),
    Column("eliminated", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("agreement_id", "year", name="uq_commissioner_evaluations_agreement_id_year"),
)
Index("ix_commissioner_evaluations_round_id", commissioner_evaluations.c.round_id)
Index("ix_commissioner_evaluations_city_code_county", commissioner_evaluations.c.city_code,
      commissioner_evaluations.c.county)  # fmt: skip

attachments = Table(
    "attachments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("evaluation_id", UUID(as_uuid=True), ForeignKey("commissioner_evaluations.id"), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_by", String(200), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
)
Index("ix_attachments_evaluation_id", attachments.c.evaluation_id)

technology_contracts = Table(
    "technology_contracts",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("agreement_id", UUID(as_uuid=True), ForeignKey("agreements.id"), nullable=False),
    Column("researcher_id", UUID(as_uuid=True), nullable=False),
    Column("institution_id", UUID(as_uuid=True), nullable=False),
    Column("enterprise_id", String(18), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("county", String(100), nullable=False),
    Column("kind", checked_enum(m.ContractKind, "contract_kind"), nullable=False),
    Column("registration_number", String(100), nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("amount_yuan", Numeric(16, 2), nullable=False),
    Column("subsidy_yuan", Numeric(16, 2)),
    Column("reward_yuan", Numeric(16, 2)),
    Column("recorded_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("registration_number", name="uq_technology_contracts_registration_number"),
)
Index("ix_technology_contracts_agreement_id", technology_contracts.c.agreement_id)


def start_mappers() -> None:
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(m.AgreementCopy, agreements)
    mapper_registry.map_imperatively(m.ServiceRecord, service_records)
    mapper_registry.map_imperatively(m.ChiefRound, chief_rounds, version_id_col=chief_rounds.c.version)
    mapper_registry.map_imperatively(m.ChiefEvaluation, chief_evaluations, version_id_col=chief_evaluations.c.version)
    mapper_registry.map_imperatively(
        m.CommissionerRound, commissioner_rounds, version_id_col=commissioner_rounds.c.version
    )
    mapper_registry.map_imperatively(
        m.CommissionerEvaluation, commissioner_evaluations, version_id_col=commissioner_evaluations.c.version
    )
    mapper_registry.map_imperatively(m.Attachment, attachments)
    mapper_registry.map_imperatively(
        m.TechnologyContract, technology_contracts, version_id_col=technology_contracts.c.version
    )


start_mappers()
