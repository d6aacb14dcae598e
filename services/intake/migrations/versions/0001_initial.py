"""intake: infrastructure tables, registries, batches, needs and researcher applications

Revision ID: intake_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from shared.messaging.migrations import create_messaging_tables_v1, drop_messaging_tables_v1

revision = "intake_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables_v1(op)
    op.create_table(
        "batches",
        sa.Column("id", sa.UUID(), nullable=False),
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
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("closed_early", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint("programme", "year", name=op.f("uq_batches_programme_year")),
    )
    op.create_table(
        "enterprises",
        sa.Column("id", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("county", sa.String(length=100), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("independent_legal_person", sa.Boolean(), nullable=False),
        sa.Column("qualifications", pg.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("platforms", pg.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("is_soe", sa.Boolean(), nullable=False),
        sa.Column("research_misconduct", sa.Boolean(), nullable=False),
        sa.Column("equity_links", pg.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
    )
    op.create_index("ix_enterprises_city_code", "enterprises", ["city_code"], unique=False)
    op.create_table(
        "institutions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "university",
                "research_institute",
                name="institution_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "affiliation",
            sa.Enum(
                "provincial",
                "ministerial",
                "other",
                name="affiliation",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("master_degree_disciplines", pg.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("first_class_disciplines", pg.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institutions")),
        sa.UniqueConstraint("name", name=op.f("uq_institutions_name")),
    )
    op.create_table(
        "needs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=18), nullable=False),
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
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("is_soe", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("industry", sa.String(length=100), nullable=False),
        sa.Column("desired_expertise", sa.Text(), nullable=False),
        sa.Column("keywords", pg.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("cooperation_forms", pg.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("conditions_offered", sa.Text(), nullable=False),
        sa.Column("experts_wanted", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "approved",
                "reported",
                "rejected",
                "withdrawn",
                name="need_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("approvals", pg.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], name=op.f("fk_needs_batch_id_batches")),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprises.id"], name=op.f("fk_needs_enterprise_id_enterprises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs")),
    )
    op.create_index("ix_needs_batch_id_status", "needs", ["batch_id", "status"], unique=False)
    op.create_index("ix_needs_city_code", "needs", ["city_code"], unique=False)
    op.create_index("ix_needs_enterprise_id", "needs", ["enterprise_id"], unique=False)
    op.create_table(
        "researchers",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("employee_no", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column(
            "highest_degree",
            sa.Enum(
                "doctorate",
                "master",
                "bachelor",
                "other",
                name="degree",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "title",
            sa.Enum(
                "senior",
                "associate_senior",
                "intermediate",
                "junior",
                "none",
                name="title",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("disciplines", pg.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("research_fields", sa.Text(), nullable=False),
        sa.Column("research_misconduct", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_researchers_institution_id_institutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_researchers")),
        sa.UniqueConstraint("institution_id", "employee_no", name=op.f("uq_researchers_institution_id_employee_no")),
    )
    op.create_index("ix_researchers_institution_id", "researchers", ["institution_id"], unique=False)
    op.create_table(
        "achievements",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("researcher_id", sa.UUID(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "paper",
                "patent",
                "project",
                "product",
                name="achievement_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("keywords", pg.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["researcher_id"],
            ["researchers.id"],
            name=op.f("fk_achievements_researcher_id_researchers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievements")),
    )
    op.create_index("ix_achievements_researcher_id", "achievements", ["researcher_id"], unique=False)
    op.create_table(
        "researcher_applications",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("researcher_id", sa.UUID(), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("batch_id", sa.UUID(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "approved",
                "rejected",
                name="application_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], name=op.f("fk_researcher_applications_batch_id_batches")),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_researcher_applications_institution_id_institutions")
        ),
        sa.ForeignKeyConstraint(
            ["researcher_id"], ["researchers.id"], name=op.f("fk_researcher_applications_researcher_id_researchers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_researcher_applications")),
        sa.UniqueConstraint(
            "researcher_id", "batch_id", name=op.f("uq_researcher_applications_researcher_id_batch_id")
        ),
    )
    op.create_index(
        "ix_researcher_applications_institution_id", "researcher_applications", ["institution_id"], unique=False
    )


def downgrade() -> None:
    for table in (
        "researcher_applications",
        "achievements",
        "researchers",
        "needs",
        "institutions",
        "enterprises",
        "batches",
    ):
        op.drop_table(table)
    drop_messaging_tables_v1(op)
