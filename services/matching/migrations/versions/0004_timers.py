"""matching_0004: the due-date timers table (shared infrastructure, shared.jobs.timers)."""

from shared.messaging.migrations import TIMERS_V1

revision, down_revision = "matching_0004", "matching_0003"
upgrade, downgrade = TIMERS_V1.upgrade, TIMERS_V1.downgrade
