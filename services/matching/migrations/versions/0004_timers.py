"""matching: due-date timers (shared infrastructure table)

Revision ID: matching_0004
Revises: matching_0003
Create Date: 2026-12-02
"""

from alembic import op

from shared.messaging.migrations import create_timers_table_v1, drop_timers_table_v1

revision = "matching_0004"
down_revision = "matching_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_timers_table_v1(op)


def downgrade() -> None:
    drop_timers_table_v1(op)
