"""agreements: due-date timers (shared infrastructure table)

Revision ID: agreements_0002
Revises: agreements_0001
Create Date: 2026-12-02
"""

from alembic import op

from shared.messaging.migrations import create_timers_table_v1, drop_timers_table_v1

revision = "agreements_0002"
down_revision = "agreements_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_timers_table_v1(op)


def downgrade() -> None:
    drop_timers_table_v1(op)
