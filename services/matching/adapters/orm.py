from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import registry, relationship

from services.matching.domain.model import NeedHistoryEntry, NeedSnapshot, ResearcherOverride
from services.matching.domain.preparation import EmbeddingPreparation
from services.matching.domain.proposal import CandidateEntry, EntryRole, EntryState, Proposal
from services.matching.domain.run import MatchingRun, RunKind
from shared.copies import copy_table
from shared.db import make_metadata, string_enum
from shared.jobs.queue import job_columns, job_index
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
    Column("batch_closes_on", Date),  # the application date for R-E2
)
Index("ix_needs_city_code", needs.c.city_code)
Index("ix_needs_batch_id_status", needs.c.batch_id, needs.c.status)


# Matching's copies of intake's registries (shared.copies): the latest snapshot of each record.
researcher_profiles = copy_table(metadata, "researcher_profiles", "researcher_id", UUID(as_uuid=True))
institution_profiles = copy_table(metadata, "institution_profiles", "institution_id", UUID(as_uuid=True))
enterprise_profiles = copy_table(metadata, "enterprise_profiles", "enterprise_id", String(18))

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


def _enum(cls):
    return string_enum(cls, length=20)


matching_runs = Table(
    "matching_runs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("kind", _enum(RunKind), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("trigger", String(40), nullable=False),
    Column("batch_id", UUID(as_uuid=True)),
    Column("need_ids", JSONB, nullable=False),
    Column("summary", JSONB, nullable=False),
    *job_columns(),  # status, progress, lease (shared.jobs)
)
job_index(matching_runs)

embedding_preparations = Table(
    "embedding_preparations",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("model", String(500), nullable=False),
    Column("model_id", String(200), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("summary", JSONB, nullable=False),
    *job_columns(),
)
job_index(embedding_preparations)

proposals = Table(
    "proposals",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("need_id", UUID(as_uuid=True), ForeignKey("needs.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("run_id", UUID(as_uuid=True), ForeignKey("matching_runs.id"), nullable=False),
    Column("model", String(300), nullable=False),
    Column("fusion", String(100), nullable=False),
    Column("demand", Integer, nullable=False),
    Column("application_date", String(10), nullable=False),
    Column("excluded", JSONB, nullable=False),
    Column("current", Boolean, nullable=False),
    Column("pushed_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("pool_size", Integer),
    UniqueConstraint("need_id", "version"),
)
# At most one current version per need, enforced by the database (two runs racing cannot both win).
Index("uq_proposals_need_current", proposals.c.need_id, unique=True, postgresql_where=proposals.c.current)

candidate_entries = Table(
    "candidate_entries",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("proposal_id", UUID(as_uuid=True), ForeignKey("proposals.id"), nullable=False),
    Column("need_id", UUID(as_uuid=True), nullable=False),
    Column("researcher_id", UUID(as_uuid=True), nullable=False),
    Column("institution_id", UUID(as_uuid=True), nullable=False),
    Column("researcher_name", String(100), nullable=False),
    Column("role", _enum(EntryRole), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("explanation", JSONB, nullable=False),
    Column("state", _enum(EntryState), nullable=False),
    Column("replaces_entry_id", UUID(as_uuid=True)),
    Column("answer_reason", Text),
    Column("answered_by", String(200)),
    Column("answered_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_candidate_entries_researcher_state", candidate_entries.c.researcher_id, candidate_entries.c.state)
Index("ix_candidate_entries_institution_state", candidate_entries.c.institution_id, candidate_entries.c.state)
Index("ix_candidate_entries_need_id", candidate_entries.c.need_id)

researcher_overrides = Table(
    "researcher_overrides",
    metadata,
    Column("researcher_id", UUID(as_uuid=True), primary_key=True),
    Column("rule_id", String(10), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("granted_by", String(200), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
)

# Appointments (from the agreements service's events): who is serving now, for capacity.
appointments = Table(
    "appointments",
    metadata,
    Column("agreement_id", UUID(as_uuid=True), primary_key=True),
    Column("researcher_id", UUID(as_uuid=True), nullable=False),
    Column("need_id", UUID(as_uuid=True), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_appointments_researcher_active", appointments.c.researcher_id, appointments.c.active)

# Each passage's vector, once per model and text (adapters/vector_store.py): shared by every process.
embeddings = Table(
    "embeddings",
    metadata,
    Column("model_id", String(200), primary_key=True),
    Column("text_sha256", LargeBinary(32), primary_key=True),
    Column("vector", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Each passage's words for BM25, once per tokenizer (jieba version and stopwords) and text.
passage_tokens = Table(
    "passage_tokens",
    metadata,
    Column("tokenizer", String(100), primary_key=True),
    Column("text_sha256", LargeBinary(32), primary_key=True),
    Column("tokens", Text, nullable=False),
)

# Evaluation results that rank (from the evaluation service's events): 优秀 at a 总师 term end (R-V4, a soft bonus)
# and 末位淘汰 of a 特派员 (R-V5, excluded from that programme until a date). One row per researcher, kind, programme.
evaluation_marks = Table(
    "evaluation_marks",
    metadata,
    Column("researcher_id", UUID(as_uuid=True), primary_key=True),
    Column("kind", String(20), primary_key=True),  # excellent | eliminated
    Column("programme", String(40), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("until", Date),  # eliminated: excluded up to and including this day
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def start_mappers() -> None:
    if not mapper_registry.mappers:
        mapper_registry.map_imperatively(NeedSnapshot, needs)
        mapper_registry.map_imperatively(NeedHistoryEntry, need_history)
        mapper_registry.map_imperatively(MatchingRun, matching_runs)
        mapper_registry.map_imperatively(EmbeddingPreparation, embedding_preparations)
        mapper_registry.map_imperatively(CandidateEntry, candidate_entries)
        mapper_registry.map_imperatively(
            Proposal,
            proposals,
            # Eager ("selectin") so the async session never lazy-loads; a proposal is always read with its list.
            properties={"entries": relationship(CandidateEntry, lazy="selectin", order_by=candidate_entries.c.rank)},
        )
        mapper_registry.map_imperatively(ResearcherOverride, researcher_overrides)


start_mappers()
