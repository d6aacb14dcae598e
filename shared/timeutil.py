"""Dates as the programmes count them: in China Standard Time, whole years by the calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today_in_china() -> date:
    return datetime.now(CHINA).date()


def utcnow() -> datetime:
    return datetime.now(UTC)


def whole_years(earlier: date, later: date) -> int:
    """Whole years from ``earlier`` to ``later``: an age (R-E2) or a registration's anniversaries (R-C6).
    A birthday or anniversary counts on the day itself."""
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))
