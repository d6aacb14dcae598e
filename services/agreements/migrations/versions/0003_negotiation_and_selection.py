"""agreements_0003: copies of intake's records, negotiation (pairs, meetings), selection lists with their entries
and objections, and the working-day calendar (R-F5, R-F6, R-F7)."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.copies import create_copy_table_v1

revision, down_revision = "agreements_0003", "agreements_0002"
COPIES = (
    ("researcher_copies", "researcher_id", sa.UUID()),
    ("institution_copies", "institution_id", sa.UUID()),
    ("enterprise_copies", "enterprise_id", sa.String(length=18)),
)


def upgrade() -> None:
    for name, key, key_type in COPIES:
        create_copy_table_v1(op, name, key, key_type)
    op.create_table(
        "applications",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("researcher_id", sa.UUID(), nullable=False),
        sa.Column("batch_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    op.create_index(
        "ix_applications_researcher_id_batch_id", "applications", ["researcher_id", "batch_id"], unique=False
    )
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("is_soe", sa.Boolean(), nullable=False),
        sa.Column(
            "programme",
            sa.Enum(
                "chief_technologist",
                "commissioner",
                name="programme",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pair_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("organised_by", sa.String(length=20), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("online_link", sa.String(length=500), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled", "cancelled", name="meeting_status", native_enum=False, create_constraint=True, length=40
            ),
            nullable=False,
        ),
        sa.Column("reschedules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    op.create_index("ix_meetings_city_code_is_soe", "meetings", ["city_code", "is_soe"], unique=False)
    op.create_table(
        "needs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=18), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("is_soe", sa.Boolean(), nullable=False),
        sa.Column(
            "programme",
            sa.Enum(
                "chief_technologist",
                "commissioner",
                name="programme",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("batch_id", sa.UUID(), nullable=True),
        sa.Column("batch_year", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs")),
    )
    op.create_table(
        "pairs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("need_id", sa.UUID(), nullable=False),
        sa.Column("researcher_id", sa.UUID(), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=18), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("is_soe", sa.Boolean(), nullable=False),
        sa.Column(
            "programme",
            sa.Enum(
                "chief_technologist",
                "commissioner",
                name="programme",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "to_negotiate",
                "scheduled",
                "intent_reached",
                "no_intent",
                "reported",
                "filed",
                name="pair_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("meeting_id", sa.UUID(), nullable=True),
        sa.Column("cooperation_content", sa.Text(), nullable=True),
        sa.Column("cooperation_forms", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("no_intent_reason", sa.Text(), nullable=True),
        sa.Column("confirmations", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("batch_id", sa.UUID(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairs")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_pairs_entry_id")),
    )
    op.create_index("ix_pairs_batch_id_status", "pairs", ["batch_id", "status"], unique=False)
    op.create_index("ix_pairs_city_code_is_soe_status", "pairs", ["city_code", "is_soe", "status"], unique=False)
    op.create_index("ix_pairs_meeting_id", "pairs", ["meeting_id"], unique=False)
    op.create_index("ix_pairs_need_id", "pairs", ["need_id"], unique=False)
    op.create_table(
        "selection_lists",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("batch_id", sa.UUID(), nullable=False),
        sa.Column(
            "programme",
            sa.Enum(
                "chief_technologist",
                "commissioner",
                name="programme",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "approved",
                "in_notice",
                "notice_closed",
                "published",
                name="list_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("approved_meeting_date", sa.Date(), nullable=True),
        sa.Column("minutes_reference", sa.String(length=200), nullable=True),
        sa.Column("notice_starts_on", sa.Date(), nullable=True),
        sa.Column("notice_ends_on", sa.Date(), nullable=True),
        sa.Column("notice_working_days", sa.Integer(), nullable=True),
        sa.Column("notice_ends_provisionally", sa.Boolean(), nullable=False),
        sa.Column("calendar_revision", sa.Integer(), nullable=True),
        sa.Column("document_number", sa.String(length=200), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selection_lists")),
        sa.UniqueConstraint("batch_id", name=op.f("uq_selection_lists_batch_id")),
    )
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["year"], ["calendar_years.year"], name=op.f("fk_calendar_days_year_calendar_years"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_index("ix_calendar_days_year", "calendar_days", ["year"], unique=False)
    op.create_table(
        "list_entries",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("list_id", sa.UUID(), nullable=False),
        sa.Column("pair_id", sa.UUID(), nullable=False),
        sa.Column("need_id", sa.UUID(), nullable=False),
        sa.Column("researcher_id", sa.UUID(), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=18), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("is_soe", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("removal_reason", sa.Text(), nullable=True),
        sa.Column("removed_by_objection_id", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["selection_lists.id"], name=op.f("fk_list_entries_list_id_selection_lists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entries")),
        sa.UniqueConstraint("list_id", "pair_id", name=op.f("uq_list_entries_list_id_pair_id")),
    )
    op.create_table(
        "objections",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("list_id", sa.UUID(), nullable=False),
        sa.Column("pair_id", sa.UUID(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("objector_name", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "dismissed",
                "upheld",
                name="objection_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("resolution_reason", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["selection_lists.id"], name=op.f("fk_objections_list_id_selection_lists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
    )
    op.create_index("ix_objections_client_hash_filed_at", "objections", ["client_hash", "filed_at"], unique=False)
    op.create_index("ix_objections_list_id_status", "objections", ["list_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_objections_list_id_status", table_name="objections")
    op.drop_index("ix_objections_client_hash_filed_at", table_name="objections")
    op.drop_table("objections")
    op.drop_table("list_entries")
    op.drop_index("ix_calendar_days_year", table_name="calendar_days")
    op.drop_table("calendar_days")
    op.drop_table("selection_lists")
    op.drop_index("ix_pairs_need_id", table_name="pairs")
    op.drop_index("ix_pairs_meeting_id", table_name="pairs")
    op.drop_index("ix_pairs_city_code_is_soe_status", table_name="pairs")
    op.drop_index("ix_pairs_batch_id_status", table_name="pairs")
    op.drop_table("pairs")
    op.drop_table("needs")
    op.drop_index("ix_meetings_city_code_is_soe", table_name="meetings")
    op.drop_table("meetings")
    op.drop_table("calendar_years")
    op.drop_index("ix_applications_researcher_id_batch_id", table_name="applications")
    op.drop_table("applications")
    for name, _, _ in COPIES:
        op.drop_table(name)
