"""intake: infrastructure tables and needs

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
        "needs",
        sa.Column("id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("enterprise_id", sa.String(64), nullable=False),
        sa.Column("city_code", sa.String(6), nullable=False),
        sa.Column("is_soe", sa.Boolean, nullable=False),
        sa.Column("programme", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("keywords", pg.JSONB, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_needs"),
        sa.CheckConstraint("programme IN ('chief_technologist', 'commissioner')", name="ck_needs_programme"),
        sa.CheckConstraint("status IN ('submitted')", name="ck_needs_need_status"),
    )
    op.create_index("ix_needs_city_code", "needs", ["city_code"])
    op.create_index("ix_needs_enterprise_id", "needs", ["enterprise_id"])


def downgrade() -> None:
    op.drop_table("needs")
    drop_messaging_tables_v1(op)
