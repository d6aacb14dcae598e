"""R-F7: a public notice runs at least 5 Chinese working days — weekends and statutory holidays do not count,
adjusted working days (调休上班) do. Real dates around 国庆 2025 and 春节 2026, from the seeded arrangement
(``chinesecalendar``, as the migration stores it), and a notice published on 2026-12-29 that reaches 2027."""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from services.agreements.domain.calendar import WorkingCalendar, YearArrangement
from shared.domain import RuleViolation


def arrangement(year: int) -> YearArrangement:
    return YearArrangement(
        year,
        {d: str(h) for d, h in chinese_calendar.holidays.items() if d.year == year},
        {d: str(h) for d, h in chinese_calendar.workdays.items() if d.year == year},
        "chinesecalendar",
    )


CALENDAR = WorkingCalendar([arrangement(2025), arrangement(2026)])


@pytest.mark.parametrize(
    ("published", "ends_on", "counted"),
    [
        # 国庆+中秋 2025: 10-01…10-08 off; Sunday 09-28 and Saturday 10-11 are worked.
        ("2025-09-26", "2025-10-09", ["2025-09-26", "2025-09-28", "2025-09-29", "2025-09-30", "2025-10-09"]),
        ("2025-09-30", "2025-10-13", ["2025-09-30", "2025-10-09", "2025-10-10", "2025-10-11", "2025-10-13"]),
        # 春节 2026: 02-15…02-23 off; Saturday 02-14 and Saturday 02-28 are worked.
        ("2026-02-12", "2026-02-25", ["2026-02-12", "2026-02-13", "2026-02-14", "2026-02-24", "2026-02-25"]),
        # …and Saturday 02-28 counts: a notice from Tuesday 02-24 ends on it.
        ("2026-02-24", "2026-02-28", ["2026-02-24", "2026-02-25", "2026-02-26", "2026-02-27", "2026-02-28"]),
        # 国庆 2026: 10-01…10-07 off; Saturday 10-10 is worked.
        ("2026-09-30", "2026-10-12", ["2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12"]),
        # An ordinary week: a Saturday publication starts counting on Monday.
        ("2026-11-07", "2026-11-13", ["2026-11-09", "2026-11-10", "2026-11-11", "2026-11-12", "2026-11-13"]),
    ],
)
def test_R_F7_five_working_days_skip_holidays_and_count_adjusted_working_days(
    published: str, ends_on: str, counted: list[str]
) -> None:
    period = CALENDAR.working_days_from(date.fromisoformat(published), 5)
    assert period.ends_on == date.fromisoformat(ends_on)
    assert [d.isoformat() for d in period.working_days] == counted
    assert not period.provisional


def test_R_F7_a_notice_published_on_2026_12_29_is_provisional_until_2027_is_loaded() -> None:
    period = CALENDAR.working_days_from(date(2026, 12, 29), 5)
    # Without 2027's arrangement: the weekday rule alone, marked provisional.
    assert (period.ends_on, period.provisional, period.unknown_years) == (date(2027, 1, 4), True, (2027,))
    # 2027 as the State Council might arrange it: 01-01…01-03 off (a test arrangement, not a published one).
    new_year = YearArrangement(2027, {date(2027, 1, d): "元旦" for d in (1, 2, 3)}, {}, "测试安排")
    loaded = WorkingCalendar([arrangement(2026), new_year]).working_days_from(date(2026, 12, 29), 5)
    assert (loaded.ends_on, loaded.provisional) == (date(2027, 1, 5), False)
    assert [d.day for d in loaded.working_days] == [29, 30, 31, 4, 5]


def test_a_period_ending_on_the_last_day_of_a_known_year_is_not_provisional() -> None:
    period = CALENDAR.working_days_from(date(2026, 12, 25), 5)  # Fri 25, Mon 28 … Thu 31
    assert (period.ends_on, period.provisional) == (date(2026, 12, 31), False)


def test_R_F7_an_arrangement_that_cannot_be_is_refused_naming_each_day() -> None:
    wrong = YearArrangement(
        2027,
        {date(2027, 1, 1): "元旦", date(2026, 12, 31): "跨年"},
        {date(2027, 1, 1): "元旦", date(2027, 1, 5): "周二"},
    )
    problems = {(f.field, f.message) for f in wrong.problems()}
    assert ("holidays", "2026-12-31 不在 2027 年内") in problems
    assert ("adjusted_working_days", "2027-01-01 不能既是节假日又是调休上班日") in problems
    assert any("2027-01-05 是周一至周五" in m for _, m in problems)
    assert arrangement(2026).problems() == []


def test_counting_is_bounded() -> None:
    with pytest.raises(ValueError):
        CALENDAR.working_days_from(date(2026, 1, 5), 0)
    with pytest.raises(RuleViolation):
        WorkingCalendar([YearArrangement(2030, {date(2030, 1, 1): "x"})]).working_days_from(date(2030, 1, 1), 400)
