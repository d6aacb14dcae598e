"""Agreements' REST schemas (XCreate / XRead). Every text, list, number and date is bounded (``shared.types``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.agreements.domain import commands as cmd
from services.agreements.domain import model as m
from services.agreements.domain.agreement import ContactKind
from shared.types import Count, Day, Line, Moment, Text
from shared.vocabulary import CooperationForm, Programme

Reason = Text(1000, min_length=2, description="理由（2–1000 字）")
Link = Annotated[
    str,
    Field(min_length=8, max_length=500, pattern=r"^https://[^\s\x00-\x1f\x7f]+$", description="线上会议链接（https）"),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReasonIn(_In):
    reason: Reason


# ------------------------------------------------------------------ negotiation (R-F5)
class MeetingCreate(_In):
    pair_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=50)] = Field(
        description="参加洽谈的洽谈对象（同一市（地）或同为省属国企、同一项目；1–50 对）"
    )
    starts_at: Moment("洽谈会开始时间")
    place: Line(300, min_length=2) | None = Field(default=None, description="地点（与线上链接至少填一项）")
    online_link: Link | None = Field(default=None, description="线上会议链接（https；与地点至少填一项）")

    def command(self) -> cmd.ScheduleMeeting:
        return cmd.ScheduleMeeting(tuple(self.pair_ids), self.starts_at, self.place, self.online_link)


class MeetingReschedule(_In):
    starts_at: Moment("新的开始时间")
    place: Line(300, min_length=2) | None = Field(default=None, description="新的地点（不填则不变）")
    online_link: Link | None = Field(default=None, description="新的线上会议链接（不填则不变）")
    reason: Reason

    def command(self) -> cmd.RescheduleMeeting:
        return cmd.RescheduleMeeting(self.starts_at, self.reason, self.place, self.online_link)


class IntentIn(_In):
    cooperation_content: Text(4000, min_length=10, description="商定的合作内容（10–4000 字）")
    cooperation_forms: Annotated[list[CooperationForm], Field(min_length=1, max_length=len(CooperationForm))] = Field(
        description="合作方式"
    )
    planned_start: Day("计划开始服务日期")

    def command(self) -> cmd.RecordIntent:
        forms = tuple(dict.fromkeys(self.cooperation_forms))
        return cmd.RecordIntent(self.cooperation_content, forms, self.planned_start)


class PairRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="洽谈对象标识")
    entry_id: uuid.UUID = Field(description="匹配服务中的候选人条目")
    need_id: uuid.UUID = Field(description="技术需求")
    need_title: str | None = Field(default=None, description="需求名称（尚未同步时为 null）")
    researcher_id: uuid.UUID = Field(description="候选人（科研人员）")
    researcher_name: str | None = Field(default=None, description="候选人姓名")
    institution_id: uuid.UUID = Field(description="派出单位")
    institution_name: str | None = Field(default=None, description="派出单位名称")
    enterprise_id: str = Field(description="企业统一社会信用代码")
    enterprise_name: str | None = Field(default=None, description="企业名称")
    city_code: str = Field(description="企业所在市（地）")
    is_soe: bool = Field(description="省属国有企业（由省国资委组织洽谈和报送）")
    programme: Programme = Field(description="项目")
    status: m.PairStatus = Field(description="洽谈状态")
    meeting_id: uuid.UUID | None = Field(description="所在的见面洽谈会")
    cooperation_content: str | None = Field(description="商定的合作内容")
    cooperation_forms: list[CooperationForm] = Field(description="合作方式")
    planned_start: date | None = Field(description="计划开始服务日期")
    no_intent_reason: str | None = Field(description="未达成意向的原因")
    confirmations: list[str] = Field(
        description="已确认报送的单位：science_tech（科技局）、industry_it（工信局）或 sasac（省国资委）"
    )
    confirmations_required: list[str] = Field(default_factory=list, description="报送须确认的全部单位")
    application_approved: bool | None = Field(
        default=None, description="特派员：所在单位是否已审核同意该科研人员本批次的申报（R-F4）；其他为 null"
    )
    batch_id: uuid.UUID | None = Field(description="报送后所属的征集批次")
    reported_at: datetime | None = Field(description="报送（备案）省科技厅的时间")
    created_at: datetime = Field(description="进入待洽谈的时间（派出单位答复愿意）")
    updated_at: datetime = Field(description="最近变化时间")
    version: int = Field(description="版本号")


class MeetingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="洽谈会标识")
    city_code: str = Field(description="组织的市（地）（省属国企为企业所在地）")
    is_soe: bool = Field(description="省国资委组织的省属国企洽谈会")
    programme: Programme = Field(description="项目")
    starts_at: datetime = Field(description="开始时间")
    place: str | None = Field(description="地点")
    online_link: str | None = Field(description="线上会议链接")
    pair_ids: list[uuid.UUID] = Field(description="参加洽谈的洽谈对象")
    organised_by: str = Field(description="组织单位：science_tech（科技局）、industry_it（工信局）或 sasac（省国资委）")
    status: m.MeetingStatus = Field(description="状态")
    reschedules: list[dict[str, Any]] = Field(description="改期记录：原时间、原地点、原因、改期时间")
    cancel_reason: str | None = Field(description="取消原因")
    created_at: datetime = Field(description="安排时间")
    updated_at: datetime = Field(description="最近变化时间")


# ------------------------------------------------------------------ the list (R-F6) and its notice (R-F7)
class ListCreate(_In):
    batch_id: uuid.UUID = Field(description="征集批次：以该批次已报送省科技厅的合作意向建立拟选派名单")


class EntryChange(_In):
    pair_id: uuid.UUID = Field(description="名单中的洽谈对象")
    reason: Reason


class ApprovalIn(_In):
    meeting_date: Day("省科技厅党组会议日期")
    minutes_reference: Line(200, min_length=2, description="会议纪要文号或编号")

    def command(self) -> cmd.ApproveList:
        return cmd.ApproveList(self.meeting_date, self.minutes_reference)


class NoticeIn(_In):
    starts_on: Day("公示开始日期") | None = Field(default=None, description="公示开始日期（不填为今天；不早于今天）")
    working_days: Count(5, 30) = Field(default=5, description="公示工作日数（R-F7：不少于 5 个工作日，至多 30）")

    def command(self) -> cmd.OpenNotice:
        return cmd.OpenNotice(self.starts_on, self.working_days)


class PublishIn(_In):
    document_number: Line(200, min_length=2, description="四部门联合发文的文号")
    published_on: Day("发文日期")

    def command(self) -> cmd.PublishFinalList:
        return cmd.PublishFinalList(self.document_number, self.published_on)


class ListEntryRead(BaseModel):
    pair_id: uuid.UUID = Field(description="洽谈对象")
    need_id: uuid.UUID = Field(description="技术需求")
    researcher_id: uuid.UUID = Field(description="科研人员")
    researcher_name: str | None = Field(description="姓名")
    researcher_title: str | None = Field(description="职称")
    institution_id: uuid.UUID = Field(description="派出单位")
    institution_name: str | None = Field(description="派出单位名称")
    enterprise_id: str = Field(description="企业统一社会信用代码")
    enterprise_name: str | None = Field(description="企业名称")
    city_code: str = Field(description="企业所在市（地）")
    is_soe: bool = Field(description="省属国有企业")
    active: bool = Field(description="在名单中（false：已移除，原因见 removal_reason）")
    removal_reason: str | None = Field(description="移除原因")
    removed_by_objection_id: uuid.UUID | None = Field(description="因该异议成立而移除")


class ListRead(BaseModel):
    id: uuid.UUID = Field(description="名单标识")
    batch_id: uuid.UUID = Field(description="征集批次")
    programme: Programme = Field(description="项目")
    status: m.ListStatus = Field(description="状态")
    entries: list[ListEntryRead] = Field(description="名单中的人选（含已移除的，标明原因）")
    active_entries: int = Field(description="在名单中的人数")
    approved_meeting_date: date | None = Field(description="党组会议日期")
    minutes_reference: str | None = Field(description="会议纪要文号")
    notice_starts_on: date | None = Field(description="公示开始日期")
    notice_ends_on: date | None = Field(description="公示截止日期（当日 24 时结束）")
    notice_working_days: int | None = Field(description="公示工作日数")
    notice_ends_provisionally: bool = Field(
        description="截止日期为暂定：公示期跨入尚未公布节假日安排的年份，公布并导入后自动重新计算"
    )
    calendar_revision: int | None = Field(description="计算截止日期所用的工作日历版本")
    document_number: str | None = Field(description="正式公布的文号")
    published_on: date | None = Field(description="正式公布日期")
    objections_pending: int = Field(default=0, description="待处理的异议数")
    created_at: datetime = Field(description="建立时间")
    updated_at: datetime = Field(description="最近变化时间")


class ObjectionIn(_In):
    pair_id: uuid.UUID = Field(description="对哪一位人选提出异议（公示名单中的 pair_id）")
    text: Text(2000, min_length=10, description="异议内容与事实依据（10–2000 字）")
    objector_name: Line(100, min_length=2, description="异议人姓名（实名；不公开）")
    contact: Line(200, min_length=5, description="联系电话或电子邮箱（不公开）")

    def command(self) -> cmd.FileObjection:
        return cmd.FileObjection(self.pair_id, self.text, self.objector_name, self.contact)


class ObjectionReceipt(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="异议编号（请妥善保存）")
    filed_at: datetime = Field(description="受理时间")
    status: m.ObjectionStatus = Field(description="状态")


class ObjectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="异议编号")
    list_id: uuid.UUID = Field(description="名单")
    pair_id: uuid.UUID = Field(description="被提出异议的人选")
    text: str = Field(description="异议内容")
    objector_name: str = Field(description="异议人姓名")
    contact: str = Field(description="联系方式")
    status: m.ObjectionStatus = Field(description="状态")
    resolution_reason: str | None = Field(description="处理意见")
    resolved_by: str | None = Field(description="处理人")
    resolved_at: datetime | None = Field(description="处理时间")
    filed_at: datetime = Field(description="受理时间")


class ObjectionResolution(_In):
    outcome: m.ObjectionStatus = Field(description="dismissed（异议不成立）或 upheld（异议成立，人选移出名单）")
    reason: Reason

    @model_validator(mode="after")
    def _decided(self) -> ObjectionResolution:
        if self.outcome is m.ObjectionStatus.PENDING:
            raise ValueError("outcome 须为 dismissed 或 upheld")
        return self


class PublicEntry(BaseModel):
    """What a public notice shows of one person: nothing that is not public (no birth date, no internal ids)."""

    pair_id: uuid.UUID = Field(description="人选编号（提出异议时填写）")
    name: str | None = Field(description="姓名")
    unit: str | None = Field(description="派出单位")
    title: str | None = Field(description="职称")
    enterprise: str | None = Field(description="接收（派驻）企业")
    city: str | None = Field(description="企业所在市（地）；省属国企注明")


class PublicNotice(BaseModel):
    id: uuid.UUID = Field(description="公示编号")
    programme: Programme = Field(description="项目")
    title: str = Field(description="公示标题")
    status: m.ListStatus = Field(description="in_notice（公示中）、notice_closed（公示期满）或 published（已正式公布）")
    starts_on: date = Field(description="公示开始日期")
    ends_on: date = Field(description="公示截止日期（当日 24 时结束）")
    working_days: int = Field(description="公示工作日数")
    ends_provisionally: bool = Field(description="截止日期为暂定（跨入尚未公布节假日安排的年份）")
    accepting_objections: bool = Field(description="现在是否受理异议")
    document_number: str | None = Field(description="正式公布的文号")
    entries: list[PublicEntry] = Field(description="公示名单")


# ------------------------------------------------------------------ calendar (R-F7)
class CalendarDayIn(_In):
    day: Day("日期")
    name: Line(100, min_length=1, description="节日名称，例如 春节")


class CalendarYearIn(_In):
    reference: Line(300, min_length=4, description="依据，例如 国办发明电〔2026〕7号")
    holidays: Annotated[list[CalendarDayIn], Field(max_length=60)] = Field(description="放假日（含周末）")
    adjusted_working_days: Annotated[list[CalendarDayIn], Field(max_length=20)] = Field(
        description="调休上班日（周六或周日）"
    )

    def command(self, year: int) -> cmd.LoadCalendarYear:
        return cmd.LoadCalendarYear(
            year,
            self.reference,
            tuple((d.day, d.name) for d in self.holidays),
            tuple((d.day, d.name) for d in self.adjusted_working_days),
        )


class CalendarYearRead(BaseModel):
    year: int = Field(description="年份")
    reference: str = Field(description="依据")
    revision: int = Field(description="导入时的工作日历版本")
    loaded_by: str = Field(description="导入者")
    loaded_at: datetime = Field(description="导入时间")
    days: int = Field(description="放假日与调休上班日的天数")


class CalendarLoaded(BaseModel):
    year: int = Field(description="年份")
    revision: int = Field(description="新的工作日历版本")
    notices_moved: int = Field(description="因此重新计算并改变了截止日期的公示数")


class WorkingDaysRead(BaseModel):
    starts_on: date = Field(description="起始日期")
    ends_on: date = Field(description="第 N 个工作日")
    working_days: list[date] = Field(description="计入的工作日")
    provisional: bool = Field(description="涉及尚未导入节假日安排的年份：仅按周末推算")
    unknown_years: list[int] = Field(description="尚未导入节假日安排的年份")
    calendar_revision: int = Field(description="计算所用的工作日历版本")


# ------------------------------------------------------------------ agreements (R-F8–R-F10)
class AgreementUpdate(_In):
    """The clauses the parties negotiate; a field left out is not changed. Any change voids the signatures given."""

    cooperation_content: Text(4000, min_length=10) = Field(default=None, description="合作内容")
    goals: Text(2000, min_length=4) = Field(default=None, description="合作目标")
    cooperation_forms: Annotated[list[CooperationForm], Field(min_length=1, max_length=len(CooperationForm))] = Field(
        default=None, description="合作方式"
    )
    achievement_rights: Text(4000, min_length=4) = Field(default=None, description="科技成果归属与转化权益")
    enterprise_duties: Text(4000, min_length=4) = Field(default=None, description="甲方（接收单位）的权利和义务")
    expert_duties: Text(4000, min_length=4) = Field(default=None, description="乙方（专家）的权利和义务")
    unit_duties: Text(4000, min_length=4) = Field(default=None, description="丙方（派出单位）的权利和义务")
    post_and_conditions: Text(4000, min_length=4) = Field(
        default=None, description="工作岗位与工作、生活条件（特派员：R-C6）"
    )
    service_days_per_year: Count(1, 366) = Field(
        default=None, description="每年服务天数（科技总师不少于 90 天，即 3 个月，R-F9）"
    )
    term_start: Day("聘期开始") = Field(default=None, description="聘期开始")
    term_end: Day("聘期结束") = Field(default=None, description="聘期结束（科技总师聘期不少于 2 年，R-F9）")

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = [k for k, v in data.items() if v is None]
            if nulls:
                raise ValueError(f"不能将 {', '.join(nulls)} 设为 null；不修改的字段请省略")
        return data

    def changes(self) -> dict[str, Any]:
        sent = self.model_dump(exclude_unset=True, mode="json")
        if "cooperation_forms" in sent:
            sent["cooperation_forms"] = list(dict.fromkeys(sent["cooperation_forms"]))
        return sent


class SignIn(_In):
    content_hash: Annotated[str, Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")] = Field(
        description="所阅读并签署的协议文本的 SHA-256（即协议的 content_hash）：协议若已被修改，签署被拒绝"
    )


class SignatureRead(BaseModel):
    party: str = Field(description="签署方：enterprise（甲方）、expert（乙方）、unit（丙方）")
    signer: str = Field(description="签署人（令牌的 sub）")
    signer_role: str = Field(description="签署人角色")
    signed_at: datetime = Field(description="签署时间")
    version: int = Field(description="所签署的协议版本")
    content_hash: str = Field(description="所签署文本的 SHA-256")
    chain_hash: str = Field(description="签署链哈希：前一签署的链哈希与本次签署内容的 SHA-256")


class AgreementRead(BaseModel):
    id: uuid.UUID = Field(description="协议标识")
    pair_id: uuid.UUID = Field(description="洽谈对象")
    need_id: uuid.UUID = Field(description="技术需求")
    researcher_id: uuid.UUID = Field(description="专家（科研人员）")
    institution_id: uuid.UUID = Field(description="派出单位")
    enterprise_id: str = Field(description="接收单位统一社会信用代码")
    city_code: str = Field(description="接收单位所在市（地）")
    is_soe: bool = Field(description="省属国有企业（由省国资委备案、审批终止）")
    programme: Programme = Field(description="项目")
    parties: dict[str, Any] = Field(description="三方：名称、代码（起草时的登记信息）")
    content: dict[str, Any] = Field(description="协议条款（见 AgreementUpdate 各字段）")
    content_version: int = Field(description="协议文本版本：每次修改加一，已有签署作废")
    content_hash: str = Field(description="当前协议文本的 SHA-256：签署时提交")
    status: str = Field(description="状态：draft、signing、filed（已签署备案，聘任中）、terminated、expired")
    signatures: list[SignatureRead] = Field(description="当前版本的签署")
    awaiting: list[str] = Field(description="尚未签署的一方")
    filed_at: datetime | None = Field(description="备案时间（第三方签署之时：聘任开始）")
    original: dict[str, Any] | None = Field(description="已上传的盖章原件：类型、大小、SHA-256、上传人、时间")
    pace_warnings: list[dict[str, Any]] = Field(description="年度服务进度预警")
    termination: dict[str, Any] | None = Field(description="终止申请及其进展（R-F10）")
    ended_on: date | None = Field(description="终止或期满日期")
    end_reason: str | None = Field(description="终止原因（期满为 expired）")
    updated_at: datetime = Field(description="最近变化时间")


class ServiceLogIn(_In):
    starts_on: Day("开始日期")
    ends_on: Day("结束日期")
    days_on_site: Count(0, 366) = Field(description="驻企天数")
    days_remote: Count(0, 366) = Field(default=0, description="远程服务天数")
    description: Text(4000, min_length=10, description="服务内容（10–4000 字）")
    outcomes: dict[str, Count(0, 10000)] = Field(
        default_factory=dict,
        max_length=10,
        description="成果计数：problems_solved、achievements_transferred、technology_contracts、products_developed、"
        "platforms_built、people_trained、patents_filed",
    )

    @model_validator(mode="after")
    def _known_outcomes(self) -> ServiceLogIn:
        from services.agreements.domain.agreement import OUTCOMES

        unknown = sorted(set(self.outcomes) - set(OUTCOMES))
        if unknown:
            raise ValueError(f"未知的成果指标：{', '.join(unknown)}")
        return self


class ServiceLogRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="服务记录标识")
    agreement_id: uuid.UUID = Field(description="协议")
    year: int = Field(description="协议年度（聘期第几年）")
    starts_on: date = Field(description="开始日期")
    ends_on: date = Field(description="结束日期")
    days_on_site: int = Field(description="驻企天数")
    days_remote: int = Field(description="远程服务天数")
    description: str = Field(description="服务内容")
    outcomes: dict[str, int] = Field(description="成果计数")
    status: str = Field(description="submitted（待企业确认）、confirmed（已确认，计入服务时间）、rejected")
    review_reason: str | None = Field(description="企业未确认的原因")
    submitted_at: datetime = Field(description="填写时间")


class ReviewIn(_In):
    confirmed: bool = Field(description="true 确认（计入服务时间）；false 不确认（须说明原因）")
    reason: Text(1000, min_length=2) | None = Field(default=None, description="不确认的原因")

    @model_validator(mode="after")
    def _reason_when_rejected(self) -> ReviewIn:
        if not self.confirmed and not self.reason:
            raise ValueError("不确认时须说明原因")
        return self


class ServiceYearRead(BaseModel):
    year: int = Field(description="协议年度")
    starts_on: date = Field(description="年度开始")
    ends_on: date = Field(description="年度结束")
    required_days: int = Field(description="约定的年度服务天数")
    confirmed_days: int = Field(description="企业已确认的服务天数")
    pending_days: int = Field(description="待企业确认的服务天数")
    met: bool = Field(description="已达到年度服务要求")
    expected_by_today: int | None = Field(description="按进度截至今天应确认的天数（本年度内）")
    outcomes: dict[str, int] = Field(description="已确认的成果计数")


class ServiceRead(BaseModel):
    agreement_id: uuid.UUID = Field(description="协议")
    years: list[ServiceYearRead] = Field(description="各协议年度的服务时间与成果（R-F9）")
    pace_warnings: list[dict[str, Any]] = Field(description="进度预警")
    logs: list[ServiceLogRead] = Field(description="服务记录")


class ContactIn(_In):
    kind: ContactKind = Field(description="visit 走访、call 电话、meeting 座谈")
    contacted_on: Day("联系日期")
    notes: Text(4000, min_length=4, description="联系情况")
    problems_raised: Text(2000, min_length=2) | None = Field(default=None, description="反映的问题（如有）")


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="记录标识")
    agreement_id: uuid.UUID = Field(description="协议")
    kind: str = Field(description="visit 走访、call 电话、meeting 座谈")
    contacted_on: date = Field(description="联系日期")
    notes: str = Field(description="联系情况")
    problems_raised: str | None = Field(description="反映的问题")
    recorded_by: str = Field(description="记录人")
    resolution: str | None = Field(description="问题解决情况")
    resolved_at: datetime | None = Field(description="解决时间")


class ResolutionIn(_In):
    resolution: Text(2000, min_length=2, description="问题解决情况")


class ServedYearIn(_In):
    year: Count(1, 10) = Field(description="协议年度（聘期第几年）")
    days_on_site: Count(0, 366) = Field(description="驻企天数（企业已在纸质材料上确认）")
    days_remote: Count(0, 366) = Field(default=0, description="远程服务天数")
    description: Text(4000, min_length=2, description="服务内容摘要")
    outcomes: dict[str, Count(0, 10000)] = Field(
        default_factory=dict, max_length=10, description="成果计数（同服务记录）"
    )

    @model_validator(mode="after")
    def _known_outcomes(self) -> ServedYearIn:
        from services.agreements.domain.agreement import OUTCOMES

        unknown = sorted(set(self.outcomes) - set(OUTCOMES))
        if unknown:
            raise ValueError(f"未知的成果指标：{', '.join(unknown)}")
        return self


class AgreementImportIn(_In):
    """平台上线前已签订、正在履行的协议（历史协议备案）。"""

    programme: Programme = Field(description="项目：chief_technologist（科技总师）或 commissioner（企业科技特派员）")
    researcher_id: uuid.UUID = Field(description="专家（须已登记；派出单位取其登记的单位）")
    enterprise_id: Annotated[str, Field(min_length=18, max_length=18, pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")] = Field(
        description="接收企业的统一社会信用代码（须已登记）"
    )
    need_id: uuid.UUID | None = Field(default=None, description="对应的技术需求（平台上有则填）")
    document_number: Line(100, min_length=2, description="纸质协议编号或选派文件文号")
    term_start: Day("聘期开始")
    term_end: Day("聘期结束")
    service_days_per_year: Count(1, 366) = Field(description="每年服务时间（天）；科技总师不少于 90 天（R-F9）")
    cooperation_content: Text(4000, min_length=2, description="合作内容")
    served: list[ServedYearIn] = Field(default_factory=list, max_length=10, description="已服务年度（可选）")
