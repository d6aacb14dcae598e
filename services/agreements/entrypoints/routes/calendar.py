"""The working-day calendar of public notices (R-F7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.agreements.entrypoints.deps import PROBLEMS, AnyRole, Province, UowDep, Write
from services.agreements.schemas import CalendarLoaded, CalendarYearIn, CalendarYearRead, WorkingDaysRead
from services.agreements.service_layer import calendar
from shared.types import FIRST_DAY, LAST_DAY, Day

router = APIRouter(prefix="/agreements/v1/calendar", tags=["calendar 工作日历"], responses=PROBLEMS)
Year = Annotated[int, Path(ge=FIRST_DAY.year, le=LAST_DAY.year, description="年份")]


@router.get("/years", response_model=list[CalendarYearRead], summary="已导入节假日安排的年份")
async def years(uow: UowDep, p: AnyRole):
    """工作日历已知的年份（2004–2026 年由 chinesecalendar 导入），及其依据和版本。未导入的年份按周末推算，
    据此计算的公示截止日期标为暂定。"""
    async with uow:
        return [CalendarYearRead(**y) for y in await calendar.known_years(uow)]


@router.put("/years/{year}", response_model=CalendarLoaded, summary="导入某年的节假日安排")
async def load(year: Year, body: CalendarYearIn, write: Write, p: Province):
    """导入国务院办公厅公布的某年部分节假日安排：放假日与调休上班日（替换该年已有的安排）。工作日历版本加一，
    正在公示的名单立即按新日历重新计算截止日期（暂定的变为确定，或随之改变）。"""
    return await write(
        p, lambda uow: calendar.load_year(body.command(year), p, uow), read=CalendarLoaded.model_validate
    )


@router.get("/working-days", response_model=WorkingDaysRead, summary="计算第 N 个工作日")
async def working_days(
    uow: UowDep,
    p: AnyRole,
    starts_on: Annotated[Day("起始日期（当日若为工作日则计入）"), Query()],
    count: Annotated[int, Query(ge=1, le=30, description="工作日数，1–30")] = 5,
):
    """从起始日期起的第 N 个工作日（周末与法定节假日不计，调休上班日计入），例如公示期的截止日期。"""
    async with uow:
        period, revision = await calendar.working_days(starts_on, count, uow)
    return WorkingDaysRead(
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        working_days=period.working_days,
        provisional=period.provisional,
        unknown_years=list(period.unknown_years),
        calendar_revision=revision,
    )
