"""Agreements' rules on a fake unit of work (milliseconds): negotiation and its joint report (R-F5, R-F4), the
province's remove-only list (R-F6), and the notice with its objections and calendar (R-F7)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from services.agreements.domain import model as m
from services.agreements.domain.calendar import YearArrangement
from services.agreements.domain.commands import (
    ApproveList,
    FileObjection,
    LoadCalendarYear,
    OpenNotice,
    PublishFinalList,
    RecordIntent,
    ScheduleMeeting,
)
from services.agreements.service_layer import calendar, negotiation, projections, selection
from shared.auth import Bureau, Principal, Role
from shared.domain import RuleViolation, StateConflict
from shared.errors import Conflict, Forbidden, NotFound, TooManyRequests, ValidationFailed
from shared.events import contracts as c
from shared.statemachine import IllegalTransition
from shared.vocabulary import CooperationForm, Programme
from tests.fakes import agreements_uow

HARBIN, QIQIHAR = "230100", "230200"
KJJ = Principal(subject="kjj", role=Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.SCIENCE_TECH)
GXJ = Principal(subject="gxj", role=Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.INDUSTRY_IT)
QQHR_KJJ = Principal(subject="qq", role=Role.CITY_BUREAU, city_code=QIQIHAR, bureau=Bureau.SCIENCE_TECH)
SASAC = Principal(subject="sasac", role=Role.SASAC)
PROVINCE = Principal(subject="province", role=Role.PROVINCE)
PUBLIC = Principal(subject="public:abc", role=Role.PUBLIC)
BATCH = uuid.uuid4()
INTENT = RecordIntent("联合攻关寒地玉米秸秆低温发酵菌种", (CooperationForm.JOINT_RD,), date(2027, 3, 1))
MEETING_AT = datetime(2026, 12, 10, 9, 30, tzinfo=UTC)
YEARS = [
    YearArrangement(
        y,
        {d: str(h) for d, h in chinese_calendar.holidays.items() if d.year == y},
        {d: str(h) for d, h in chinese_calendar.workdays.items() if d.year == y},
    )
    for y in (2025, 2026)
]


def pair(*, city: str = HARBIN, soe: bool = False, programme: Programme = Programme.CHIEF_TECHNOLOGIST, **kw) -> m.Pair:
    return m.Pair(
        id=uuid.uuid4(), entry_id=uuid.uuid4(), need_id=kw.pop("need_id", uuid.uuid4()), researcher_id=uuid.uuid4(),
        institution_id=uuid.uuid4(), enterprise_id="91230100MA1B2C3D49", city_code=city, is_soe=soe,
        programme=programme, **kw,
    )  # fmt: skip


def need_of(p: m.Pair) -> m.NeedCopy:
    return m.NeedCopy(p.need_id, p.enterprise_id, p.city_code, p.is_soe, p.programme, "需求", "reported", BATCH, 2026)


def with_needs(*pairs: m.Pair, calendar_years=YEARS):
    return agreements_uow(*pairs, *[need_of(p) for p in pairs], calendar=calendar_years)


async def scheduled(uow, by: Principal, *pairs: m.Pair) -> m.Meeting:
    return await negotiation.schedule_meeting(
        ScheduleMeeting(tuple(p.id for p in pairs), MEETING_AT, "会议室"), by, uow
    )


def answered(answer: str, **extra) -> c.CandidateAnsweredV1:
    return c.CandidateAnsweredV1(
        need_id=uuid.uuid4(), entry_id=uuid.uuid4(), researcher_id=uuid.uuid4(), institution_id=uuid.uuid4(),
        enterprise_id="91230100MA1B2C3D49", city_code=HARBIN, is_soe=False, programme=Programme.CHIEF_TECHNOLOGIST,
        proposal_version=1, occurred_at=datetime.now(UTC), answer=answer, **extra,
    )  # fmt: skip


# ------------------------------------------------------------------ R-F5: who is negotiated, by whom
async def test_R_F5_a_willing_candidate_or_the_unit_s_substitute_becomes_a_pair_to_negotiate() -> None:
    uow = agreements_uow()
    willing = answered("willing")
    await projections.on_candidate_answered(uow, None, willing)
    await projections.on_candidate_answered(uow, None, willing)  # the same entry twice: one pair
    substitute_entry, substitute = uuid.uuid4(), uuid.uuid4()
    await projections.on_candidate_answered(
        uow,
        None,
        answered("propose_another", substitute_entry_id=substitute_entry, substitute_researcher_id=substitute),
    )
    await projections.on_candidate_answered(uow, None, answered("unwilling", reason="教学任务"))
    pairs = sorted(uow.pairs.items.values(), key=lambda p: p.researcher_id == substitute)
    assert [(p.researcher_id, p.entry_id, p.status) for p in pairs] == [
        (willing.researcher_id, willing.entry_id, m.PairStatus.TO_NEGOTIATE),
        (substitute, substitute_entry, m.PairStatus.TO_NEGOTIATE),
    ]


async def test_R_F5_a_city_organises_its_own_pairs_never_another_city_s_nor_an_soe_s() -> None:
    harbin, qiqihar, soe = pair(), pair(city=QIQIHAR), pair(soe=True)
    uow = with_needs(harbin, qiqihar, soe)
    with pytest.raises(NotFound):  # another city's pair does not exist for Harbin
        await scheduled(uow, KJJ, qiqihar)
    with pytest.raises(NotFound):  # an SOE's pair is SASAC's
        await scheduled(uow, KJJ, soe)
    meeting = await scheduled(uow, KJJ, harbin)
    assert (meeting.organised_by, harbin.status, harbin.meeting_id) == ("science_tech", m.PairStatus.SCHEDULED,
                                                                       meeting.id)  # fmt: skip
    sasac_meeting = await scheduled(uow, SASAC, soe)
    assert sasac_meeting.is_soe and sasac_meeting.organised_by == "sasac"
    await uow.commit()
    assert uow.event_types() == ["scheduled", "scheduled"]


async def test_R_F5_a_commissioner_meeting_is_the_science_bureau_s_and_one_meeting_is_one_programme() -> None:
    commissioner, chief = pair(programme=Programme.COMMISSIONER), pair()
    uow = with_needs(commissioner, chief)
    with pytest.raises(Forbidden):
        await scheduled(uow, GXJ, commissioner)
    with pytest.raises(RuleViolation) as mixed:
        await scheduled(uow, KJJ, commissioner, chief)
    assert mixed.value.failures[0].rule_id == "R-F5"
    await scheduled(uow, KJJ, commissioner)


async def test_R_F5_a_cancelled_meeting_frees_its_pairs_and_an_outcome_then_is_a_409_naming_the_state() -> None:
    first, second = pair(), pair()
    uow = with_needs(first, second)
    meeting = await scheduled(uow, GXJ, first, second)
    await negotiation.cancel_meeting(meeting.id, "企业负责人出差", KJJ, uow)
    assert {first.status, second.status} == {m.PairStatus.TO_NEGOTIATE}
    with pytest.raises(IllegalTransition) as refused:
        await negotiation.record_intent(first.id, INTENT, KJJ, uow)
    assert refused.value.extra["current_state"] == "to_negotiate" and "待洽谈" in refused.value.detail


async def test_R_F5_no_intent_frees_the_candidate_with_an_event_matching_reads() -> None:
    p = pair()
    uow = with_needs(p)
    await scheduled(uow, KJJ, p)
    await negotiation.record_no_intent(p.id, "合作方向不一致", KJJ, uow)
    await uow.commit()
    failed = uow.events[-1]
    assert isinstance(failed, c.NegotiationFailedV1)
    assert (failed.entry_id, failed.reason, p.status) == (p.entry_id, "合作方向不一致", m.PairStatus.NO_INTENT)


# ------------------------------------------------------------------ R-F5: the joint report; R-F4
async def reached(uow, p: m.Pair, by: Principal = KJJ) -> None:
    await scheduled(uow, by, p)
    await negotiation.record_intent(p.id, INTENT, by, uow)


async def test_R_F5_a_chief_technologist_intent_reaches_the_province_when_both_bureaus_confirmed() -> None:
    p = pair()
    uow = with_needs(p)
    await reached(uow, p)
    await negotiation.report_intent(p.id, KJJ, uow)
    assert (p.status, p.confirmations) == (m.PairStatus.INTENT_REACHED, ["science_tech"])
    with pytest.raises(StateConflict) as twice:
        await negotiation.report_intent(p.id, KJJ, uow)
    assert twice.value.code == "ALREADY_CONFIRMED"
    await negotiation.report_intent(p.id, GXJ, uow)
    assert (p.status, p.batch_id) == (m.PairStatus.REPORTED, BATCH)
    await uow.commit()
    reported = [e for e in uow.events if isinstance(e, c.IntentReportedToProvinceV1)]
    assert len(reported) == 1 and reported[0].mode == "review"
    assert sorted(reported[0].confirmations) == ["industry_it", "science_tech"]


async def test_R_F5_an_soe_intent_is_reported_by_sasac_alone() -> None:
    p = pair(soe=True)
    uow = with_needs(p)
    await reached(uow, p, SASAC)
    await negotiation.report_intent(p.id, SASAC, uow)
    assert p.status is m.PairStatus.REPORTED


async def test_R_F4_an_soe_s_commissioner_intent_is_filed_by_sasac_once_the_application_is_approved() -> None:
    p = pair(soe=True, programme=Programme.COMMISSIONER)
    uow = with_needs(p)
    await reached(uow, p, SASAC)
    with pytest.raises(RuleViolation) as refused:
        await negotiation.report_intent(p.id, SASAC, uow)
    assert refused.value.failures[0].rule_id == "R-F4"
    await uow.applications.record(uuid.uuid4(), p.researcher_id, BATCH, "approved")
    await negotiation.report_intent(p.id, SASAC, uow)
    assert p.status is m.PairStatus.FILED


async def test_R_F4_a_commissioner_pair_is_filed_only_once_the_unit_approved_the_application() -> None:
    p = pair(programme=Programme.COMMISSIONER)
    uow = with_needs(p)
    await reached(uow, p)
    with pytest.raises(RuleViolation) as refused:
        await negotiation.report_intent(p.id, KJJ, uow)
    assert refused.value.code == "APPLICATION_NOT_APPROVED" and refused.value.failures[0].rule_id == "R-F4"
    await uow.applications.record(uuid.uuid4(), p.researcher_id, BATCH, "approved")
    await negotiation.report_intent(p.id, KJJ, uow)  # the 科技局 alone files it (R-F8)
    await uow.commit()
    filed = [e for e in uow.events if isinstance(e, c.IntentReportedToProvinceV1)]
    assert p.status is m.PairStatus.FILED and [e.mode for e in filed] == ["filing"]
    assert [type(e).__name__ for e in uow.events][-1] == "AgreementDraftedV1"  # the agreement follows at once (R-F8)


# ------------------------------------------------------------------ R-F6: the province's list
async def reported_pairs(uow, *pairs: m.Pair) -> None:
    for p in pairs:
        await reached(uow, p)
        await negotiation.report_intent(p.id, KJJ, uow)
        await negotiation.report_intent(p.id, GXJ, uow)


async def test_R_F6_the_list_holds_exactly_the_reported_intents_and_the_province_may_remove_never_add() -> None:
    kept, removed, never_reported = pair(), pair(), pair()
    uow = with_needs(kept, removed, never_reported)
    await reported_pairs(uow, kept, removed)
    selection_list = await selection.assemble_list(BATCH, PROVINCE, uow)
    assert {e.pair_id for e in selection_list.entries} == {kept.id, removed.id}

    await selection.remove_entry(selection_list.id, removed.id, "与其他人选服务领域重复", PROVINCE, uow)
    with pytest.raises(RuleViolation) as added:
        await selection.restore_entry(selection_list.id, never_reported.id, "补充", PROVINCE, uow)
    assert added.value.code == "LIST_ADDITION_FORBIDDEN" and added.value.failures[0].rule_id == "R-F6"
    await selection.restore_entry(selection_list.id, removed.id, "经复核保留", PROVINCE, uow)
    await selection.remove_entry(selection_list.id, removed.id, "经复核调减", PROVINCE, uow)
    assert [e.pair_id for e in selection_list.active_entries()] == [kept.id]

    await selection.approve_list(selection_list.id, ApproveList(date(2026, 12, 15), "党组会纪要〔2026〕21号"), PROVINCE,
                                 uow)  # fmt: skip
    with pytest.raises(IllegalTransition) as late:  # undoing a removal ends with the approval
        await selection.restore_entry(selection_list.id, removed.id, "再议", PROVINCE, uow)
    assert late.value.extra["current_state"] == "approved"
    await uow.commit()
    kinds = [type(e).__name__ for e in uow.events if isinstance(e, c._ListEvent)]
    assert kinds == ["ListEntryRemovedV1", "ListEntryRestoredV1", "ListEntryRemovedV1", "ProvinceListApprovedV1"]


async def test_R_F6_only_an_approved_list_goes_to_notice_and_a_commissioner_filing_is_not_reviewed() -> None:
    chief = pair()
    uow = with_needs(chief)
    await reported_pairs(uow, chief)
    chief_list = await selection.assemble_list(BATCH, PROVINCE, uow)
    with pytest.raises(IllegalTransition) as early:
        await selection.open_notice(chief_list.id, OpenNotice(), PROVINCE, uow, today=date(2026, 12, 1))
    assert early.value.extra["current_state"] == "draft" and early.value.extra["allowed_states"] == ["approved"]

    filing = m.SelectionList(id=uuid.uuid4(), batch_id=uuid.uuid4(), programme=Programme.COMMISSIONER)
    commissioner = pair(programme=Programme.COMMISSIONER, status=m.PairStatus.FILED, batch_id=filing.batch_id)
    filing.take_reported(commissioner)
    uow.lists.add(filing)
    with pytest.raises(RuleViolation) as reviewed:
        await selection.remove_entry(filing.id, commissioner.id, "调减", PROVINCE, uow)
    assert reviewed.value.code == "LIST_IS_A_FILING"
    opened = await selection.open_notice(filing.id, OpenNotice(), PROVINCE, uow, today=date(2026, 12, 1))
    assert opened.status is m.ListStatus.IN_NOTICE


# ------------------------------------------------------------------ R-F7: notice, objections, final list
async def noticed(today: date = date(2026, 12, 1), *, years=YEARS) -> tuple:
    p = pair()
    uow = with_needs(p, calendar_years=years)
    await reported_pairs(uow, p)
    lst = await selection.assemble_list(BATCH, PROVINCE, uow)
    await selection.approve_list(lst.id, ApproveList(date(2026, 11, 30), "党组会纪要〔2026〕20号"), PROVINCE, uow)
    await selection.open_notice(lst.id, OpenNotice(), PROVINCE, uow, today=today)
    return uow, lst, p


def objection(p: m.Pair) -> FileObjection:
    return FileObjection(p.id, "该同志已在其他企业兼职，服务时间无法保证。", "张三", "13800000000")


async def test_R_F7_the_notice_runs_five_working_days_and_a_timer_closes_it_at_the_end_of_the_last() -> None:
    uow, lst, _ = await noticed(date(2026, 12, 1))  # Tuesday
    assert (lst.notice_starts_on, lst.notice_ends_on, lst.notice_ends_provisionally) == (
        date(2026, 12, 1), date(2026, 12, 7), False)  # fmt: skip
    ((kind, key), (due, _)) = next(iter(uow.timers.scheduled.items()))
    assert (kind, key) == (selection.NOTICE_CLOSES, f"{lst.id}:r1")
    assert due == datetime(2026, 12, 8, 0, 0, tzinfo=m.CHINA)
    with pytest.raises(ValidationFailed):  # a notice never starts in the past
        await selection.open_notice(lst.id, OpenNotice(starts_on=date(2026, 11, 30)), PROVINCE, uow,
                                    today=date(2026, 12, 1))  # fmt: skip


async def test_R_F7_objections_inside_the_period_only_with_the_period_named_and_a_rate_limit() -> None:
    uow, lst, p = await noticed()
    inside = datetime(2026, 12, 7, 15, 59, tzinfo=UTC)  # 23:59 China time on the last day
    filed = await selection.file_objection(lst.id, objection(p), PUBLIC, "h", uow, per_hour=2, at=inside)
    assert filed.status is m.ObjectionStatus.PENDING
    await selection.file_objection(lst.id, objection(p), PUBLIC, "h", uow, per_hour=2, at=inside)
    with pytest.raises(TooManyRequests):
        await selection.file_objection(lst.id, objection(p), PUBLIC, "h", uow, per_hour=2, at=inside)
    after = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # 00:00 China time the next day
    with pytest.raises(Conflict) as outside:
        await selection.file_objection(lst.id, objection(p), PUBLIC, "other", uow, per_hour=2, at=after)
    assert outside.value.code == "NOTICE_NOT_OPEN" and "2026-12-01 至 2026-12-07" in outside.value.detail
    with pytest.raises(ValidationFailed):  # an entry not on the list
        await selection.file_objection(lst.id, objection(pair()), PUBLIC, "x", uow, per_hour=2, at=inside)


async def test_R_F7_the_final_list_waits_for_every_objection_and_an_upheld_one_removes_its_entry() -> None:
    uow, lst, p = await noticed()
    inside = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    first = await selection.file_objection(lst.id, objection(p), PUBLIC, "a", uow, per_hour=5, at=inside)
    second = await selection.file_objection(lst.id, objection(p), PUBLIC, "b", uow, per_hour=5, at=inside)
    lst.close_notice()  # what the timer does at 24:00 of the last day
    final = PublishFinalList("黑科联发〔2026〕31号", date(2026, 12, 9))
    with pytest.raises(StateConflict) as pending:
        await selection.publish_final(lst.id, final, PROVINCE, uow)
    assert pending.value.code == "OBJECTIONS_PENDING" and "2 条异议" in pending.value.detail
    await selection.resolve_objection(first.id, m.ObjectionStatus.DISMISSED, "经核实不属实", PROVINCE, uow)
    await selection.resolve_objection(second.id, m.ObjectionStatus.UPHELD, "兼职属实", PROVINCE, uow)
    with pytest.raises(IllegalTransition):
        await selection.resolve_objection(second.id, m.ObjectionStatus.DISMISSED, "改判", PROVINCE, uow)
    assert lst.entry_for(p.id).active is False and lst.entry_for(p.id).removed_by_objection_id == second.id
    await selection.publish_final(lst.id, final, PROVINCE, uow)
    await uow.commit()
    published = uow.events[-1]
    assert isinstance(published, c.FinalListPublishedV1) and published.entries == []


async def test_R_F7_the_timer_closes_the_notice_once_its_moment_passed() -> None:
    from shared.jobs.timers import Timer

    uow, lst, _ = await noticed(date.today())
    timer = Timer(1, selection.NOTICE_CLOSES, selection.closing_timer_key(lst), datetime.now(UTC), {})
    await selection.close_notice(uow, timer)  # early (the end moved later): stays open, looks again then
    assert lst.status is m.ListStatus.IN_NOTICE
    lst.notice_ends_on = date.today() - timedelta(days=1)
    await selection.close_notice(uow, timer)
    await selection.close_notice(uow, timer)  # a second firing changes nothing
    await uow.commit()
    assert lst.status is m.ListStatus.NOTICE_CLOSED
    assert [type(e).__name__ for e in uow.events].count("PublicNoticeClosedV1") == 1


async def test_R_F7_a_notice_reaching_an_unpublished_year_is_provisional_and_recomputed_when_it_is_loaded() -> None:
    uow, lst, _ = await noticed(date(2026, 12, 29))
    assert (lst.notice_ends_on, lst.notice_ends_provisionally, lst.calendar_revision) == (date(2027, 1, 4), True, 1)
    loaded = await calendar.load_year(
        LoadCalendarYear(2027, "国办发明电〔2026〕测试", tuple((date(2027, 1, d), "元旦") for d in (1, 2, 3)), ()),
        PROVINCE,
        uow,
    )
    assert loaded == {"year": 2027, "revision": 2, "notices_moved": 1}
    assert (lst.notice_ends_on, lst.notice_ends_provisionally, lst.calendar_revision) == (date(2027, 1, 5), False, 2)
    assert uow.timers.scheduled[(selection.NOTICE_CLOSES, f"{lst.id}:r2")][0] == datetime(2027, 1, 6, tzinfo=m.CHINA)
    await uow.commit()
    moved = uow.events[-1]
    assert isinstance(moved, c.PublicNoticeRescheduledV1)
    assert (moved.previous_ends_on, moved.ends_on, moved.calendar_revision) == (date(2027, 1, 4), date(2027, 1, 5), 2)
    with pytest.raises(RuleViolation):  # a day that cannot be is refused, nothing stored
        await calendar.load_year(LoadCalendarYear(2028, "x", ((date(2027, 5, 1), "劳动节"),), ()), PROVINCE, uow)


async def test_R_F7_fewer_than_five_working_days_is_refused_by_the_domain_too() -> None:
    lst = m.SelectionList(id=uuid.uuid4(), batch_id=BATCH, programme=Programme.COMMISSIONER)
    lst.take_reported(pair(programme=Programme.COMMISSIONER))
    with pytest.raises(RuleViolation) as short:
        lst.open_notice(date(2026, 12, 1), date(2026, 12, 4), 4, False, 1)
    assert short.value.failures[0].rule_id == "R-F7"
