"""Negotiation (对接洽谈, R-F5): meetings between enterprises and their willing candidates, their outcomes, and
the report of each intent to the province.

Who acts: the need's city bureaus — either for 总师, the 科技局 for 特派员 — or SASAC for a province-owned SOE.
Reporting an intent needs every required reporter's confirmation: 总师 the 科技局 and the 工信局 jointly, SOEs
SASAC; a 特派员 intent is filed by the 科技局, and only once the researcher's unit approved their application
for the batch (R-F4). A pair with no intent frees the candidate (``NegotiationFailed``: matching releases the
capacity and offers the next alternate).
"""

from __future__ import annotations

import uuid

from services.agreements.domain import model as m
from services.agreements.domain.commands import RecordIntent, RescheduleMeeting, ScheduleMeeting
from services.agreements.service_layer.appointments import draft_for
from services.agreements.service_layer.events import meeting_fields, pair_fields, pair_ref
from services.agreements.service_layer.scopes import meeting_scope, organiser_scope, pair_scope
from services.agreements.service_layer.terms import DEFAULT_TERMS, AgreementTerms
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from shared.auth import Principal
from shared.domain import RuleFailure, RuleViolation
from shared.errors import Conflict, Forbidden, NotFound
from shared.events import contracts as c
from shared.pagination import PageParams
from shared.scope import EVERYTHING
from shared.vocabulary import Role


def acting_as(p: Principal, pair: m.Pair | m.Meeting) -> str:
    """The caller's key as organiser and reporter of ``pair`` (R-F5): "sasac", or its bureau."""
    if pair.is_soe:
        if p.role is not Role.SASAC:
            raise Forbidden("省属国有企业的对接洽谈由省国资委组织和报送", code="ORGANISER_FORBIDDEN")
        return m.SASAC
    if p.role is not Role.CITY_BUREAU or p.bureau is None:
        raise Forbidden("对接洽谈由企业所在市（地）科技局、工信局组织和报送", code="ORGANISER_FORBIDDEN")
    if p.bureau.value not in m.organisers_allowed(pair.programme, pair.is_soe):
        raise Forbidden("企业科技特派员的见面洽谈会由市（地）科技局组织和报送", code="ORGANISER_FORBIDDEN")
    return p.bureau.value


# ------------------------------------------------------------------ reading
async def get_pair(pair_id: uuid.UUID, p: Principal, uow: AgreementsUnitOfWork, *, for_update: bool = False) -> m.Pair:
    pair = await uow.pairs.get(pair_id, pair_scope(p), for_update=for_update)
    if pair is None:
        raise NotFound("洽谈对象不存在或无权查看", code="PAIR_NOT_FOUND")
    return pair


async def list_pairs(p: Principal, uow: AgreementsUnitOfWork, page: PageParams, **filters) -> tuple[list[m.Pair], int]:
    return await uow.pairs.list(pair_scope(p), page, **filters)


async def get_meeting(
    meeting_id: uuid.UUID, p: Principal, uow: AgreementsUnitOfWork, *, for_update: bool = False
) -> m.Meeting:
    meeting = await uow.meetings.get(meeting_id, meeting_scope(p), for_update=for_update)
    if meeting is None:
        raise NotFound("见面洽谈会不存在或无权查看", code="MEETING_NOT_FOUND")
    return meeting


async def list_meetings(
    p: Principal, uow: AgreementsUnitOfWork, page: PageParams, status: m.MeetingStatus | None = None
) -> tuple[list[m.Meeting], int]:
    return await uow.meetings.list(meeting_scope(p), page, status=status)


async def meeting_pairs(meeting: m.Meeting, uow: AgreementsUnitOfWork, *, for_update: bool = False) -> list[m.Pair]:
    return await uow.pairs.many([uuid.UUID(i) for i in meeting.pair_ids], EVERYTHING, for_update=for_update)


# ------------------------------------------------------------------ meetings
async def schedule_meeting(cmd: ScheduleMeeting, p: Principal, uow: AgreementsUnitOfWork) -> m.Meeting:
    """The city (or SASAC) schedules a 见面洽谈会 for one or more of its pairs still to negotiate (R-F5)."""
    wanted = list(dict.fromkeys(cmd.pair_ids))
    pairs = await uow.pairs.many(wanted, organiser_scope(p), for_update=True)
    missing = [str(i) for i in wanted if i not in {x.id for x in pairs}]
    if missing:
        raise NotFound("洽谈对象不存在或无权组织", code="PAIR_NOT_FOUND", extra={"pair_ids": missing})
    organiser = {acting_as(p, pair) for pair in pairs}.pop()
    meeting = m.Meeting.plan(
        pairs, starts_at=cmd.starts_at, place=cmd.place, online_link=cmd.online_link, organised_by=organiser
    )
    uow.meetings.add(meeting)
    uow.emit(
        lambda: c.NegotiationScheduledV1(
            **meeting_fields(meeting),
            starts_at=meeting.starts_at,
            place=meeting.place,
            online_link=meeting.online_link,
            pairs=[pair_ref(x) for x in pairs],
        )
    )
    await uow.record_audit(
        p,
        "meeting.scheduled",
        "meeting",
        str(meeting.id),
        {"pair_ids": meeting.pair_ids, "starts_at": str(cmd.starts_at)},
    )
    return meeting


async def reschedule_meeting(
    meeting_id: uuid.UUID, cmd: RescheduleMeeting, p: Principal, uow: AgreementsUnitOfWork
) -> m.Meeting:
    meeting = await get_meeting(meeting_id, p, uow, for_update=True)
    acting_as(p, meeting)
    previous = meeting.reschedule(cmd.starts_at, cmd.place, cmd.online_link, cmd.reason)
    uow.emit(
        lambda: c.NegotiationRescheduledV1(
            **meeting_fields(meeting),
            starts_at=meeting.starts_at,
            previous_starts_at=previous,
            place=meeting.place,
            online_link=meeting.online_link,
            reason=cmd.reason,
        )
    )
    await uow.record_audit(
        p, "meeting.rescheduled", "meeting", str(meeting.id), {"from": str(previous), "to": str(cmd.starts_at),
                                                               "reason": cmd.reason}
    )  # fmt: skip
    return meeting


async def cancel_meeting(meeting_id: uuid.UUID, reason: str, p: Principal, uow: AgreementsUnitOfWork) -> m.Meeting:
    meeting = await get_meeting(meeting_id, p, uow, for_update=True)
    acting_as(p, meeting)
    released = meeting.cancel(reason, await meeting_pairs(meeting, uow, for_update=True))
    uow.emit(
        lambda: c.NegotiationCancelledV1(**meeting_fields(meeting), reason=reason, pair_ids=[x.id for x in released])
    )
    await uow.record_audit(p, "meeting.cancelled", "meeting", str(meeting.id), {"reason": reason})
    return meeting


# ------------------------------------------------------------------ outcomes
async def record_intent(pair_id: uuid.UUID, cmd: RecordIntent, p: Principal, uow: AgreementsUnitOfWork) -> m.Pair:
    """Intent reached (达成合作意向): the agreed content, form of cooperation and planned start (R-F5)."""
    pair = await _organised_pair(pair_id, p, uow)
    pair.reach_intent(cmd.cooperation_content, [str(f) for f in cmd.cooperation_forms], cmd.planned_start)
    meeting_id = pair.meeting_id
    uow.emit(
        lambda: c.NegotiationIntentReachedV1(
            **pair_fields(pair),
            meeting_id=meeting_id,
            cooperation_content=pair.cooperation_content,
            cooperation_forms=pair.cooperation_forms,
            planned_start=pair.planned_start,
        )
    )
    await uow.record_audit(
        p, "pair.intent_reached", "pair", str(pair.id), {"planned_start": str(cmd.planned_start),
                                                         "cooperation_forms": pair.cooperation_forms}
    )  # fmt: skip
    return pair


async def record_no_intent(pair_id: uuid.UUID, reason: str, p: Principal, uow: AgreementsUnitOfWork) -> m.Pair:
    """No intent (未达成意向), with the reason: the candidate is free again (event for matching)."""
    pair = await _organised_pair(pair_id, p, uow)
    meeting_id = pair.meeting_id
    pair.fail(reason)
    uow.emit(lambda: c.NegotiationFailedV1(**pair_fields(pair), meeting_id=meeting_id, reason=reason))
    await uow.record_audit(p, "pair.no_intent", "pair", str(pair.id), {"reason": reason})
    return pair


async def report_intent(
    pair_id: uuid.UUID, p: Principal, uow: AgreementsUnitOfWork, terms: AgreementTerms = DEFAULT_TERMS
) -> m.Pair:
    """Confirm the report of an intent to the province (R-F5). 总师: the 科技局 and the 工信局 both confirm; an SOE's
    intent SASAC reports; a 特派员 intent the 科技局 files — once the unit approved the application (R-F4)."""
    pair = await _organised_pair(pair_id, p, uow)
    reporter = acting_as(p, pair)
    need = await uow.needs.get(pair.need_id)
    if need is None or need.batch_id is None:
        raise Conflict("该需求的批次信息尚未同步到协议服务，请稍后重试", code="NEED_NOT_SYNCED")
    if pair.is_filing and not await uow.applications.approved(pair.researcher_id, need.batch_id):
        raise RuleViolation(
            "该科研人员的特派员申报（拟派出科研人员基本情况表）尚未经所在单位审核同意，不能报省科技厅备案",
            [RuleFailure("R-F4", "所在单位尚未审核同意该科研人员本批次的申报", "researcher_id")],
            code="APPLICATION_NOT_APPROVED",
        )
    reached = pair.confirm(reporter, need.batch_id)
    if reached:
        uow.emit(
            lambda: c.IntentReportedToProvinceV1(
                **pair_fields(pair),
                mode="filing" if pair.is_filing else "review",
                batch_id=pair.batch_id,
                confirmations=list(pair.confirmations),
            )
        )
        selection = await uow.lists.for_batch(need.batch_id, for_update=True)
        if selection is not None:
            selection.take_reported(pair)  # joins a list still being drawn up (R-F6: nothing is added later)
        if pair.is_filing:  # a filed 特派员 pair goes on to its agreement at once (R-F8)
            await draft_for(pair, uow, terms)
    await uow.record_audit(
        p, "pair.report_confirmed", "pair", str(pair.id), {"by": reporter, "status": pair.status.value}
    )
    return pair


async def _organised_pair(pair_id: uuid.UUID, p: Principal, uow: AgreementsUnitOfWork) -> m.Pair:
    pair = await uow.pairs.get(pair_id, organiser_scope(p), for_update=True)
    if pair is None:
        raise NotFound("洽谈对象不存在或无权查看", code="PAIR_NOT_FOUND")
    acting_as(p, pair)
    return pair
