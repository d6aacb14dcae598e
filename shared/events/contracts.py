"""Payload models of every public event. JSON Schemas in ``docs/events/`` are exported from these.

Change rules: adding an optional field keeps ``.v1``; removing, renaming or retyping a field needs
a new class with ``.v2`` (and both are published during the migration window).

Registry events (institution, researcher, enterprise) carry the full snapshot and its ``version``,
so a consumer keeps its own copy by keeping the highest version it has seen.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.envelope import TYPE_PREFIX, EventPayload
from shared.events.topics import (
    AGREEMENTS_AGREEMENT,
    AGREEMENTS_NEGOTIATION,
    AGREEMENTS_SELECTION,
    EVALUATION_EVALUATION,
    INTAKE_ENTERPRISE,
    INTAKE_INSTITUTION,
    INTAKE_NEED,
    INTAKE_RESEARCHER,
    MATCHING_CANDIDATE,
)
from shared.vocabulary import Programme


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


# ------------------------------------------------------------------ snapshots
class InstitutionSnapshot(_Part):
    institution_id: uuid.UUID
    name: str
    kind: str = Field(description="university | research_institute")
    affiliation: str = Field(description="provincial 省属 | ministerial 部属 | other (R-U1)")
    city_code: str | None = Field(description="None: outside Heilongjiang (R-U1)")
    master_degree_disciplines: list[str] = Field(description="R-U2")
    first_class_disciplines: list[str] = Field(description="R-U2")
    version: int


class AchievementSnapshot(_Part):
    achievement_id: uuid.UUID
    kind: str = Field(description="paper | patent | project | product")
    title: str
    summary: str
    year: int
    keywords: list[str]


class ResearcherSnapshot(_Part):
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    name: str
    date_of_birth: date = Field(description="R-E2 (age at the application date)")
    highest_degree: str = Field(description="doctorate | master | bachelor | other (R-E3, R-E4)")
    title: str = Field(description="senior | associate_senior | intermediate | junior | none (R-E3, R-E4)")
    disciplines: list[str]
    research_fields: str
    research_misconduct: bool = Field(description="R-E1")
    achievements: list[AchievementSnapshot]
    version: int


class EquityLinkSnapshot(_Part):
    party_type: Literal["researcher", "institution"]
    party_id: uuid.UUID
    relation: Literal["founder", "shareholder"]


class EnterpriseSnapshot(_Part):
    enterprise_id: str = Field(description="unified social credit code (R-C7)")
    name: str
    city_code: str
    county: str
    registered_on: date
    independent_legal_person: bool
    qualifications: list[str] = Field(description="R-C2")
    platforms: list[str] = Field(description="R-C4")
    is_soe: bool
    research_misconduct: bool = Field(description="R-C1")
    equity_links: list[EquityLinkSnapshot] = Field(description="R-C5: excluded from matching")
    version: int


# ------------------------------------------------------------------ registries
class _InstitutionEvent(EventPayload, InstitutionSnapshot):
    topic = INTAKE_INSTITUTION.name
    aggregate = "institution"

    def aggregate_id(self) -> str:
        return str(self.institution_id)


class InstitutionRegisteredV1(_InstitutionEvent):
    """A dispatching unit (派出单位) was registered."""

    event_type = TYPE_PREFIX + "intake.institution.registered.v1"
    summary = "派出单位已登记"


class InstitutionUpdatedV1(_InstitutionEvent):
    """A dispatching unit's record changed; the payload is the new snapshot."""

    event_type = TYPE_PREFIX + "intake.institution.updated.v1"
    summary = "派出单位信息已更新"


class _ResearcherEvent(EventPayload, ResearcherSnapshot):
    topic = INTAKE_RESEARCHER.name
    aggregate = "researcher"

    def aggregate_id(self) -> str:
        return str(self.researcher_id)


class ResearcherRegisteredV1(_ResearcherEvent):
    """A researcher was registered by their dispatching unit (with achievements)."""

    event_type = TYPE_PREFIX + "intake.researcher.registered.v1"
    summary = "科研人员已登记"


class ResearcherProfileUpdatedV1(_ResearcherEvent):
    """A researcher's profile or achievements changed; the payload is the new snapshot."""

    event_type = TYPE_PREFIX + "intake.researcher.profile_updated.v1"
    summary = "科研人员信息已更新"


class _EnterpriseEvent(EventPayload, EnterpriseSnapshot):
    topic = INTAKE_ENTERPRISE.name
    aggregate = "enterprise"

    def aggregate_id(self) -> str:
        return self.enterprise_id


class EnterpriseRegisteredV1(_EnterpriseEvent):
    """An enterprise was registered."""

    event_type = TYPE_PREFIX + "intake.enterprise.registered.v1"
    summary = "企业已登记"


class EnterpriseUpdatedV1(_EnterpriseEvent):
    """An enterprise's record changed; the payload is the new snapshot."""

    event_type = TYPE_PREFIX + "intake.enterprise.updated.v1"
    summary = "企业信息已更新"


# ------------------------------------------------------------------ needs (R-F1)
class _NeedEvent(EventPayload):
    topic = INTAKE_NEED.name
    aggregate = "need"

    need_id: uuid.UUID
    enterprise_id: str
    city_code: str = Field(description="市（地）行政区划代码; the reviewing city (R-F1)")
    is_soe: bool = Field(description="province-owned SOE: reviewed by SASAC instead of the city (R-F1)")
    programme: Programme
    status: str | None = Field(default=None, description="the need's state after this event")

    def aggregate_id(self) -> str:
        return str(self.need_id)


class NeedSubmittedV1(_NeedEvent):
    """An enterprise submitted a technology need (技术需求) in an open batch — R-F1."""

    event_type = TYPE_PREFIX + "intake.need.submitted.v1"
    summary = "企业提交了技术需求"

    title: str
    description: str
    keywords: list[str]
    submitted_at: datetime
    batch_id: uuid.UUID | None = None
    batch_year: int | None = None
    industry: str | None = None
    desired_expertise: str | None = None
    cooperation_forms: list[str] = Field(default_factory=list)
    experts_wanted: int = 1
    conditions_offered: str | None = Field(
        default=None, description="what the enterprise offers (post, working and living conditions; R-C3, R-C6)"
    )


class NeedReviewEvent(_NeedEvent):
    """Base of the need's review events (approved, rejected, withdrawn, reported)."""

    reviewer_role: str = Field(description="city_bureau | sasac | enterprise | …")
    reviewer_bureau: str | None = Field(default=None, description="science_tech 科技局 | industry_it 工信局")
    occurred_at: datetime


class NeedApprovedByCityV1(NeedReviewEvent):
    """Every required bureau of the enterprise's city approved the need (R-F1)."""

    event_type = TYPE_PREFIX + "intake.need.approved_by_city.v1"
    summary = "市（地）科技局、工信局审核通过"
    approvals: list[str]


class NeedApprovedBySasacV1(NeedReviewEvent):
    """SASAC approved a province-owned SOE's need (R-F1)."""

    event_type = TYPE_PREFIX + "intake.need.approved_by_sasac.v1"
    summary = "省国资委审核通过"


class NeedRejectedV1(NeedReviewEvent):
    """A reviewer rejected the need, with a reason."""

    event_type = TYPE_PREFIX + "intake.need.rejected.v1"
    summary = "需求审核未通过"
    reason: str


class NeedWithdrawnV1(NeedReviewEvent):
    """The enterprise withdrew the need before the province received it."""

    event_type = TYPE_PREFIX + "intake.need.withdrawn.v1"
    summary = "企业撤回了需求"


class NeedReportedToProvinceV1(NeedReviewEvent):
    """The city (or SASAC) reported the approved need to the province: it is ready for matching (R-F1 → R-F2)."""

    event_type = TYPE_PREFIX + "intake.need.reported_to_province.v1"
    summary = "需求已报送省科技厅"
    batch_id: uuid.UUID | None = None
    batch_year: int | None = None
    title: str | None = None
    description: str | None = None
    keywords: list[str] = Field(default_factory=list)
    industry: str | None = None
    desired_expertise: str | None = None
    experts_wanted: int = 1
    batch_closes_on: date | None = Field(
        default=None, description="the batch's closing date: the application date at which age counts (R-E2)"
    )


# Every event that moves a need through its review after submission (their payloads carry the new ``status``).
NEED_REVIEW_EVENTS: tuple[type[NeedReviewEvent], ...] = (
    NeedApprovedByCityV1,
    NeedApprovedBySasacV1,
    NeedRejectedV1,
    NeedWithdrawnV1,
    NeedReportedToProvinceV1,
)


# ------------------------------------------------------------------ researcher applications (R-F4)
class _ApplicationEvent(EventPayload):
    topic = INTAKE_RESEARCHER.name
    aggregate = "researcher"

    application_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    batch_id: uuid.UUID
    occurred_at: datetime

    def aggregate_id(self) -> str:
        return str(self.researcher_id)  # same key as the researcher's profile events: one ordered stream


class ResearcherApplicationSubmittedV1(_ApplicationEvent):
    """A researcher volunteered for a 特派员 batch (拟派出科研人员基本情况表) — R-F4."""

    event_type = TYPE_PREFIX + "intake.researcher.application_submitted.v1"
    summary = "科研人员提交了特派员申报"


class ResearcherApplicationApprovedV1(_ApplicationEvent):
    """The dispatching unit approved the application; it reaches the province — R-F4."""

    event_type = TYPE_PREFIX + "intake.researcher.application_approved.v1"
    summary = "派出单位审核同意，报省科技厅"


class ResearcherApplicationRejectedV1(_ApplicationEvent):
    """The dispatching unit rejected the application."""

    event_type = TYPE_PREFIX + "intake.researcher.application_rejected.v1"
    summary = "派出单位未同意申报"
    reason: str


# ------------------------------------------------------------------ candidates (R-F2, R-F3)
class _CandidateEvent(EventPayload):
    """Events of one need's candidate list; keyed by the need so the list's history stays ordered."""

    topic = MATCHING_CANDIDATE.name
    aggregate = "candidate_list"

    need_id: uuid.UUID
    entry_id: uuid.UUID = Field(description="the candidate entry (one researcher on one need's list)")
    researcher_id: uuid.UUID
    institution_id: uuid.UUID = Field(description="the dispatching unit (派出单位) that answers for the researcher")
    enterprise_id: str
    city_code: str
    is_soe: bool
    programme: Programme
    proposal_version: int = Field(description="the matching result version the entry belongs to")
    occurred_at: datetime

    def aggregate_id(self) -> str:
        return str(self.need_id)


class CandidateProposedV1(_CandidateEvent):
    """Matching proposed a researcher for a reported need (R-F2); hard rules already passed."""

    event_type = TYPE_PREFIX + "matching.candidate.proposed.v1"
    summary = "智能匹配提出了候选人"
    run_id: uuid.UUID
    rank: int = Field(description="1 = best among the need's proposed candidates")
    score: float = Field(description="fused fit score (dense + lexical + soft priorities)")


class CandidatePushedV1(_CandidateEvent):
    """The province pushed the candidate to the dispatching unit, which asks the researcher (R-F2 → R-F3).

    ``replaces_entry_id`` is set when the candidate replaces one who declined."""

    event_type = TYPE_PREFIX + "matching.candidate.pushed.v1"
    summary = "候选人已推送至派出单位征求意见"
    replaces_entry_id: uuid.UUID | None = None


class CandidateAnsweredV1(_CandidateEvent):
    """The dispatching unit answered for its candidate (R-F3): willing, unwilling (with a reason), or it
    proposed another of its researchers (``substitute_*``), who passed the same hard rules."""

    event_type = TYPE_PREFIX + "matching.candidate.answered.v1"
    summary = "派出单位答复了候选人意愿"
    answer: Literal["willing", "unwilling", "propose_another"]
    reason: str | None = None
    substitute_entry_id: uuid.UUID | None = None
    substitute_researcher_id: uuid.UUID | None = None


# ------------------------------------------------------------------ negotiation (R-F5)
class PairRef(_Part):
    """One need × researcher pair (洽谈对象) as the negotiation events name it."""

    pair_id: uuid.UUID
    need_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    enterprise_id: str


class _MeetingEvent(EventPayload):
    """A 见面洽谈会 organised by a city's bureaus, or by SASAC for province-owned SOEs (R-F5)."""

    topic = AGREEMENTS_NEGOTIATION.name
    aggregate = "meeting"

    meeting_id: uuid.UUID
    city_code: str = Field(description="the organising city (for an SOE meeting: the SOE's seat)")
    is_soe: bool = Field(description="organised by SASAC for province-owned SOEs (R-F5)")
    programme: Programme
    occurred_at: datetime

    def aggregate_id(self) -> str:
        return str(self.meeting_id)


class NegotiationScheduledV1(_MeetingEvent):
    """A 见面洽谈会 was scheduled between enterprises and their willing candidates (R-F5)."""

    event_type = TYPE_PREFIX + "agreements.meeting.scheduled.v1"
    summary = "已安排见面洽谈会"
    starts_at: datetime
    place: str | None = None
    online_link: str | None = None
    pairs: list[PairRef]


class NegotiationRescheduledV1(_MeetingEvent):
    """The meeting moved (time or place); the previous time is kept in the meeting's history."""

    event_type = TYPE_PREFIX + "agreements.meeting.rescheduled.v1"
    summary = "见面洽谈会已改期"
    starts_at: datetime
    previous_starts_at: datetime
    place: str | None = None
    online_link: str | None = None
    reason: str


class NegotiationCancelledV1(_MeetingEvent):
    """The meeting was cancelled; its pairs without an outcome are to be negotiated again."""

    event_type = TYPE_PREFIX + "agreements.meeting.cancelled.v1"
    summary = "见面洽谈会已取消"
    reason: str
    pair_ids: list[uuid.UUID]


class _PairEvent(EventPayload):
    """One pair's negotiation outcome and report; keyed by the pair."""

    topic = AGREEMENTS_NEGOTIATION.name
    aggregate = "pair"

    pair_id: uuid.UUID
    entry_id: uuid.UUID = Field(description="matching's candidate entry the pair came from")
    need_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    enterprise_id: str
    city_code: str
    is_soe: bool
    programme: Programme
    occurred_at: datetime

    def aggregate_id(self) -> str:
        return str(self.pair_id)


class NegotiationIntentReachedV1(_PairEvent):
    """Enterprise and candidate reached a cooperation intent at the meeting (R-F5)."""

    event_type = TYPE_PREFIX + "agreements.pair.intent_reached.v1"
    summary = "企业与候选人达成合作意向"
    meeting_id: uuid.UUID
    cooperation_content: str
    cooperation_forms: list[str]
    planned_start: date


class NegotiationFailedV1(_PairEvent):
    """No intent was reached: the candidate is free again (matching releases the capacity and the need's open
    place goes to the next alternate)."""

    event_type = TYPE_PREFIX + "agreements.pair.negotiation_failed.v1"
    summary = "未达成合作意向，候选人释放"
    meeting_id: uuid.UUID
    reason: str


class IntentReportedToProvinceV1(_PairEvent):
    """The intent reached the province: reported for review (总师: the city's 科技局 and 工信局 both confirmed;
    SOEs: SASAC) or filed (特派员: the city's 科技局, after the unit approved the researcher's application)."""

    event_type = TYPE_PREFIX + "agreements.pair.reported_to_province.v1"
    summary = "合作意向已报送省科技厅（特派员为备案）"
    mode: Literal["review", "filing"] = Field(description="review 报送审核（科技总师）| filing 备案（特派员）")
    batch_id: uuid.UUID
    confirmations: list[str] = Field(description="who confirmed: science_tech, industry_it or sasac")


# ------------------------------------------------------------------ the province's list and its notice (R-F6, R-F7)
class ListEntryRef(_Part):
    """One entry of a batch's list as the notice shows it (public facts only) and with its ids."""

    pair_id: uuid.UUID
    need_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    enterprise_id: str
    city_code: str
    is_soe: bool
    researcher_name: str | None = None
    institution_name: str | None = None
    enterprise_name: str | None = None


class _ListEvent(EventPayload):
    topic = AGREEMENTS_SELECTION.name
    aggregate = "selection_list"

    list_id: uuid.UUID
    batch_id: uuid.UUID
    programme: Programme
    occurred_at: datetime

    def aggregate_id(self) -> str:
        return str(self.list_id)


class ListEntryRemovedV1(_ListEvent):
    """The province removed an entry from the proposed list (调减, R-F6), or an upheld objection did (R-F7)."""

    event_type = TYPE_PREFIX + "agreements.selection_list.entry_removed.v1"
    summary = "拟选派名单移除了一项"
    pair_id: uuid.UUID
    researcher_id: uuid.UUID
    need_id: uuid.UUID
    reason: str
    by_objection_id: uuid.UUID | None = None


class ListEntryRestoredV1(_ListEvent):
    """A removal was undone before the list was approved (R-F6)."""

    event_type = TYPE_PREFIX + "agreements.selection_list.entry_restored.v1"
    summary = "拟选派名单恢复了一项"
    pair_id: uuid.UUID
    researcher_id: uuid.UUID
    need_id: uuid.UUID
    reason: str


class ProvinceListApprovedV1(_ListEvent):
    """The department's party-group meeting approved the proposed list (省科技厅党组会议审议, R-F6)."""

    event_type = TYPE_PREFIX + "agreements.selection_list.approved.v1"
    summary = "拟选派名单经党组会议审议通过"
    meeting_date: date
    minutes_reference: str
    entries: int


class PublicNoticeOpenedV1(_ListEvent):
    """The list is on public notice for at least 5 Chinese working days (R-F7)."""

    event_type = TYPE_PREFIX + "agreements.selection_list.notice_opened.v1"
    summary = "名单开始公示"
    starts_on: date
    ends_on: date = Field(description="the last working day of the notice (it ends at 24:00 China time)")
    working_days: int
    ends_provisionally: bool = Field(
        description="true: the period reaches a year whose holiday arrangement is not loaded yet; recomputed then"
    )
    calendar_revision: int
    entries: list[ListEntryRef]


class PublicNoticeRescheduledV1(_ListEvent):
    """The notice's end was recomputed after a year's holiday arrangement was loaded."""

    event_type = TYPE_PREFIX + "agreements.selection_list.notice_rescheduled.v1"
    summary = "公示截止日期已按新公布的节假日安排重新计算"
    ends_on: date
    previous_ends_on: date
    ends_provisionally: bool
    calendar_revision: int


class ObjectionFiledV1(_ListEvent):
    """Someone objected during the notice (the objector's identity stays with the province)."""

    event_type = TYPE_PREFIX + "agreements.selection_list.objection_filed.v1"
    summary = "公示期间收到异议"
    objection_id: uuid.UUID
    pair_id: uuid.UUID


class ObjectionResolvedV1(_ListEvent):
    """The province resolved an objection: dismissed, or upheld (the entry leaves the list)."""

    event_type = TYPE_PREFIX + "agreements.selection_list.objection_resolved.v1"
    summary = "异议已处理"
    objection_id: uuid.UUID
    pair_id: uuid.UUID
    outcome: Literal["dismissed", "upheld"]
    reason: str


class PublicNoticeClosedV1(_ListEvent):
    """The notice period ended (at 24:00 of its last working day, by timer)."""

    event_type = TYPE_PREFIX + "agreements.selection_list.notice_closed.v1"
    summary = "公示期结束"
    ends_on: date
    objections_pending: int


class FinalListPublishedV1(_ListEvent):
    """The four departments published the final list (四部门联合发文); its entries are appointed next."""

    event_type = TYPE_PREFIX + "agreements.selection_list.final_published.v1"
    summary = "正式公布选派名单"
    document_number: str
    published_on: date
    entries: list[ListEntryRef]


# ------------------------------------------------------------------ agreements (R-F8, R-F10)
class _AgreementEvent(EventPayload):
    """Contract agreed ahead of the agreements service's implementation; matching consumes it (capacity)."""

    topic = AGREEMENTS_AGREEMENT.name
    aggregate = "agreement"

    agreement_id: uuid.UUID
    need_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    enterprise_id: str
    programme: Programme
    occurred_at: datetime
    city_code: str | None = Field(default=None, description="the host enterprise's city (added in part 2)")
    is_soe: bool | None = Field(default=None, description="a province-owned SOE: SASAC's (added in part 2)")

    def aggregate_id(self) -> str:
        return str(self.agreement_id)


class AgreementSignedV1(_AgreementEvent):
    """The tripartite agreement (enterprise, expert, dispatching unit) was signed: the appointment starts (R-F8)."""

    event_type = TYPE_PREFIX + "agreements.agreement.signed.v1"
    summary = "三方协议已签订"
    term_start: date
    term_end: date
    service_days_per_year: int | None = Field(
        default=None, description="the yearly service commitment (days); evaluation refers to it (added with R-V5)"
    )


class AgreementTerminatedV1(_AgreementEvent):
    """The appointment ended early or at term (R-F10); the expert is free for another appointment."""

    event_type = TYPE_PREFIX + "agreements.agreement.terminated.v1"
    summary = "三方协议已终止"
    reason: str


class AgreementDraftedV1(_AgreementEvent):
    """A draft agreement was prepared for a selected pair (总师: the final list; 特派员: the filing) — R-F8."""

    event_type = TYPE_PREFIX + "agreements.agreement.drafted.v1"
    summary = "三方协议草稿已生成"
    pair_id: uuid.UUID
    term_start: date
    term_end: date


class AgreementSigningOverdueV1(_AgreementEvent):
    """A draft was not signed by all three parties within the deadline; the bureaus follow it up (R-F8)."""

    event_type = TYPE_PREFIX + "agreements.agreement.signing_overdue.v1"
    summary = "协议逾期未完成签署"
    drafted_at: datetime
    awaiting: list[Literal["enterprise", "expert", "unit"]]


class AgreementEditedV1(_AgreementEvent):
    """The parties changed the agreement's content; the signatures given are void (each party signs what it read)."""

    event_type = TYPE_PREFIX + "agreements.agreement.edited.v1"
    summary = "协议内容已修改，已有签署作废"
    content_version: int
    signatures_voided: int


class AgreementSignatureAddedV1(_AgreementEvent):
    """One of the three parties signed the agreement's current text (R-F8)."""

    event_type = TYPE_PREFIX + "agreements.agreement.signature_added.v1"
    summary = "协议一方已签署"
    party: Literal["enterprise", "expert", "unit"]
    content_version: int
    content_hash: str = Field(description="SHA-256 of the canonical agreement text the party signed")


class ServiceLogConfirmedV1(_AgreementEvent):
    """The enterprise confirmed a service log: its days and outcomes count (R-F9; what evaluation weighs, R-V2)."""

    event_type = TYPE_PREFIX + "agreements.agreement.service_confirmed.v1"
    summary = "企业确认了一条服务记录"
    log_id: uuid.UUID
    year: int = Field(description="the agreement year (1 = the first year of the term)")
    starts_on: date
    ends_on: date
    days_on_site: int
    days_remote: int
    outcomes: dict[str, int] = Field(
        description="problems_solved, achievements_transferred, technology_contracts, products_developed, "
        "platforms_built, people_trained, patents_filed"
    )


class ServiceLogRejectedV1(_AgreementEvent):
    """The enterprise did not confirm a service log (it does not count)."""

    event_type = TYPE_PREFIX + "agreements.agreement.service_rejected.v1"
    summary = "企业未确认一条服务记录"
    log_id: uuid.UUID
    year: int
    reason: str


class ServicePaceWarningV1(_AgreementEvent):
    """A year's confirmed service is behind its pro-rata share with a quarter of the year left (R-F9)."""

    event_type = TYPE_PREFIX + "agreements.agreement.service_pace_warning.v1"
    summary = "年度服务时间进度不足预警"
    year: int
    confirmed_days: int
    expected_days: int = Field(description="the commitment's pro-rata share by now")
    required_days: int = Field(description="the year's commitment")


class ServiceYearClosedV1(_AgreementEvent):
    """An agreement year ended: its confirmed service against the commitment, and the outcomes (for evaluation)."""

    event_type = TYPE_PREFIX + "agreements.agreement.service_year_closed.v1"
    summary = "协议年度服务情况"
    year: int
    starts_on: date
    ends_on: date
    required_days: int
    confirmed_days: int
    met: bool
    outcomes: dict[str, int]


class TrackingContactRecordedV1(_AgreementEvent):
    """A city bureau (or SASAC) recorded a tracking contact (跟踪联系): a visit, a call or a meeting."""

    event_type = TYPE_PREFIX + "agreements.agreement.tracking_contact.v1"
    summary = "记录了一次跟踪联系"
    contact_id: uuid.UUID
    kind: Literal["visit", "call", "meeting"]
    contacted_on: date
    problems_raised: bool


class TerminationRequestedV1(_AgreementEvent):
    """The enterprise or the expert asked to end the agreement (R-F10)."""

    event_type = TYPE_PREFIX + "agreements.agreement.termination_requested.v1"
    summary = "申请终止协议"
    requested_by: Literal["enterprise", "expert"]
    reason: str


class TerminationStepV1(_AgreementEvent):
    """A step of a termination request (R-F10): the other party agreed, a bureau approved, or someone refused."""

    event_type = TYPE_PREFIX + "agreements.agreement.termination_step.v1"
    summary = "终止申请有新进展"
    step: Literal["agreed", "approved", "refused"]
    by: str = Field(description="enterprise | expert | science_tech | industry_it | sasac")
    reason: str | None = None


# ------------------------------------------------------------------ evaluation (R-V1–R-V7)
Grade = Literal["excellent", "qualified", "unqualified"]


class _ChiefRoundEvent(EventPayload):
    topic = EVALUATION_EVALUATION.name
    aggregate = "chief_round"

    round_id: uuid.UUID
    body: Literal["city", "sasac"] = Field(description="the evaluating body: a city's two bureaus, or SASAC")
    city_code: str | None = Field(description="the city (body = city)")
    year: int = Field(description="the year the terms end in")
    occurred_at: datetime

    def aggregate_id(self) -> str:
        return str(self.round_id)


class ChiefRoundReportedV1(_ChiefRoundEvent):
    """A 总师 term-end round was reported to the province: a city's two bureaus confirmed it, or SASAC copied it
    (R-V4); the 优秀 share was checked against the cap when it was submitted (R-V3)."""

    event_type = TYPE_PREFIX + "evaluation.chief_round.reported.v1"
    summary = "科技总师期满考评结果已报省科技厅"
    graded: int
    excellent: int
    qualified: int
    unqualified: int


class ChiefRoundReturnedV1(_ChiefRoundEvent):
    """The province returned a reported round for correction, with its reason (R-V4)."""

    event_type = TYPE_PREFIX + "evaluation.chief_round.returned.v1"
    summary = "考评结果被退回修改"
    reason: str


class ExpertResultNotifiedV1(EventPayload):
    """The province notified the dispatching unit of one expert's term-end result (R-V4). 优秀 experts are ranked
    higher in later batches (matching) and count for titles and promotion (the unit's view)."""

    topic = EVALUATION_EVALUATION.name
    aggregate = "chief_evaluation"
    event_type = TYPE_PREFIX + "evaluation.chief_evaluation.notified.v1"
    summary = "期满考评结果已通知派出单位"

    evaluation_id: uuid.UUID
    round_id: uuid.UUID
    agreement_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    enterprise_id: str
    programme: Programme
    year: int
    grade: Grade
    occurred_at: datetime

    def aggregate_id(self) -> str:
        return str(self.evaluation_id)


class CommissionerYearFiledV1(EventPayload):
    """A city determined its 特派员 yearly results and filed them with the province (R-V5)."""

    topic = EVALUATION_EVALUATION.name
    aggregate = "commissioner_round"
    event_type = TYPE_PREFIX + "evaluation.commissioner_round.filed.v1"
    summary = "企业科技特派员年度考评结果已报省科技厅备案"

    round_id: uuid.UUID
    city_code: str
    year: int
    evaluated: int
    excellent: int
    qualified: int
    unqualified: int
    eliminated: int
    occurred_at: datetime

    def aggregate_id(self) -> str:
        return str(self.round_id)


class CommissionerEliminatedV1(EventPayload):
    """末位淘汰 (R-V5): the city confirmed this commissioner's elimination after the objection window. Agreements ends
    the agreement through its termination path; matching stops proposing the commissioner until ``excluded_until``."""

    topic = EVALUATION_EVALUATION.name
    aggregate = "commissioner_evaluation"
    event_type = TYPE_PREFIX + "evaluation.commissioner_evaluation.eliminated.v1"
    summary = "企业科技特派员年度考评末位淘汰"

    evaluation_id: uuid.UUID
    round_id: uuid.UUID
    agreement_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    enterprise_id: str
    city_code: str
    programme: Programme
    year: int
    rank: int = Field(description="the position in the ranking that led to it (1 = best)")
    ranked: int = Field(description="how many were ranked in its group")
    reason: str
    excluded_until: date = Field(description="matching proposes them for this programme again after this day")
    occurred_at: datetime

    def aggregate_id(self) -> str:
        return str(self.evaluation_id)


ALL_EVENTS: tuple[type[EventPayload], ...] = (
    InstitutionRegisteredV1,
    InstitutionUpdatedV1,
    ResearcherRegisteredV1,
    ResearcherProfileUpdatedV1,
    EnterpriseRegisteredV1,
    EnterpriseUpdatedV1,
    NeedSubmittedV1,
    NeedApprovedByCityV1,
    NeedApprovedBySasacV1,
    NeedRejectedV1,
    NeedWithdrawnV1,
    NeedReportedToProvinceV1,
    ResearcherApplicationSubmittedV1,
    ResearcherApplicationApprovedV1,
    ResearcherApplicationRejectedV1,
    CandidateProposedV1,
    CandidatePushedV1,
    CandidateAnsweredV1,
    NegotiationScheduledV1,
    NegotiationRescheduledV1,
    NegotiationCancelledV1,
    NegotiationIntentReachedV1,
    NegotiationFailedV1,
    IntentReportedToProvinceV1,
    ListEntryRemovedV1,
    ListEntryRestoredV1,
    ProvinceListApprovedV1,
    PublicNoticeOpenedV1,
    PublicNoticeRescheduledV1,
    ObjectionFiledV1,
    ObjectionResolvedV1,
    PublicNoticeClosedV1,
    FinalListPublishedV1,
    AgreementSignedV1,
    AgreementTerminatedV1,
    AgreementDraftedV1,
    AgreementSigningOverdueV1,
    AgreementEditedV1,
    AgreementSignatureAddedV1,
    ServiceLogConfirmedV1,
    ServiceLogRejectedV1,
    ServicePaceWarningV1,
    ServiceYearClosedV1,
    TrackingContactRecordedV1,
    TerminationRequestedV1,
    TerminationStepV1,
    ChiefRoundReportedV1,
    ChiefRoundReturnedV1,
    ExpertResultNotifiedV1,
    CommissionerYearFiledV1,
    CommissionerEliminatedV1,
)

EVENTS_BY_TYPE: dict[str, type[EventPayload]] = {cls.event_type: cls for cls in ALL_EVENTS}
