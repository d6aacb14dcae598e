"""evaluation_0001: the infrastructure tables (outbox, inbox, dead letters, idempotency keys, audit log)."""

from shared.messaging.migrations import MESSAGING_V1

revision, down_revision = "evaluation_0001", None
upgrade, downgrade = MESSAGING_V1.upgrade, MESSAGING_V1.downgrade
