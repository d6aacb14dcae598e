"""matching_0006: evaluation results that rank — 优秀 at a 总师 term end (R-V4) and 末位淘汰 (R-V5)."""

import sqlalchemy as sa
from alembic import op

revision, down_revision = "matching_0006", "matching_0005"
branch_labels = depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation_marks",
        sa.Column("researcher_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("programme", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("researcher_id", "kind", "programme", name=op.f("pk_evaluation_marks")),
    )


def downgrade() -> None:
    op.drop_table("evaluation_marks")
