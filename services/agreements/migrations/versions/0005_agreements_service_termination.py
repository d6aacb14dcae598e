"""agreements_0005: tripartite agreements with their signatures and filed originals, service logs, tracking
contacts (R-F8–R-F10); the need copy keeps what a draft is pre-filled from."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision, down_revision = "agreements_0005", "agreements_0004"


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("pair_id", sa.UUID(), nullable=False),
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
        sa.Column("batch_id", sa.UUID(), nullable=True),
        sa.Column("parties", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "signing",
                "filed",
                "terminated",
                "expired",
                name="agreement_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("signatures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("original", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("pace_warnings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("termination", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("pair_id", name=op.f("uq_agreements_pair_id")),
    )
    op.create_index(
        "ix_agreements_city_code_is_soe_status", "agreements", ["city_code", "is_soe", "status"], unique=False
    )
    op.create_index("ix_agreements_enterprise_id", "agreements", ["enterprise_id"], unique=False)
    op.create_index("ix_agreements_institution_id", "agreements", ["institution_id"], unique=False)
    op.create_index("ix_agreements_researcher_id", "agreements", ["researcher_id"], unique=False)
    op.create_table(
        "agreement_documents",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("agreement_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_agreement_documents_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_documents")),
    )
    op.create_index("ix_agreement_documents_agreement_id", "agreement_documents", ["agreement_id"], unique=False)
    op.create_table(
        "service_logs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("agreement_id", sa.UUID(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("days_on_site", sa.Integer(), nullable=False),
        sa.Column("days_remote", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("outcomes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "confirmed",
                "rejected",
                name="log_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_service_logs_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_logs")),
    )
    op.create_index("ix_service_logs_agreement_id_year", "service_logs", ["agreement_id", "year"], unique=False)
    op.create_table(
        "tracking_contacts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("agreement_id", sa.UUID(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "visit", "call", "meeting", name="contact_kind", native_enum=False, create_constraint=True, length=40
            ),
            nullable=False,
        ),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("problems_raised", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_tracking_contacts_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_contacts")),
    )
    op.create_index("ix_tracking_contacts_agreement_id", "tracking_contacts", ["agreement_id"], unique=False)
    op.add_column("needs", sa.Column("description", sa.Text(), nullable=True))
    op.add_column(
        "needs",
        sa.Column("cooperation_forms", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
    )
    op.add_column("needs", sa.Column("conditions_offered", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("needs", "conditions_offered")
    op.drop_column("needs", "cooperation_forms")
    op.drop_column("needs", "description")
    op.drop_index("ix_tracking_contacts_agreement_id", table_name="tracking_contacts")
    op.drop_table("tracking_contacts")
    op.drop_index("ix_service_logs_agreement_id_year", table_name="service_logs")
    op.drop_table("service_logs")
    op.drop_index("ix_agreement_documents_agreement_id", table_name="agreement_documents")
    op.drop_table("agreement_documents")
    op.drop_index("ix_agreements_researcher_id", table_name="agreements")
    op.drop_index("ix_agreements_institution_id", table_name="agreements")
    op.drop_index("ix_agreements_enterprise_id", table_name="agreements")
    op.drop_index("ix_agreements_city_code_is_soe_status", table_name="agreements")
    op.drop_table("agreements")
