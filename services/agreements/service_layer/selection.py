"""The province's list of a batch (R-F6) and its public notice with objections (R-F7).

The list is drawn up from the intents the cities and SASAC reported: every reported pair of the batch is on
it, and nothing else can be (调减不调增). The province may remove entries with a reason and undo a removal
until the party-group meeting approves the list; then the list is noticed for at least 5 Chinese working days
(a timer ends the notice at 24:00 of its last working day), anyone may object during it, the province
resolves every objection, and only then records the final list (四部门联合发文). A 特派员 list is a filing:
not reviewed, noticed at once (R-F8).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, time, timedelta

from services.agreements.domain import model as m
from services.agreements.domain.calendar import WorkingCalendar
from services.agreements.domain.commands import ApproveList, FileObjection, OpenNotice, PublishFinalList
from services.agreements.service_layer.appointments import draft_for
from services.agreements.service_layer.events import Names, list_fields
from services.agreements.service_layer.terms import DEFAULT_TERMS, AgreementTerms
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from shared.auth import Principal
from shared.errors import Conflict, FieldError, NotFound, TooManyRequests, ValidationFailed
from shared.events import contracts as c
from shared.jobs.timers import Timer
from shared.pagination import PageParams
from shared.scope import EVERYTHING
from shared.timeutil import today_in_china, utcnow

NOTICE_CLOSES = "agreements.notice_closes"  # timer kind: the notice ends at 24:00 of its last working day
PUBLIC_STATES = (m.ListStatus.IN_NOTICE, m.ListStatus.NOTICE_CLOSED, m.ListStatus.PUBLISHED)


# ------------------------------------------------------------------ the list (R-F6)
async def assemble_list(batch_id: uuid.UUID, p: Principal, uow: AgreementsUnitOfWork) -> m.SelectionList:
    """Draw up the batch's proposed list (拟选派名单) from the intents reported to the province."""
    existing = await uow.lists.for_batch(batch_id)
    if existing is not None:
        raise Conflict("该批次的名单已建立", code="LIST_EXISTS", extra={"list_id": str(existing.id)})
    reported = await uow.pairs.reported_in_batch(batch_id)
    if not reported:
        raise Conflict("该批次还没有报送省科技厅的合作意向", code="NO_REPORTED_INTENTS")
    selection = m.SelectionList(id=uuid.uuid4(), batch_id=batch_id, programme=reported[0].programme)
    for pair in reported:
        selection.take_reported(pair)
    uow.lists.add(selection)
    await uow.record_audit(
        p, "list.assembled", "selection_list", str(selection.id), {"batch_id": str(batch_id), "entries": len(reported)}
    )
    return selection


async def get_list(list_id: uuid.UUID, uow: AgreementsUnitOfWork, *, for_update: bool = False) -> m.SelectionList:
    selection = await uow.lists.get(list_id, for_update=for_update)
    if selection is None:
        raise NotFound("名单不存在", code="LIST_NOT_FOUND")
    return selection


async def list_lists(
    uow: AgreementsUnitOfWork, page: PageParams, status: m.ListStatus | None = None
) -> tuple[list[m.SelectionList], int]:
    return await uow.lists.list(page, status=status)


async def remove_entry(
    list_id: uuid.UUID, pair_id: uuid.UUID, reason: str, p: Principal, uow: AgreementsUnitOfWork
) -> m.SelectionList:
    """The province removes an entry, with its reason (调减, R-F6)."""
    selection = await get_list(list_id, uow, for_update=True)
    entry = selection.remove(pair_id, reason)
    uow.emit(lambda: c.ListEntryRemovedV1(**list_fields(selection), **_entry_ids(entry), reason=reason))
    await uow.record_audit(
        p, "list.entry_removed", "selection_list", str(list_id), {"pair_id": str(pair_id), "reason": reason}
    )
    return selection


async def restore_entry(
    list_id: uuid.UUID, pair_id: uuid.UUID, reason: str, p: Principal, uow: AgreementsUnitOfWork
) -> m.SelectionList:
    """Undo a removal before the list is approved (R-F6); a pair never reported cannot be added (422)."""
    selection = await get_list(list_id, uow, for_update=True)
    entry = selection.restore(pair_id, reason)
    uow.emit(lambda: c.ListEntryRestoredV1(**list_fields(selection), **_entry_ids(entry), reason=reason))
    await uow.record_audit(
        p, "list.entry_restored", "selection_list", str(list_id), {"pair_id": str(pair_id), "reason": reason}
    )
    return selection


async def approve_list(list_id: uuid.UUID, cmd: ApproveList, p: Principal, uow: AgreementsUnitOfWork):
    """The department's party-group meeting approved the list: its date and the minutes' reference (R-F6)."""
    selection = await get_list(list_id, uow, for_update=True)
    await _take_late_reports(selection, uow)
    selection.approve(cmd.meeting_date, cmd.minutes_reference)
    uow.emit(
        lambda: c.ProvinceListApprovedV1(
            **list_fields(selection),
            meeting_date=cmd.meeting_date,
            minutes_reference=cmd.minutes_reference,
            entries=len(selection.active_entries()),
        )
    )
    await uow.record_audit(
        p,
        "list.approved",
        "selection_list",
        str(list_id),
        {"meeting_date": str(cmd.meeting_date), "minutes_reference": cmd.minutes_reference},
    )
    return selection


# ------------------------------------------------------------------ the notice (R-F7)
async def open_notice(
    list_id: uuid.UUID, cmd: OpenNotice, p: Principal, uow: AgreementsUnitOfWork, *, today: date | None = None
) -> m.SelectionList:
    """Publish the list for at least 5 working days; the end is computed on the working-day calendar."""
    today = today or today_in_china()
    starts_on = cmd.starts_on or today
    if starts_on < today:
        raise ValidationFailed(
            "公示开始日期不能早于今天", errors=[FieldError("starts_on", f"不能早于 {today}", ["R-F7"])]
        )
    selection = await get_list(list_id, uow, for_update=True)
    if not selection.reviewed:
        await _take_late_reports(selection, uow)  # a filing is noticed without review: take every filed pair
    calendar, revision = await _calendar(uow)
    period = calendar.working_days_from(starts_on, cmd.working_days)
    selection.open_notice(starts_on, period.ends_on, cmd.working_days, period.provisional, revision)
    await _schedule_close(uow, selection)
    names = await Names.of(uow, selection.active_entries())
    uow.emit(
        lambda: c.PublicNoticeOpenedV1(
            **list_fields(selection),
            starts_on=selection.notice_starts_on,
            ends_on=selection.notice_ends_on,
            working_days=cmd.working_days,
            ends_provisionally=selection.notice_ends_provisionally,
            calendar_revision=revision,
            entries=[names.entry_ref(e) for e in selection.active_entries()],
        )
    )
    await uow.record_audit(
        p,
        "list.notice_opened",
        "selection_list",
        str(list_id),
        {"starts_on": str(starts_on), "ends_on": str(period.ends_on), "provisional": period.provisional},
    )
    return selection


def notice_end(ends_on: date | None) -> datetime:
    """24:00 China time of the last working day: the moment the notice closes."""
    assert ends_on is not None
    return datetime.combine(ends_on + timedelta(days=1), time(0), m.CHINA)


def closing_timer_key(selection: m.SelectionList) -> str:
    """One closing timer per notice and calendar revision: a recomputed end always has a timer of its own (one
    that fired cannot be moved); an older one that fires early finds the notice still running and does nothing."""
    return f"{selection.id}:r{selection.calendar_revision}"


async def _schedule_close(uow: AgreementsUnitOfWork, selection: m.SelectionList) -> None:
    await uow.timers.schedule(NOTICE_CLOSES, closing_timer_key(selection), notice_end(selection.notice_ends_on))


async def close_notice(uow: AgreementsUnitOfWork, timer: Timer) -> None:
    """Timer handler: the notice period is over (PublicNoticeClosed). Runs in the timer's own transaction."""
    selection = await uow.lists.get(uuid.UUID(timer.key.split(":")[0]), for_update=True)
    if selection is None or selection.status is not m.ListStatus.IN_NOTICE:
        return  # nothing to close (the handler is idempotent; the timer fires once anyway)
    if utcnow() < notice_end(selection.notice_ends_on):  # the end moved later: the current timer closes it
        await _schedule_close(uow, selection)
        return
    selection.close_notice()
    pending = await uow.objections.pending_count(selection.id)
    uow.emit(
        lambda: c.PublicNoticeClosedV1(
            **list_fields(selection), ends_on=selection.notice_ends_on, objections_pending=pending
        )
    )


async def recompute_notices(uow: AgreementsUnitOfWork) -> list[m.SelectionList]:
    """After a year's arrangement was loaded: every running notice's end on the new calendar. Returns those moved."""
    calendar, revision = await _calendar(uow)
    moved = []
    for selection in await uow.lists.in_notice(for_update=True):
        assert selection.notice_starts_on is not None and selection.notice_working_days is not None
        period = calendar.working_days_from(selection.notice_starts_on, selection.notice_working_days)
        changed = (period.ends_on, period.provisional) != (
            selection.notice_ends_on,
            selection.notice_ends_provisionally,
        )
        previous = selection.reschedule_notice(period.ends_on, period.provisional, revision)
        if not changed:
            continue
        await _schedule_close(uow, selection)
        uow.emit(
            lambda s=selection, previous=previous: c.PublicNoticeRescheduledV1(
                **list_fields(s),
                ends_on=s.notice_ends_on,
                previous_ends_on=previous,
                ends_provisionally=s.notice_ends_provisionally,
                calendar_revision=revision,
            )
        )
        moved.append(selection)
    return moved


async def publish_final(
    list_id: uuid.UUID,
    cmd: PublishFinalList,
    p: Principal,
    uow: AgreementsUnitOfWork,
    terms: AgreementTerms = DEFAULT_TERMS,
):
    """The four departments publish the final list (四部门联合发文) — once the notice closed and every objection
    was resolved (R-F7). Each person on it gets a draft tripartite agreement (R-F8)."""
    selection = await get_list(list_id, uow, for_update=True)
    selection.publish(cmd.document_number, cmd.published_on, await uow.objections.pending_count(list_id))
    for pair in await uow.pairs.many([e.pair_id for e in selection.active_entries()], EVERYTHING):
        await draft_for(pair, uow, terms)
    names = await Names.of(uow, selection.active_entries())
    uow.emit(
        lambda: c.FinalListPublishedV1(
            **list_fields(selection),
            document_number=cmd.document_number,
            published_on=cmd.published_on,
            entries=[names.entry_ref(e) for e in selection.active_entries()],
        )
    )
    await uow.record_audit(
        p, "list.published", "selection_list", str(list_id), {"document_number": cmd.document_number}
    )
    return selection


# ------------------------------------------------------------------ objections (R-F7)
async def public_list(list_id: uuid.UUID, uow: AgreementsUnitOfWork) -> m.SelectionList:
    """A list as the public may see it: only once it is (or was) on public notice."""
    selection = await uow.lists.get(list_id)
    if selection is None or selection.status not in PUBLIC_STATES:
        raise NotFound("公示不存在", code="NOTICE_NOT_FOUND")
    return selection


async def public_lists(uow: AgreementsUnitOfWork, page: PageParams) -> tuple[list[m.SelectionList], int]:
    """The lists on public notice now or before."""
    return await uow.lists.list(page, statuses=PUBLIC_STATES)


def client_fingerprint(client: str, salt: str) -> str:
    """Who filed, for the rate limit only: a salted hash of the address, never the address itself."""
    return hashlib.sha256(f"{salt}:{client}".encode()).hexdigest()


async def file_objection(
    list_id: uuid.UUID,
    cmd: FileObjection,
    sender: Principal,
    client_hash: str,
    uow: AgreementsUnitOfWork,
    *,
    per_hour: int,
    at: datetime | None = None,
) -> m.Objection:
    """Anyone may object to an entry during the notice; outside it the answer names the period (R-F7)."""
    at = at or utcnow()
    selection = await public_list(list_id, uow)
    if not selection.accepts_objections(at):
        raise Conflict(
            f"公示期为 {selection.notice_starts_on} 至 {selection.notice_ends_on}（{selection.notice_working_days} 个"
            "工作日），现不在公示期内，不受理异议",
            code="NOTICE_NOT_OPEN",
            extra={
                "notice_starts_on": str(selection.notice_starts_on),
                "notice_ends_on": str(selection.notice_ends_on),
                "rule_ids": ["R-F7"],
            },
        )
    entry = selection.entry_for(cmd.pair_id)
    if entry is None or not entry.active:
        raise ValidationFailed("公示名单中没有该人选", errors=[FieldError("pair_id", "公示名单中没有该人选")])
    if await uow.objections.filed_since(client_hash, at - timedelta(hours=1)) >= per_hour:
        raise TooManyRequests(
            f"同一来源每小时至多提交 {per_hour} 条异议，请稍后再试",
            code="TOO_MANY_OBJECTIONS",
            extra={"retry_after_s": 3600},
        )
    objection = m.Objection(
        id=uuid.uuid4(),
        list_id=list_id,
        pair_id=cmd.pair_id,
        text=cmd.text,
        objector_name=cmd.objector_name,
        contact=cmd.contact,
        client_hash=client_hash,
        filed_at=at,
    )
    uow.objections.add(objection)
    uow.emit(
        lambda: c.ObjectionFiledV1(
            **list_fields(selection) | {"occurred_at": at}, objection_id=objection.id, pair_id=cmd.pair_id
        )
    )
    await uow.record_audit(
        sender,
        "objection.filed",
        "objection",
        str(objection.id),
        {"list_id": str(list_id), "pair_id": str(cmd.pair_id)},
    )
    return objection


async def get_objection(objection_id: uuid.UUID, uow: AgreementsUnitOfWork, *, for_update: bool = False) -> m.Objection:
    objection = await uow.objections.get(objection_id, for_update=for_update)
    if objection is None:
        raise NotFound("异议不存在", code="OBJECTION_NOT_FOUND")
    return objection


async def resolve_objection(
    objection_id: uuid.UUID, outcome: m.ObjectionStatus, reason: str, p: Principal, uow: AgreementsUnitOfWork
) -> m.Objection:
    """Dismissed, or upheld — then the entry leaves the list (R-F7)."""
    objection = await get_objection(objection_id, uow, for_update=True)
    selection = await get_list(objection.list_id, uow, for_update=True)
    removed = selection.resolve_objection(objection, outcome, reason, p.subject)
    uow.emit(
        lambda: c.ObjectionResolvedV1(
            **list_fields(selection),
            objection_id=objection.id,
            pair_id=objection.pair_id,
            outcome=objection.status.value,
            reason=reason,
        )
    )
    if removed is not None:
        uow.emit(
            lambda: c.ListEntryRemovedV1(
                **list_fields(selection),
                **_entry_ids(removed),
                reason=removed.removal_reason or reason,
                by_objection_id=objection.id,
            )
        )
    await uow.record_audit(
        p, "objection.resolved", "objection", str(objection.id), {"outcome": outcome.value, "reason": reason}
    )
    return objection


async def list_objections(
    uow: AgreementsUnitOfWork,
    page: PageParams,
    *,
    list_id: uuid.UUID | None = None,
    status: m.ObjectionStatus | None = None,
) -> tuple[list[m.Objection], int]:
    return await uow.objections.list(page, list_id=list_id, status=status)


# ------------------------------------------------------------------ helpers
async def _calendar(uow: AgreementsUnitOfWork) -> tuple[WorkingCalendar, int]:
    return WorkingCalendar(await uow.calendar.arrangements()), await uow.calendar.revision()


async def _take_late_reports(selection: m.SelectionList, uow: AgreementsUnitOfWork) -> None:
    """A pair reported while the list was being drawn up is on it, even if its report raced the assembly."""
    for pair in await uow.pairs.reported_in_batch(selection.batch_id):
        selection.take_reported(pair)


def _entry_ids(entry: m.ListEntry) -> dict:
    return {"pair_id": entry.pair_id, "researcher_id": entry.researcher_id, "need_id": entry.need_id}
