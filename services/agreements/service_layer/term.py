"""The timers of a filed agreement's term: each year's pace check and close, and the term's end (R-F9, R-F10)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from services.agreements.domain import agreement as a
from services.agreements.domain.model import CHINA
from services.agreements.service_layer.terms import AgreementTerms
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork

TERM_ENDS = "agreements.term_ends"  # the term is over (R-F10, reason "expired")
SIGNING_DUE = "agreements.signing_due"  # a draft should be signed by now (R-F8)
PACE_CHECK = "agreements.service_pace"  # is the year's service on pace? (R-F9)
YEAR_CLOSES = "agreements.service_year_closes"  # the year's totals, for evaluation


def day_end(day: date) -> datetime:
    """24:00 China time of ``day``."""
    return datetime.combine(day + timedelta(days=1), time(0), CHINA)


def year_moment(agreement: a.Agreement, year: int, share: float) -> datetime:
    """The start of the day ``share`` of the way through agreement year ``year``."""
    start, end = agreement.year_bounds(year)
    return datetime.combine(start + timedelta(days=int(((end - start).days + 1) * share)), time(0), CHINA)


async def schedule_year(uow: AgreementsUnitOfWork, agreement: a.Agreement, year: int, pace_at: float) -> None:
    key, payload = f"{agreement.id}:y{year}", {"year": year, "pace_at": pace_at}
    await uow.timers.schedule(PACE_CHECK, key, year_moment(agreement, year, pace_at), payload)
    await uow.timers.schedule(YEAR_CLOSES, key, day_end(agreement.year_bounds(year)[1]), payload)


async def start_term(uow: AgreementsUnitOfWork, agreement: a.Agreement, terms: AgreementTerms) -> None:
    """The agreement was filed: its first year's checks and the term's end are set."""
    await uow.timers.schedule(TERM_ENDS, str(agreement.id), day_end(agreement.term_end))
    await schedule_year(uow, agreement, 1, terms.pace_check_at)
