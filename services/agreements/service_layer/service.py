"""Service during the term (管理服务, R-F9): the expert's logs, the enterprise's confirmation, each year's confirmed
time against the commitment with a pace warning, the bureaus' tracking contacts, and the term's natural end.

Timers of a filed agreement: for each agreement year a pace check (at ``pace_check_at`` of the year: less than the
pro-rata share confirmed → ``ServicePaceWarning``) and the year's close (``ServiceYearClosed``, what evaluation
reads); at the term's end the agreement expires (``AgreementTerminated``, reason "expired").
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from services.agreements.domain import agreement as a
from services.agreements.domain.model import CHINA
from services.agreements.service_layer.appointments import get_agreement, party_of
from services.agreements.service_layer.events import agreement_fields
from services.agreements.service_layer.scopes import organiser_scope
from services.agreements.service_layer.term import schedule_year
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.events import contracts as c
from shared.jobs.timers import Timer
from shared.timeutil import today_in_china, utcnow
from shared.vocabulary import Role

EXPIRED = "expired"


# ------------------------------------------------------------------ logs and their confirmation
async def submit_log(
    agreement_id: uuid.UUID,
    starts_on: date,
    ends_on: date,
    days_on_site: int,
    days_remote: int,
    description: str,
    outcomes: dict[str, int],
    p: Principal,
    uow: AgreementsUnitOfWork,
) -> a.ServiceLog:
    """The expert records a period of service; it counts once the enterprise confirms it."""
    agreement = await get_agreement(agreement_id, p, uow)
    if party_of(p, agreement) is not a.Party.EXPERT:
        raise Forbidden("服务记录由专家本人填写", code="NOT_THE_EXPERT")
    log = a.ServiceLog.record(
        agreement, starts_on, ends_on, days_on_site, days_remote, description, outcomes, p.subject
    )
    uow.service_logs.add(log)
    await uow.record_audit(
        p,
        "service_log.submitted",
        "agreement",
        str(agreement.id),
        {"log_id": str(log.id), "year": log.year, "days": log.days},
    )
    return log


async def review_log(
    log_id: uuid.UUID, confirmed: bool, reason: str | None, p: Principal, uow: AgreementsUnitOfWork
) -> a.ServiceLog:
    """The enterprise confirms (the time and outcomes count) or rejects (with a reason) a log."""
    log = await uow.service_logs.get(log_id, for_update=True)
    agreement = await uow.agreements.get(log.agreement_id) if log else None
    if log is None or agreement is None or p.role is not Role.ENTERPRISE or p.enterprise_id != agreement.enterprise_id:
        raise NotFound("服务记录不存在或不由本企业确认", code="SERVICE_LOG_NOT_FOUND")
    log.review(confirmed, reason, p.subject)
    if confirmed:
        uow.emit(
            lambda: c.ServiceLogConfirmedV1(
                **agreement_fields(agreement),
                log_id=log.id,
                year=log.year,
                starts_on=log.starts_on,
                ends_on=log.ends_on,
                days_on_site=log.days_on_site,
                days_remote=log.days_remote,
                outcomes=dict(log.outcomes),
            )
        )
    else:
        uow.emit(
            lambda: c.ServiceLogRejectedV1(
                **agreement_fields(agreement), log_id=log.id, year=log.year, reason=reason or ""
            )
        )
    await uow.record_audit(
        p,
        "service_log.reviewed",
        "agreement",
        str(agreement.id),
        {"log_id": str(log.id), "confirmed": confirmed, "reason": reason},
    )
    return log


async def service_view(agreement_id: uuid.UUID, p: Principal, uow: AgreementsUnitOfWork) -> dict:
    """Each agreement year's confirmed and pending time against the commitment, outcomes, warnings, the logs."""
    agreement = await get_agreement(agreement_id, p, uow)
    logs = await uow.service_logs.of_agreement(agreement.id)
    today = today_in_china()
    years = []
    for total in a.year_totals(agreement, logs):
        years.append(
            {
                "year": total.year,
                "starts_on": total.starts_on,
                "ends_on": total.ends_on,
                "required_days": total.required_days,
                "confirmed_days": total.confirmed_days,
                "pending_days": total.pending_days,
                "met": total.met,
                "outcomes": total.outcomes,
                "expected_by_today": total.expected_by(today) if total.starts_on <= today <= total.ends_on else None,
            }
        )
    return {"agreement_id": agreement.id, "years": years, "pace_warnings": agreement.pace_warnings, "logs": logs}


# ------------------------------------------------------------------ each year's timers
async def check_pace(uow: AgreementsUnitOfWork, timer: Timer) -> None:
    """Timer handler: less than the pro-rata share confirmed this far into the year → a warning (R-F9)."""
    agreement, year = await _timer_agreement(uow, timer)
    if agreement is None or agreement.status is not a.AgreementStatus.FILED:
        return
    total = a.year_totals(agreement, await uow.service_logs.of_agreement(agreement.id))[year - 1]
    due = timer.due_at.astimezone(CHINA).date()
    expected = total.expected_by(due - timedelta(days=1))
    if total.confirmed_days >= expected:
        return
    warning = agreement.warn_pace(year, total.confirmed_days, expected, utcnow())
    uow.emit(
        lambda: c.ServicePaceWarningV1(
            **agreement_fields(agreement),
            year=year,
            confirmed_days=warning["confirmed_days"],
            expected_days=warning["expected_days"],
            required_days=warning["required_days"],
        )
    )


async def close_year(uow: AgreementsUnitOfWork, timer: Timer) -> None:
    """Timer handler: the year is over — its totals are published (evaluation reads them); the next year begins."""
    agreement, year = await _timer_agreement(uow, timer)
    if agreement is None or agreement.status is not a.AgreementStatus.FILED:
        return
    total = a.year_totals(agreement, await uow.service_logs.of_agreement(agreement.id))[year - 1]
    uow.emit(
        lambda: c.ServiceYearClosedV1(
            **agreement_fields(agreement),
            year=year,
            starts_on=total.starts_on,
            ends_on=total.ends_on,
            required_days=total.required_days,
            confirmed_days=total.confirmed_days,
            met=total.met,
            outcomes=total.outcomes,
        )
    )
    if year < agreement.years:
        await schedule_year(uow, agreement, year + 1, timer.payload.get("pace_at", 0.75))


async def expire(uow: AgreementsUnitOfWork, timer: Timer) -> None:
    """Timer handler: the term is over; the agreement ends as a termination would (R-F10, reason "expired")."""
    agreement = await uow.agreements.get(uuid.UUID(timer.key), for_update=True)
    if agreement is None or agreement.status is not a.AgreementStatus.FILED:
        return  # terminated early meanwhile
    agreement.end(a.AgreementStatus.EXPIRED, EXPIRED, "expire", on=agreement.term_end)
    uow.emit(lambda: c.AgreementTerminatedV1(**agreement_fields(agreement), reason=EXPIRED))


async def _timer_agreement(uow: AgreementsUnitOfWork, timer: Timer) -> tuple[a.Agreement | None, int]:
    agreement_id, year = timer.key.split(":y")
    return await uow.agreements.get(uuid.UUID(agreement_id), for_update=True), int(year)


# ------------------------------------------------------------------ tracking contacts (跟踪联系)
async def record_contact(
    agreement_id: uuid.UUID,
    kind: a.ContactKind,
    contacted_on: date,
    notes: str,
    problems_raised: str | None,
    p: Principal,
    uow: AgreementsUnitOfWork,
) -> a.TrackingContact:
    """A city bureau (SASAC for an SOE) records a visit, call or meeting with notes and any problem raised."""
    agreement = await _tracked(agreement_id, p, uow)
    contact = a.TrackingContact(uuid.uuid4(), agreement.id, kind, contacted_on, notes, problems_raised, p.subject)
    uow.contacts.add(contact)
    uow.emit(
        lambda: c.TrackingContactRecordedV1(
            **agreement_fields(agreement),
            contact_id=contact.id,
            kind=kind.value,
            contacted_on=contacted_on,
            problems_raised=problems_raised is not None,
        )
    )
    await uow.record_audit(p, "contact.recorded", "agreement", str(agreement.id), {"contact_id": str(contact.id)})
    return contact


async def resolve_contact(contact_id: uuid.UUID, resolution: str, p: Principal, uow: AgreementsUnitOfWork):
    contact = await uow.contacts.get(contact_id, for_update=True)
    if contact is None:
        raise NotFound("跟踪联系记录不存在或无权查看", code="CONTACT_NOT_FOUND")
    await _tracked(contact.agreement_id, p, uow)
    contact.resolve(resolution)
    await uow.record_audit(
        p, "contact.resolved", "agreement", str(contact.agreement_id), {"contact_id": str(contact.id)}
    )
    return contact


async def contacts_of(agreement_id: uuid.UUID, p: Principal, uow: AgreementsUnitOfWork) -> list[a.TrackingContact]:
    agreement = await get_agreement(agreement_id, p, uow)
    return await uow.contacts.of_agreement(agreement.id)


async def _tracked(agreement_id: uuid.UUID, p: Principal, uow: AgreementsUnitOfWork) -> a.Agreement:
    agreement = await uow.agreements.get(agreement_id, organiser_scope(p))
    if agreement is None:
        raise NotFound("协议不存在或不由本单位跟踪联系", code="AGREEMENT_NOT_FOUND")
    if agreement.status is not a.AgreementStatus.FILED:
        a.AGREEMENT_LIFECYCLE.require(agreement, "serve")
    return agreement
