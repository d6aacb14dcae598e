"""The working-day calendar (R-F7): which years are known, loading a new year's arrangement, counting days.

The State Council publishes each year's holidays and adjusted working days late in the year before. The
province loads it here; every running notice is recomputed at once (a provisional end becomes final, or moves)
and each keeps the calendar revision that computed it.
"""

from __future__ import annotations

from datetime import date

from services.agreements.domain.calendar import Period, WorkingCalendar, YearArrangement
from services.agreements.domain.commands import LoadCalendarYear
from services.agreements.service_layer.selection import recompute_notices
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from shared.auth import Principal
from shared.domain import RuleViolation


async def load_year(cmd: LoadCalendarYear, p: Principal, uow: AgreementsUnitOfWork) -> dict:
    arrangement = YearArrangement(cmd.year, dict(cmd.holidays), dict(cmd.adjusted_working_days), cmd.reference)
    problems = arrangement.problems()
    if problems:
        raise RuleViolation(f"{cmd.year} 年的节假日安排有误", problems, code="CALENDAR_INVALID")
    revision = await uow.calendar.revision() + 1
    await uow.calendar.replace_year(arrangement, revision, p.subject)
    moved = await recompute_notices(uow)
    await uow.record_audit(
        p,
        "calendar.year_loaded",
        "calendar_year",
        str(cmd.year),
        {
            "reference": cmd.reference,
            "holidays": len(cmd.holidays),
            "adjusted_working_days": len(cmd.adjusted_working_days),
            "revision": revision,
            "notices_moved": [str(s.id) for s in moved],
        },
    )
    return {"year": cmd.year, "revision": revision, "notices_moved": len(moved)}


async def known_years(uow: AgreementsUnitOfWork) -> list[dict]:
    return await uow.calendar.years()


async def working_days(starts_on: date, count: int, uow: AgreementsUnitOfWork) -> tuple[Period, int]:
    calendar = WorkingCalendar(await uow.calendar.arrangements())
    return calendar.working_days_from(starts_on, count), await uow.calendar.revision()
