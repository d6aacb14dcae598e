"""matching_0005: each proposal records the size of the researcher pool it was ranked against (re-match rule)."""

import sqlalchemy as sa
from alembic import op

revision, down_revision = "matching_0005", "matching_0004"


def upgrade() -> None:
    op.add_column("proposals", sa.Column("pool_size", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("proposals", "pool_size")
