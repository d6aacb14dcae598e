"""Agreements' tables; the domain classes are mapped imperatively so they stay plain."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import registry, relationship

from services.agreements.domain import agreement as a
from services.agreements.domain import model as m
from shared.copies import add_registry_copy_tables
from shared.db import checked_enum, make_metadata
from shared.messaging.tables import add_messaging_tables
from shared.vocabulary import Programme

metadata = make_metadata()
messaging = add_messaging_tables(metadata)
mapper_registry = registry(metadata=metadata)


# ------------------------------------------------------------------ copies of intake's records
registry_copies = add_registry_copy_tables(metadata)

needs = Table(
    "needs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("enterprise_id", String(18), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("is_soe", Boolean, nullable=False),
    Column("programme", checked_enum(Programme, "programme"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("status", String(40), nullable=False),
    Column("batch_id", UUID(as_uuid=True)),
    Column("batch_year", Integer),
    # What a draft agreement is pre-filled from (R-F8).
    Column("description", Text),
    Column("cooperation_forms", JSONB, nullable=False, server_default="[]"),
    Column("conditions_offered", Text),
)

applications = Table(
    "applications",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("researcher_id", UUID(as_uuid=True), nullable=False),
    Column("batch_id", UUID(as_uuid=True), nullable=False),
    Column("status", String(20), nullable=False),
)
Index("ix_applications_researcher_id_batch_id", applications.c.researcher_id, applications.c.batch_id)

# ------------------------------------------------------------------ negotiation (R-F5)
pairs = Table(
    "pairs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("entry_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("need_id", UUID(as_uuid=True), nullable=False),
    Column("researcher_id", UUID(as_uuid=True), nullable=False),
    Column("institution_id", UUID(as_uuid=True), nullable=False),
    Column("enterprise_id", String(18), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("is_soe", Boolean, nullable=False),
    Column("programme", checked_enum(Programme, "programme"), nullable=False),
    Column("status", checked_enum(m.PairStatus, "pair_status"), nullable=False),
    Column("meeting_id", UUID(as_uuid=True)),
    Column("cooperation_content", Text),
    Column("cooperation_forms", JSONB, nullable=False),
    Column("planned_start", Date),
    Column("no_intent_reason", Text),
    Column("confirmations", JSONB, nullable=False),
    Column("batch_id", UUID(as_uuid=True)),
    Column("reported_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)
Index("ix_pairs_city_code_is_soe_status", pairs.c.city_code, pairs.c.is_soe, pairs.c.status)
Index("ix_pairs_need_id", pairs.c.need_id)
Index("ix_pairs_meeting_id", pairs.c.meeting_id)
Index("ix_pairs_batch_id_status", pairs.c.batch_id, pairs.c.status)

meetings = Table(
    "meetings",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("city_code", String(6), nullable=False),
    Column("is_soe", Boolean, nullable=False),
    Column("programme", checked_enum(Programme, "programme"), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("pair_ids", JSONB, nullable=False),
    Column("organised_by", String(20), nullable=False),
    Column("place", String(300)),
    Column("online_link", String(500)),
    Column("status", checked_enum(m.MeetingStatus, "meeting_status"), nullable=False),
    Column("reschedules", JSONB, nullable=False),
    Column("cancel_reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)
Index("ix_meetings_city_code_is_soe", meetings.c.city_code, meetings.c.is_soe)

# ------------------------------------------------------------------ the province's list (R-F6, R-F7)
selection_lists = Table(
    "selection_lists",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("batch_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("programme", checked_enum(Programme, "programme"), nullable=False),
    Column("status", checked_enum(m.ListStatus, "list_status"), nullable=False),
    Column("approved_meeting_date", Date),
    Column("minutes_reference", String(200)),
    Column("notice_starts_on", Date),
    Column("notice_ends_on", Date),
    Column("notice_working_days", Integer),
    Column("notice_ends_provisionally", Boolean, nullable=False),
    Column("calendar_revision", Integer),
    Column("document_number", String(200)),
    Column("published_on", Date),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)

list_entries = Table(
    "list_entries",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("list_id", UUID(as_uuid=True), ForeignKey("selection_lists.id"), nullable=False),
    Column("pair_id", UUID(as_uuid=True), nullable=False),
    Column("need_id", UUID(as_uuid=True), nullable=False),
    Column("researcher_id", UUID(as_uuid=True), nullable=False),
    Column("institution_id", UUID(as_uuid=True), nullable=False),
    Column("enterprise_id", String(18), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("is_soe", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("removal_reason", Text),
    Column("removed_by_objection_id", UUID(as_uuid=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("list_id", "pair_id"),
)

objections = Table(
    "objections",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("list_id", UUID(as_uuid=True), ForeignKey("selection_lists.id"), nullable=False),
    Column("pair_id", UUID(as_uuid=True), nullable=False),
    Column("text", Text, nullable=False),
    Column("objector_name", String(100), nullable=False),
    Column("contact", String(200), nullable=False),
    Column("client_hash", String(64), nullable=False),
    Column("status", checked_enum(m.ObjectionStatus, "objection_status"), nullable=False),
    Column("resolution_reason", Text),
    Column("resolved_by", String(200)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("filed_at", DateTime(timezone=True), nullable=False),
)
Index("ix_objections_list_id_status", objections.c.list_id, objections.c.status)
Index("ix_objections_client_hash_filed_at", objections.c.client_hash, objections.c.filed_at)

# ------------------------------------------------------------------ the working-day calendar (R-F7)
calendar_years = Table(
    "calendar_years",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("reference", String(300), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("loaded_by", String(200), nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

calendar_days = Table(
    "calendar_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("year", Integer, ForeignKey("calendar_years.year", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),  # holiday | adjusted_working
    Column("name", String(100), nullable=False),
)
Index("ix_calendar_days_year", calendar_days.c.year)


# ------------------------------------------------------------------ agreements (R-F8–R-F10)
agreements = Table(
    "agreements",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("pair_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("need_id", UUID(as_uuid=True), nullable=False),
    Column("researcher_id", UUID(as_uuid=True), nullable=False),
    Column("institution_id", UUID(as_uuid=True), nullable=False),
    Column("enterprise_id", String(18), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("is_soe", Boolean, nullable=False),
    Column("programme", checked_enum(Programme, "programme"), nullable=False),
    Column("batch_id", UUID(as_uuid=True)),
    Column("parties", JSONB, nullable=False),
    Column("content", JSONB, nullable=False),
    Column("status", checked_enum(a.AgreementStatus, "agreement_status"), nullable=False),
    Column("content_version", Integer, nullable=False),
    Column("signatures", JSONB, nullable=False),
    Column("filed_at", DateTime(timezone=True)),
    Column("original", JSONB),
    Column("pace_warnings", JSONB, nullable=False),
    Column("ended_on", Date),
    Column("end_reason", Text),
    Column("termination", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)
Index("ix_agreements_city_code_is_soe_status", agreements.c.city_code, agreements.c.is_soe, agreements.c.status)
Index("ix_agreements_institution_id", agreements.c.institution_id)
Index("ix_agreements_enterprise_id", agreements.c.enterprise_id)
Index("ix_agreements_researcher_id", agreements.c.researcher_id)

agreement_documents = Table(
    "agreement_documents",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("agreement_id", UUID(as_uuid=True), ForeignKey("agreements.id"), nullable=False),
    Column("kind", String(40), nullable=False),  # stamped_original
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_by", String(200), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
)
Index("ix_agreement_documents_agreement_id", agreement_documents.c.agreement_id)

service_logs = Table(
    "service_logs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("agreement_id", UUID(as_uuid=True), ForeignKey("agreements.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("days_on_site", Integer, nullable=False),
    Column("days_remote", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("outcomes", JSONB, nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("status", checked_enum(a.LogStatus, "log_status"), nullable=False),
    Column("review_reason", Text),
    Column("reviewed_by", String(200)),
    Column("reviewed_at", DateTime(timezone=True)),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
)
Index("ix_service_logs_agreement_id_year", service_logs.c.agreement_id, service_logs.c.year)

tracking_contacts = Table(
    "tracking_contacts",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("agreement_id", UUID(as_uuid=True), ForeignKey("agreements.id"), nullable=False),
    Column("kind", checked_enum(a.ContactKind, "contact_kind"), nullable=False),
    Column("contacted_on", Date, nullable=False),
    Column("notes", Text, nullable=False),
    Column("problems_raised", Text),
    Column("recorded_by", String(200), nullable=False),
    Column("resolution", Text),
    Column("resolved_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_tracking_contacts_agreement_id", tracking_contacts.c.agreement_id)


def start_mappers() -> None:
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(m.NeedCopy, needs)
    mapper_registry.map_imperatively(m.ApplicationCopy, applications)
    mapper_registry.map_imperatively(m.Pair, pairs, version_id_col=pairs.c.version)
    mapper_registry.map_imperatively(m.Meeting, meetings, version_id_col=meetings.c.version)
    mapper_registry.map_imperatively(m.ListEntry, list_entries)
    mapper_registry.map_imperatively(
        m.SelectionList,
        selection_lists,
        version_id_col=selection_lists.c.version,
        properties={
            # Eager ("selectin") so the async session never lazy-loads; a list is always read with its entries.
            "entries": relationship(m.ListEntry, lazy="selectin", cascade="all, delete-orphan")
        },
    )
    mapper_registry.map_imperatively(m.Objection, objections)
    mapper_registry.map_imperatively(a.Agreement, agreements, version_id_col=agreements.c.version)
    mapper_registry.map_imperatively(a.ServiceLog, service_logs)
    mapper_registry.map_imperatively(a.TrackingContact, tracking_contacts)


start_mappers()
