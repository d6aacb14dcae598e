"""Chinese working days (工作日) for the public notice of R-F7: at least 5 working days.

A day is a working day when it is Monday–Friday and not a statutory holiday (法定节假日), or when it is an
adjusted working day (调休上班日, a Saturday or Sunday worked in exchange for a longer holiday). The holidays
and adjusted days of each year are the State Council's arrangement (国务院办公厅关于…部分节假日安排的通知),
published late in the year before; the service keeps them as data (seeded from ``chinesecalendar``, and
loaded by the province for each new year).

A period that reaches a year whose arrangement is not known yet is computed with the weekday rule alone and
marked **provisional**: it is recomputed when the year is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from shared.domain import RuleFailure, RuleViolation

MAX_PERIOD_DAYS = 400  # a notice of at most 30 working days never spans more than this


@dataclass(frozen=True)
class YearArrangement:
    """One year's holidays and adjusted working days, as the State Council published them."""

    year: int
    holidays: Mapping[date, str] = field(default_factory=dict)  # day → 节日名称
    adjusted_working_days: Mapping[date, str] = field(default_factory=dict)  # day → 为哪个假日调休
    reference: str = ""  # e.g. 国办发明电〔2025〕7号, or the library it was seeded from

    def problems(self) -> list[RuleFailure]:
        """What makes this arrangement impossible (wrong year, a day both off and worked, a weekday "adjusted")."""
        found = []
        for name, days in (("holidays", self.holidays), ("adjusted_working_days", self.adjusted_working_days)):
            for day in days:
                if day.year != self.year:
                    found.append(RuleFailure("R-F7", f"{day} 不在 {self.year} 年内", name))
        for day in set(self.holidays) & set(self.adjusted_working_days):
            found.append(RuleFailure("R-F7", f"{day} 不能既是节假日又是调休上班日", "adjusted_working_days"))
        for day in self.adjusted_working_days:
            if day.weekday() < 5:
                found.append(
                    RuleFailure("R-F7", f"{day} 是周一至周五，调休上班日应为周六或周日", "adjusted_working_days")
                )
        return found


@dataclass(frozen=True)
class Period:
    """``count`` working days from ``starts_on``: the last one, and whether an unknown year made it a guess."""

    starts_on: date
    ends_on: date
    working_days: list[date]
    provisional: bool
    unknown_years: tuple[int, ...] = ()


class WorkingCalendar:
    """The known years' arrangements; any other year follows the weekday rule, provisionally."""

    def __init__(self, years: Iterable[YearArrangement] = ()) -> None:
        self.years = {y.year: y for y in years}

    def knows(self, year: int) -> bool:
        return year in self.years

    def is_working_day(self, day: date) -> bool:
        arrangement = self.years.get(day.year)
        if arrangement is not None:
            if day in arrangement.adjusted_working_days:
                return True
            if day in arrangement.holidays:
                return False
        return day.weekday() < 5

    def working_days_from(self, starts_on: date, count: int) -> Period:
        """The first ``count`` working days on or after ``starts_on`` (the start day counts when it is one)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        days: list[date] = []
        unknown: set[int] = set()
        day = starts_on
        while len(days) < count:
            if (day - starts_on).days > MAX_PERIOD_DAYS:
                raise RuleViolation(
                    "工作日数过多", [RuleFailure("R-F7", f"{count} 个工作日超出可计算的范围", "working_days")]
                )
            if not self.knows(day.year):
                unknown.add(day.year)
            if self.is_working_day(day):
                days.append(day)
            day += timedelta(days=1)
        return Period(starts_on, days[-1], days, provisional=bool(unknown), unknown_years=tuple(sorted(unknown)))
