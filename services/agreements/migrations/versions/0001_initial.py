"""agreements: infrastructure tables (outbox, inbox, dead letters, idempotency keys, audit log)

Revision ID: agreements_0001
Revises:
Create Date: 2026-11-22
"""

from alembic import op

from shared.messaging.migrations import create_messaging_tables_v1, drop_messaging_tables_v1

revision = "agreements_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables_v1(op)


def downgrade() -> None:
    drop_messaging_tables_v1(op)
