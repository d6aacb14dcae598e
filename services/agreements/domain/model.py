"""Agreements' domain, part 1: from a willing candidate to the published list (R-F5, R-F6, R-F7). Plain Python.

- A **pair** (洽谈对象) is one need × one researcher whose unit answered "willing" (or proposed them instead,
  R-F3). Its city's bureaus — SASAC for a province-owned SOE — schedule it into a 见面洽谈会, record the outcome
  (intent reached, or not), and report the intent to the province (R-F5).
- A **meeting** (见面洽谈会) gathers one or more pairs of one city (or of SASAC's SOEs) and one programme.
- The **selection list** (拟选派名单) of a batch holds every reported pair; the province may remove entries
  but never add (R-F6), the party-group meeting approves it, it is publicly noticed for at least 5 working
  days (R-F7), objections are resolved, and the final list is published.
- An **objection** (异议) is filed by anyone during the notice against one entry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum

from shared.domain import RuleFailure, RuleViolation, StateConflict
from shared.statemachine import StateMachine, Transition
from shared.vocabulary import Bureau, Programme

CHINA = timezone(timedelta(hours=8))  # notices run by the calendar day in China
MIN_NOTICE_WORKING_DAYS = 5  # R-F7: 公示期不少于5个工作日


def now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------ copies of intake's records
@dataclass
class NeedCopy:
    """What agreements knows of a need (from intake's events): routing, batch and title."""

    id: uuid.UUID
    enterprise_id: str
    city_code: str
    is_soe: bool
    programme: Programme
    title: str
    status: str
    batch_id: uuid.UUID | None = None
    batch_year: int | None = None
    description: str | None = None
    cooperation_forms: list[str] = field(default_factory=list)
    conditions_offered: str | None = None


@dataclass
class ApplicationCopy:
    """A researcher's 特派员 application for a batch and its unit's decision (R-F4), from intake's events."""

    id: uuid.UUID
    researcher_id: uuid.UUID
    batch_id: uuid.UUID
    status: str  # submitted | approved | rejected

    @property
    def approved(self) -> bool:
        return self.status == "approved"


# ------------------------------------------------------------------ who reports a pair (R-F5)
SASAC = "sasac"


def reporters_required(programme: Programme, is_soe: bool) -> frozenset[str]:
    """Who must confirm an intent before it reaches the province (R-F5): SASAC for an SOE; for 总师 the city's
    科技局 and 工信局 jointly (like the need review of R-F1); for 特派员 the city's 科技局, which files it."""
    if is_soe:
        return frozenset({SASAC})
    if programme is Programme.CHIEF_TECHNOLOGIST:
        return frozenset({Bureau.SCIENCE_TECH.value, Bureau.INDUSTRY_IT.value})
    return frozenset({Bureau.SCIENCE_TECH.value})


def organisers_allowed(programme: Programme, is_soe: bool) -> frozenset[str]:
    """Who organises the meetings and records outcomes (R-F5): SASAC for SOEs, either city bureau for 总师
    (各市（地）科技局、工信局负责组织), the city's 科技局 for 特派员 (由市（地）科技局组织召开)."""
    return reporters_required(programme, is_soe)


# ------------------------------------------------------------------ pairs
class PairStatus(StrEnum):
    TO_NEGOTIATE = "to_negotiate"
    SCHEDULED = "scheduled"
    INTENT_REACHED = "intent_reached"
    NO_INTENT = "no_intent"
    REPORTED = "reported"
    FILED = "filed"


PAIR_LIFECYCLE: StateMachine[PairStatus] = StateMachine(
    "洽谈对象",
    {
        PairStatus.TO_NEGOTIATE: "待洽谈",
        PairStatus.SCHEDULED: "已安排见面洽谈",
        PairStatus.INTENT_REACHED: "已达成合作意向（待报送）",
        PairStatus.NO_INTENT: "未达成合作意向",
        PairStatus.REPORTED: "已报送省科技厅",
        PairStatus.FILED: "已报省科技厅备案",
    },
    [
        Transition("schedule", "安排见面洽谈", {PairStatus.TO_NEGOTIATE}, {PairStatus.SCHEDULED}),
        Transition("release", "取消洽谈安排", {PairStatus.SCHEDULED}, {PairStatus.TO_NEGOTIATE}),
        Transition("reach_intent", "记录达成合作意向", {PairStatus.SCHEDULED}, {PairStatus.INTENT_REACHED}),
        Transition("fail", "记录未达成合作意向", {PairStatus.SCHEDULED}, {PairStatus.NO_INTENT}),
        Transition(
            "confirm",
            "确认报送",
            {PairStatus.INTENT_REACHED},
            {PairStatus.INTENT_REACHED, PairStatus.REPORTED, PairStatus.FILED},
        ),
    ],
)


@dataclass
class Pair:
    """One need × researcher to negotiate (R-F5); scoped like the need: its city's bureaus, or SASAC."""

    id: uuid.UUID
    entry_id: uuid.UUID  # matching's candidate entry
    need_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    enterprise_id: str
    city_code: str
    is_soe: bool
    programme: Programme
    status: PairStatus = PairStatus.TO_NEGOTIATE
    meeting_id: uuid.UUID | None = None
    cooperation_content: str | None = None
    cooperation_forms: list[str] = field(default_factory=list)
    planned_start: date | None = None
    no_intent_reason: str | None = None
    confirmations: list[str] = field(default_factory=list)
    batch_id: uuid.UUID | None = None  # known once reported (from agreements' copy of the need)
    reported_at: datetime | None = None
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    version: int = 1

    def schedule(self, meeting_id: uuid.UUID) -> None:
        PAIR_LIFECYCLE.fire(self, "schedule")
        self.meeting_id = meeting_id
        self._touch()

    def release(self) -> None:
        """Its meeting was cancelled: to be negotiated again."""
        PAIR_LIFECYCLE.fire(self, "release")
        self.meeting_id = None
        self._touch()

    def reach_intent(self, content: str, forms: list[str], planned_start: date) -> None:
        PAIR_LIFECYCLE.fire(self, "reach_intent")
        self.cooperation_content, self.cooperation_forms, self.planned_start = content, list(forms), planned_start
        self._touch()

    def fail(self, reason: str) -> None:
        PAIR_LIFECYCLE.fire(self, "fail")
        self.no_intent_reason = reason
        self._touch()

    @property
    def required_confirmations(self) -> frozenset[str]:
        return reporters_required(self.programme, self.is_soe)

    @property
    def is_filing(self) -> bool:
        """特派员 intents are filed (备案) with the province, not reviewed (R-F8) — by the city's 科技局, or by
        SASAC for an SOE (which plays the city's part for its enterprises)."""
        return self.programme is Programme.COMMISSIONER

    def confirm(self, by: str, batch_id: uuid.UUID, on: datetime | None = None) -> bool:
        """One reporter confirms the intent; True when the last required one did and it reached the province."""
        PAIR_LIFECYCLE.require(self, "confirm")
        if by not in self.required_confirmations:
            raise StateConflict("该意向无需此单位确认", code="REPORTER_NOT_REQUIRED")
        if by in self.confirmations:
            raise StateConflict("本单位已确认报送该意向", code="ALREADY_CONFIRMED", current_state=str(self.status))
        self.confirmations = [*self.confirmations, by]
        complete = set(self.confirmations) >= self.required_confirmations
        target = (PairStatus.FILED if self.is_filing else PairStatus.REPORTED) if complete else self.status
        PAIR_LIFECYCLE.fire(self, "confirm", to=target)
        if complete:
            self.batch_id, self.reported_at = batch_id, on or now()
        self._touch()
        return complete

    def _touch(self) -> None:
        self.updated_at = now()


# ------------------------------------------------------------------ meetings
class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


MEETING_LIFECYCLE: StateMachine[MeetingStatus] = StateMachine(
    "见面洽谈会",
    {MeetingStatus.SCHEDULED: "已安排", MeetingStatus.CANCELLED: "已取消"},
    [
        Transition("reschedule", "改期", {MeetingStatus.SCHEDULED}, {MeetingStatus.SCHEDULED}),
        Transition("cancel", "取消", {MeetingStatus.SCHEDULED}, {MeetingStatus.CANCELLED}),
    ],
)


@dataclass
class Meeting:
    """A 见面洽谈会 between enterprises and their willing candidates (R-F5)."""

    id: uuid.UUID
    city_code: str
    is_soe: bool
    programme: Programme
    starts_at: datetime
    pair_ids: list[str]
    organised_by: str  # science_tech, industry_it or sasac
    place: str | None = None
    online_link: str | None = None
    status: MeetingStatus = MeetingStatus.SCHEDULED
    reschedules: list[dict] = field(default_factory=list)  # earlier times and places, with the reason
    cancel_reason: str | None = None
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    version: int = 1

    @classmethod
    def plan(
        cls,
        pairs: list[Pair],
        *,
        starts_at: datetime,
        place: str | None,
        online_link: str | None,
        organised_by: str,
    ) -> Meeting:
        """A meeting for ``pairs``: all of one city (or all SASAC's) and one programme, each still to negotiate."""
        if not pairs:
            raise RuleViolation("洽谈会至少要有一对洽谈对象", [RuleFailure("R-F5", "请选择洽谈对象", "pair_ids")])
        if len({(p.city_code, p.is_soe, p.programme) for p in pairs}) > 1:
            raise RuleViolation(
                "一场洽谈会只安排同一市（地）（或同为省属国企）、同一项目的洽谈对象",
                [RuleFailure("R-F5", "洽谈对象的所属地区或项目不一致", "pair_ids")],
            )
        if not (place or online_link):
            raise RuleViolation("请填写洽谈地点或线上会议链接", [RuleFailure("R-F5", "地点与链接至少填一项", "place")])
        first = pairs[0]
        meeting = cls(
            id=uuid.uuid4(),
            city_code=first.city_code,
            is_soe=first.is_soe,
            programme=first.programme,
            starts_at=starts_at,
            pair_ids=[str(p.id) for p in pairs],
            organised_by=organised_by,
            place=place,
            online_link=online_link,
        )
        for pair in pairs:
            pair.schedule(meeting.id)
        return meeting

    def reschedule(self, starts_at: datetime, place: str | None, online_link: str | None, reason: str) -> datetime:
        """Move it; returns the previous time. The earlier arrangement is kept in ``reschedules``."""
        MEETING_LIFECYCLE.fire(self, "reschedule")
        previous = self.starts_at
        self.reschedules = [
            *self.reschedules,
            {
                "starts_at": previous.isoformat(),
                "place": self.place,
                "online_link": self.online_link,
                "reason": reason,
                "changed_at": now().isoformat(),
            },
        ]
        self.starts_at = starts_at
        self.place = place if place is not None else self.place
        self.online_link = online_link if online_link is not None else self.online_link
        self.updated_at = now()
        return previous

    def cancel(self, reason: str, pairs: list[Pair]) -> list[Pair]:
        """Cancel it; its pairs still waiting for an outcome go back to "to negotiate". Returns those."""
        MEETING_LIFECYCLE.fire(self, "cancel")
        self.cancel_reason, self.updated_at = reason, now()
        released = [p for p in pairs if p.status is PairStatus.SCHEDULED and p.meeting_id == self.id]
        for pair in released:
            pair.release()
        return released


# ------------------------------------------------------------------ the province's list (R-F6, R-F7)
class ListStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    IN_NOTICE = "in_notice"
    NOTICE_CLOSED = "notice_closed"
    PUBLISHED = "published"


LIST_LIFECYCLE: StateMachine[ListStatus] = StateMachine(
    "选派名单",
    {
        ListStatus.DRAFT: "拟定中（省科技厅审核）",
        ListStatus.APPROVED: "已经党组会议审议",
        ListStatus.IN_NOTICE: "公示中",
        ListStatus.NOTICE_CLOSED: "公示期满",
        ListStatus.PUBLISHED: "已正式公布",
    },
    [
        Transition("remove", "移除名单中的人选", {ListStatus.DRAFT}, {ListStatus.DRAFT}),
        Transition("restore", "恢复已移除的人选", {ListStatus.DRAFT}, {ListStatus.DRAFT}),
        Transition("approve", "提交党组会议审议", {ListStatus.DRAFT}, {ListStatus.APPROVED}),
        Transition("open_notice", "开始公示", {ListStatus.APPROVED}, {ListStatus.IN_NOTICE}),
        Transition("open_filing_notice", "开始公示（备案名单）", {ListStatus.DRAFT}, {ListStatus.IN_NOTICE}),
        Transition("reschedule_notice", "重新计算公示截止日期", {ListStatus.IN_NOTICE}, {ListStatus.IN_NOTICE}),
        Transition("close_notice", "结束公示", {ListStatus.IN_NOTICE}, {ListStatus.NOTICE_CLOSED}),
        Transition(
            "resolve_objection",
            "处理公示异议",
            {ListStatus.IN_NOTICE, ListStatus.NOTICE_CLOSED},
            {ListStatus.IN_NOTICE, ListStatus.NOTICE_CLOSED},
        ),
        Transition("publish", "正式公布", {ListStatus.NOTICE_CLOSED}, {ListStatus.PUBLISHED}),
    ],
)


@dataclass
class ListEntry:
    """One reported pair on a batch's list; ``active`` False once removed (the removal stays visible)."""

    id: uuid.UUID
    list_id: uuid.UUID
    pair_id: uuid.UUID
    need_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    enterprise_id: str
    city_code: str
    is_soe: bool
    active: bool = True
    removal_reason: str | None = None
    removed_by_objection_id: uuid.UUID | None = None
    updated_at: datetime = field(default_factory=now)

    @classmethod
    def of(cls, list_id: uuid.UUID, pair: Pair) -> ListEntry:
        return cls(
            id=uuid.uuid4(),
            list_id=list_id,
            pair_id=pair.id,
            need_id=pair.need_id,
            researcher_id=pair.researcher_id,
            institution_id=pair.institution_id,
            enterprise_id=pair.enterprise_id,
            city_code=pair.city_code,
            is_soe=pair.is_soe,
        )


class ListAdditionForbidden(RuleViolation):
    """R-F6: the province reviews the proposed list and may remove, never add (原则上调减不调增)."""

    code = "LIST_ADDITION_FORBIDDEN"


@dataclass
class SelectionList:
    """A batch's list (拟选派名单 → 选派名单) from its reported pairs (R-F6) through its public notice (R-F7)."""

    id: uuid.UUID
    batch_id: uuid.UUID
    programme: Programme
    status: ListStatus = ListStatus.DRAFT
    entries: list[ListEntry] = field(default_factory=list)
    approved_meeting_date: date | None = None
    minutes_reference: str | None = None
    notice_starts_on: date | None = None
    notice_ends_on: date | None = None
    notice_working_days: int | None = None
    notice_ends_provisionally: bool = False
    calendar_revision: int | None = None
    document_number: str | None = None
    published_on: date | None = None
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    version: int = 1

    @property
    def reviewed(self) -> bool:
        """总师 lists are reviewed and approved by the province (R-F6); 特派员 lists are filings (R-F8)."""
        return self.programme is Programme.CHIEF_TECHNOLOGIST

    def active_entries(self) -> list[ListEntry]:
        return [e for e in self.entries if e.active]

    def entry_for(self, pair_id: uuid.UUID) -> ListEntry | None:
        return next((e for e in self.entries if e.pair_id == pair_id), None)

    def take_reported(self, pair: Pair) -> ListEntry | None:
        """A pair reported to the province joins its batch's list while the list is still being drawn up; later
        reports do not (nothing is added to a list once approved or noticed, R-F6)."""
        if self.status is not ListStatus.DRAFT or self.entry_for(pair.id) is not None:
            return None
        entry = ListEntry.of(self.id, pair)
        self.entries.append(entry)
        self._touch()
        return entry

    def remove(self, pair_id: uuid.UUID, reason: str) -> ListEntry:
        """The province removes an entry (调减, R-F6), with its reason."""
        if not self.reviewed:
            raise RuleViolation(
                "特派员名单由市（地）科技局报省科技厅备案，省科技厅不调整名单（公示期间的异议除外）",
                [RuleFailure("R-F8", "特派员名单为备案，不审核调减", "pair_id")],
                code="LIST_IS_A_FILING",
            )
        LIST_LIFECYCLE.require(self, "remove")
        entry = self._entry(pair_id)
        if not entry.active:
            raise StateConflict("该人选已从名单移除", code="ENTRY_ALREADY_REMOVED", current_state="removed")
        entry.active, entry.removal_reason, entry.updated_at = False, reason, now()
        self._touch()
        return entry

    def restore(self, pair_id: uuid.UUID, reason: str) -> ListEntry:
        """Undo a removal until the list is approved (R-F6). A pair that was never on the list cannot be added."""
        LIST_LIFECYCLE.require(self, "restore")
        entry = self.entry_for(pair_id)
        if entry is None:
            raise ListAdditionForbidden(
                "拟选派名单原则上调减不调增：只能恢复曾被移除的人选，不能增加未经市（地）报送的人选",
                [RuleFailure("R-F6", "该洽谈对象不在名单中（未报送省科技厅）", "pair_id")],
            )
        if entry.active:
            raise StateConflict("该人选在名单中，无需恢复", code="ENTRY_NOT_REMOVED", current_state="active")
        entry.active, entry.removal_reason, entry.updated_at = True, None, now()
        self._touch()
        return entry

    def approve(self, meeting_date: date, minutes_reference: str) -> None:
        """The department's party-group meeting approved the list (R-F6)."""
        if not self.reviewed:
            raise StateConflict("特派员名单为备案，无需党组会议审议，可直接公示", code="LIST_IS_A_FILING")
        if not self.active_entries():
            raise StateConflict("名单为空，不能提交审议", code="LIST_EMPTY", current_state=str(self.status))
        LIST_LIFECYCLE.fire(self, "approve")
        self.approved_meeting_date, self.minutes_reference = meeting_date, minutes_reference
        self._touch()

    def open_notice(self, starts_on: date, ends_on: date, working_days: int, provisional: bool, revision: int) -> None:
        """Publish the list for objections (R-F7): a 总师 list once approved (R-F6), a 特派员 filing at once."""
        action = "open_notice" if self.reviewed else "open_filing_notice"
        LIST_LIFECYCLE.require(self, action)
        if working_days < MIN_NOTICE_WORKING_DAYS:
            raise RuleViolation(
                f"公示期不少于 {MIN_NOTICE_WORKING_DAYS} 个工作日",
                [RuleFailure("R-F7", f"公示期不少于 {MIN_NOTICE_WORKING_DAYS} 个工作日", "working_days")],
            )
        if not self.active_entries():
            raise StateConflict("名单为空，不能公示", code="LIST_EMPTY", current_state=str(self.status))
        LIST_LIFECYCLE.fire(self, action)
        self.notice_starts_on, self.notice_working_days = starts_on, working_days
        self._set_end(ends_on, provisional, revision)

    def reschedule_notice(self, ends_on: date, provisional: bool, revision: int) -> date:
        """A year's arrangement was loaded: the end is recomputed. Returns the previous end."""
        LIST_LIFECYCLE.fire(self, "reschedule_notice")
        previous = self.notice_ends_on
        assert previous is not None
        self._set_end(ends_on, provisional, revision)
        return previous

    def notice_window(self) -> tuple[datetime, datetime]:
        """From 00:00 of the first day to 24:00 of the last working day, China time."""
        assert self.notice_starts_on is not None and self.notice_ends_on is not None
        start = datetime.combine(self.notice_starts_on, time(0), CHINA)
        end = datetime.combine(self.notice_ends_on + timedelta(days=1), time(0), CHINA)
        return start, end

    def accepts_objections(self, at: datetime) -> bool:
        if self.status is not ListStatus.IN_NOTICE:
            return False
        start, end = self.notice_window()
        return start <= at < end

    def close_notice(self) -> None:
        LIST_LIFECYCLE.fire(self, "close_notice")
        self._touch()

    def resolve_objection(
        self, objection: Objection, outcome: ObjectionStatus, reason: str, by: str
    ) -> ListEntry | None:
        """The province resolves an objection during or after the notice (R-F7); an upheld one takes its entry off
        the list. Returns the entry removed, if any."""
        LIST_LIFECYCLE.fire(self, "resolve_objection", to=self.status)
        objection.resolve(outcome, reason, by)
        removed = None
        if outcome is ObjectionStatus.UPHELD:
            entry = self._entry(objection.pair_id)
            if entry.active:
                entry.active, entry.updated_at = False, now()
                entry.removal_reason, entry.removed_by_objection_id = f"公示异议成立：{reason}", objection.id
                removed = entry
        self._touch()
        return removed

    def publish(self, document_number: str, published_on: date, objections_pending: int) -> None:
        """The four departments publish the final list — only once every objection is resolved (R-F7)."""
        LIST_LIFECYCLE.require(self, "publish")
        if objections_pending:
            raise StateConflict(
                f"还有 {objections_pending} 条异议未处理，处理完毕后才能正式公布名单",
                code="OBJECTIONS_PENDING",
                current_state=str(self.status),
                objections_pending=objections_pending,
            )
        LIST_LIFECYCLE.fire(self, "publish")
        self.document_number, self.published_on = document_number, published_on
        self._touch()

    def _entry(self, pair_id: uuid.UUID) -> ListEntry:
        entry = self.entry_for(pair_id)
        if entry is None:
            raise ListAdditionForbidden(
                "该洽谈对象不在名单中", [RuleFailure("R-F6", "名单中没有该洽谈对象", "pair_id")]
            )
        return entry

    def _set_end(self, ends_on: date, provisional: bool, revision: int) -> None:
        self.notice_ends_on, self.notice_ends_provisionally, self.calendar_revision = ends_on, provisional, revision
        self._touch()

    def _touch(self) -> None:
        self.updated_at = now()


# ------------------------------------------------------------------ objections (R-F7)
class ObjectionStatus(StrEnum):
    PENDING = "pending"
    DISMISSED = "dismissed"
    UPHELD = "upheld"


OBJECTION_LIFECYCLE: StateMachine[ObjectionStatus] = StateMachine(
    "异议",
    {ObjectionStatus.PENDING: "待处理", ObjectionStatus.DISMISSED: "异议不成立", ObjectionStatus.UPHELD: "异议成立"},
    [Transition("resolve", "处理", {ObjectionStatus.PENDING}, {ObjectionStatus.DISMISSED, ObjectionStatus.UPHELD})],
)


@dataclass
class Objection:
    """An objection to one entry, filed by anyone during the notice; the objector is never shown publicly."""

    id: uuid.UUID
    list_id: uuid.UUID
    pair_id: uuid.UUID
    text: str
    objector_name: str
    contact: str
    client_hash: str  # who sent it, hashed: for the rate limit, not for display
    status: ObjectionStatus = ObjectionStatus.PENDING
    resolution_reason: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    filed_at: datetime = field(default_factory=now)

    def resolve(self, outcome: ObjectionStatus, reason: str, by: str) -> None:
        OBJECTION_LIFECYCLE.fire(self, "resolve", to=outcome)
        self.resolution_reason, self.resolved_by, self.resolved_at = reason, by, now()


LABELS: list[dict] = [
    PAIR_LIFECYCLE.states,
    MEETING_LIFECYCLE.states,
    LIST_LIFECYCLE.states,
    OBJECTION_LIFECYCLE.states,
]
