"""matching: copies of intake's registries; need batch and review fields

Revision ID: matching_0002
Revises: matching_0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "matching_0002"
down_revision = "matching_0001"
branch_labels = None
depends_on = None

PROFILES = (
    ("researcher_profiles", "researcher_id", pg.UUID(as_uuid=True)),
    ("institution_profiles", "institution_id", pg.UUID(as_uuid=True)),
    ("enterprise_profiles", "enterprise_id", sa.String(18)),
)


def upgrade() -> None:
    for table, key, key_type in PROFILES:
        op.create_table(
            table,
            sa.Column(key, key_type, nullable=False),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("snapshot", pg.JSONB, nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
            sa.PrimaryKeyConstraint(key, name=f"pk_{table}"),
        )
    op.add_column("needs", sa.Column("batch_id", pg.UUID(as_uuid=True)))
    op.add_column("needs", sa.Column("batch_year", sa.Integer))
    op.add_column("needs", sa.Column("industry", sa.String(100)))
    op.add_column("needs", sa.Column("desired_expertise", sa.Text))
    op.add_column("needs", sa.Column("experts_wanted", sa.Integer, server_default="1", nullable=False))
    op.create_index("ix_needs_batch_id_status", "needs", ["batch_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_needs_batch_id_status", "needs")
    for column in ("experts_wanted", "desired_expertise", "industry", "batch_year", "batch_id"):
        op.drop_column("needs", column)
    for table, _, _ in PROFILES:
        op.drop_table(table)
