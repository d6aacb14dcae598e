"""Dates as the programmes count them: in China Standard Time."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today_in_china() -> date:
    return datetime.now(CHINA).date()
