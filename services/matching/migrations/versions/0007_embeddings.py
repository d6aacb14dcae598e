"""matching_0007: each passage's vector (per model) and words (per tokenizer) stored once, shared by every process."""

import sqlalchemy as sa
from alembic import op

revision, down_revision = "matching_0007", "matching_0006"
branch_labels = depends_on = None


def upgrade() -> None:
    op.create_table(
        "embeddings",
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("text_sha256", sa.LargeBinary(length=32), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "text_sha256", name=op.f("pk_embeddings")),
    )
    op.create_table(
        "passage_tokens",
        sa.Column("tokenizer", sa.String(length=100), nullable=False),
        sa.Column("text_sha256", sa.LargeBinary(length=32), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tokenizer", "text_sha256", name=op.f("pk_passage_tokens")),
    )


def downgrade() -> None:
    op.drop_table("passage_tokens")
    op.drop_table("embeddings")
