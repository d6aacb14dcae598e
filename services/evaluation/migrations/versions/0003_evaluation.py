"""evaluation_0003: the evaluation tables — copies of agreements, confirmed service and registries; 总师 rounds and
evaluations (R-V1–R-V4); 特派员 yearly rounds, records and attachments (R-V5, R-V6); technology contracts (R-V7)."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.copies import create_copy_table_v1

revision, down_revision = "evaluation_0003", "evaluation_0002"
branch_labels = depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("need_id", sa.UUID(), nullable=False),
        sa.Column("researcher_id", sa.UUID(), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=18), nullable=False),
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
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("service_days_per_year", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("running", "ended", name="agreement_state", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
    )
    op.create_index("ix_agreements_city_code_programme", "agreements", ["city_code", "programme"], unique=False)
    op.create_table(
        "chief_rounds",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("body", sa.String(length=10), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("is_soe", sa.Boolean(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "confirming",
                "reported",
                "returned",
                "notified",
                name="round_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("confirmations", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("allocation", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chief_rounds")),
        sa.UniqueConstraint(
            "body",
            "city_code",
            "year",
            "sequence",
            name="uq_chief_rounds_body_city_code_year_sequence",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_table(
        "commissioner_rounds",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "proposed",
                "filed",
                name="year_round_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("rule", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("ranking", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("objections_close_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissioner_rounds")),
        sa.UniqueConstraint("city_code", "year", name="uq_commissioner_rounds_city_code_year"),
    )
    create_copy_table_v1(op, "enterprise_copies", "enterprise_id", sa.String(length=18))
    create_copy_table_v1(op, "institution_copies", "institution_id", sa.UUID())
    create_copy_table_v1(op, "researcher_copies", "researcher_id", sa.UUID())
    op.create_table(
        "chief_evaluations",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("agreement_id", sa.UUID(), nullable=False),
        sa.Column("researcher_id", sa.UUID(), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=18), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("is_soe", sa.Boolean(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("window_opens_on", sa.Date(), nullable=False),
        sa.Column("window_closes_on", sa.Date(), nullable=False),
        sa.Column("round_id", sa.UUID(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "awaiting_window",
                "open",
                "graded",
                "notified",
                "withdrawn",
                name="evaluation_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("problems", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("achievements", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column(
            "grade",
            sa.Enum(
                "excellent",
                "qualified",
                "unqualified",
                name="grade",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("graded_by", sa.String(length=200), nullable=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_extension", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_chief_evaluations_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["chief_rounds.id"], name=op.f("fk_chief_evaluations_round_id_chief_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chief_evaluations")),
        sa.UniqueConstraint("agreement_id", name=op.f("uq_chief_evaluations_agreement_id")),
    )
    op.create_index(
        "ix_chief_evaluations_city_code_is_soe_year", "chief_evaluations", ["city_code", "is_soe", "year"], unique=False
    )
    op.create_index("ix_chief_evaluations_institution_id", "chief_evaluations", ["institution_id"], unique=False)
    op.create_index("ix_chief_evaluations_round_id", "chief_evaluations", ["round_id"], unique=False)
    op.create_table(
        "commissioner_evaluations",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("round_id", sa.UUID(), nullable=False),
        sa.Column("agreement_id", sa.UUID(), nullable=False),
        sa.Column("researcher_id", sa.UUID(), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=18), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("county", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "awaiting_material",
                "material_submitted",
                "assessed",
                "determined",
                name="year_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("material", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("material_by", sa.String(length=200), nullable=True),
        sa.Column("material_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("county_score", sa.Float(), nullable=True),
        sa.Column("county_comments", sa.Text(), nullable=True),
        sa.Column("assessed_by", sa.String(length=200), nullable=True),
        sa.Column("material_missing", sa.Boolean(), nullable=False),
        sa.Column(
            "grade",
            sa.Enum(
                "excellent",
                "qualified",
                "unqualified",
                name="grade",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("city_comments", sa.Text(), nullable=True),
        sa.Column("determined_by", sa.String(length=200), nullable=True),
        sa.Column("objections", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("eliminated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_commissioner_evaluations_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["commissioner_rounds.id"],
            name=op.f("fk_commissioner_evaluations_round_id_commissioner_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissioner_evaluations")),
        sa.UniqueConstraint("agreement_id", "year", name="uq_commissioner_evaluations_agreement_id_year"),
    )
    op.create_index(
        "ix_commissioner_evaluations_city_code_county",
        "commissioner_evaluations",
        ["city_code", "county"],
        unique=False,
    )
    op.create_index("ix_commissioner_evaluations_round_id", "commissioner_evaluations", ["round_id"], unique=False)
    op.create_table(
        "service_records",
        sa.Column("log_id", sa.UUID(), nullable=False),
        sa.Column("agreement_id", sa.UUID(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("days_on_site", sa.Integer(), nullable=False),
        sa.Column("days_remote", sa.Integer(), nullable=False),
        sa.Column("outcomes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_service_records_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("log_id", name=op.f("pk_service_records")),
    )
    op.create_index("ix_service_records_agreement_id", "service_records", ["agreement_id"], unique=False)
    op.create_table(
        "technology_contracts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("agreement_id", sa.UUID(), nullable=False),
        sa.Column("researcher_id", sa.UUID(), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=18), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("county", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "development", "transfer", name="contract_kind", native_enum=False, create_constraint=True, length=40
            ),
            nullable=False,
        ),
        sa.Column("registration_number", sa.String(length=100), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("amount_yuan", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("subsidy_yuan", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("reward_yuan", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_technology_contracts_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technology_contracts")),
        sa.UniqueConstraint("registration_number", name="uq_technology_contracts_registration_number"),
    )
    op.create_index("ix_technology_contracts_agreement_id", "technology_contracts", ["agreement_id"], unique=False)
    op.create_table(
        "attachments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("evaluation_id", sa.UUID(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["commissioner_evaluations.id"],
            name=op.f("fk_attachments_evaluation_id_commissioner_evaluations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index("ix_attachments_evaluation_id", "attachments", ["evaluation_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_attachments_evaluation_id", table_name="attachments")
    op.drop_table("attachments")
    op.drop_index("ix_technology_contracts_agreement_id", table_name="technology_contracts")
    op.drop_table("technology_contracts")
    op.drop_index("ix_service_records_agreement_id", table_name="service_records")
    op.drop_table("service_records")
    op.drop_index("ix_commissioner_evaluations_round_id", table_name="commissioner_evaluations")
    op.drop_index("ix_commissioner_evaluations_city_code_county", table_name="commissioner_evaluations")
    op.drop_table("commissioner_evaluations")
    op.drop_index("ix_chief_evaluations_round_id", table_name="chief_evaluations")
    op.drop_index("ix_chief_evaluations_institution_id", table_name="chief_evaluations")
    op.drop_index("ix_chief_evaluations_city_code_is_soe_year", table_name="chief_evaluations")
    op.drop_table("chief_evaluations")
    op.drop_table("researcher_copies")
    op.drop_table("institution_copies")
    op.drop_table("enterprise_copies")
    op.drop_table("commissioner_rounds")
    op.drop_table("chief_rounds")
    op.drop_index("ix_agreements_city_code_programme", table_name="agreements")
    op.drop_table("agreements")
