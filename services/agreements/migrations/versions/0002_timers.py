"""agreements_0002: the due-date timers table (shared infrastructure, shared.jobs.timers)."""

from shared.messaging.migrations import TIMERS_V1

revision, down_revision = "agreements_0002", "agreements_0001"
upgrade, downgrade = TIMERS_V1.upgrade, TIMERS_V1.downgrade
