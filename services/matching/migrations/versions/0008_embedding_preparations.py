"""matching_0008: preparing a new embedding model in the background (a durable job per model switch)."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision, down_revision = "matching_0008", "matching_0007"
branch_labels = depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "embedding_preparations",
        sa.Column("id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("model", sa.String(500), nullable=False),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("summary", pg.JSONB, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("phase", sa.String(40), nullable=False),
        sa.Column("progress_done", sa.Integer, nullable=False),
        sa.Column("progress_total", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("started_at", TS),
        sa.Column("finished_at", TS),
        sa.Column("heartbeat_at", TS),
        sa.Column("not_before", TS),
        sa.PrimaryKeyConstraint("id", name="pk_embedding_preparations"),
    )
    op.create_index("ix_embedding_preparations_status_created_at", "embedding_preparations", ["status", "created_at"])


def downgrade() -> None:
    op.drop_table("embedding_preparations")
