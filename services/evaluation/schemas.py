"""Evaluation's API models: XIn for requests, XRead for answers (Chinese descriptions for the API documents)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.evaluation.domain.model import ACHIEVEMENT_KINDS, ContractKind
from services.evaluation.domain.rules import Grade
from shared.types import Count, Day, Line, Text

Reason = Text(1000, min_length=2, description="理由（2–1000 字）")
Score = Annotated[float, Field(ge=0, le=100)]
Yuan = Annotated[float, Field(ge=0, le=100_000_000_000, allow_inf_nan=False)]  # 元, rounded to the fen when stored


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReasonIn(_In):
    reason: Reason


# ------------------------------------------------------------------ 总师
class AchievementIn(_In):
    kind: Literal[tuple(ACHIEVEMENT_KINDS)] = Field(  # type: ignore[valid-type]
        description="类型：patent（专利）、licence（许可）、technology_contract（技术合同）、product（新产品）、"
        "standard（标准）、other"
    )
    title: Line(200, min_length=2, description="名称")
    reference: Line(200, min_length=2, description="编号或依据：专利号、合同登记号、产品批文等")


class ChiefEvaluationIn(_In):
    problems_solved: list[Text(1000, min_length=4)] = Field(
        default_factory=list, max_length=50, description="为企业解决的产业问题（每项一段描述；由企业逐项确认，R-V2）"
    )
    achievements: list[AchievementIn] = Field(
        default_factory=list, max_length=50, description="派出单位成果在企业转化（专利、许可、技术合同、产品）"
    )
    comments: Text(4000, min_length=2, description="考评意见")
    score: Score | None = Field(default=None, description="得分（0–100，可不填）")
    grade: Grade | None = Field(
        default=None, description="等次：excellent（优秀）、qualified（合格）、unqualified（不合格）"
    )


class ConfirmProblemsIn(_In):
    problem_ids: list[uuid.UUID] = Field(min_length=1, max_length=50, description="企业确认已解决的问题")


class WindowExtensionIn(_In):
    until: Day("延长后的考评截止日（至多聘期届满后 90 天）")
    reason: Reason


class AllocationIn(_In):
    places: Count(0, 100) = Field(description="分配的优秀名额")
    reason: Reason


class ServiceYearRead(BaseModel):
    year: int = Field(description="协议年度")
    confirmed_days: int = Field(description="企业确认的服务天数")
    required_days: int | None = Field(description="协议约定的每年服务天数")


class ChiefEvaluationRead(BaseModel):
    id: uuid.UUID = Field(description="标识")
    agreement_id: uuid.UUID = Field(description="协议")
    researcher_id: uuid.UUID = Field(description="专家（科研人员）")
    researcher_name: str | None = Field(description="专家")
    institution_id: uuid.UUID = Field(description="派出单位")
    institution_name: str | None = Field(description="派出单位")
    enterprise_id: str = Field(description="接收企业的统一社会信用代码")
    enterprise_name: str | None = Field(description="接收企业")
    city_code: str = Field(description="市（地）代码")
    is_soe: bool = Field(description="是否省属国有企业（由省国资委考评）")
    year: int = Field(description="聘期届满年度")
    term_start: date | None = Field(description="聘期开始")
    term_end: date | None = Field(description="聘期结束")
    window_opens_on: date = Field(description="考评期开始（聘期届满前一个月，R-V1）")
    window_closes_on: date = Field(description="考评期结束（聘期届满日）")
    round_id: uuid.UUID | None = Field(description="所在考评轮次")
    status: str = Field(description="awaiting_window、open、graded、notified、withdrawn")
    problems: list[dict[str, Any]] = Field(description="解决的产业问题及企业确认")
    achievements: list[dict[str, Any]] = Field(description="成果转化")
    service: list[ServiceYearRead] = Field(description="各协议年度确认的服务时间（来自协议服务记录）")
    outcomes: dict[str, int] = Field(description="服务记录中的成果计数合计")
    comments: str | None = Field(description="考评意见")
    score: float | None = Field(description="得分（0–100）")
    grade: str | None = Field(description="等次：excellent、qualified、unqualified")
    grade_label: str | None = Field(description="等次（中文）")
    graded_at: datetime | None = Field(description="评定时间")
    notified_at: datetime | None = Field(description="通知派出单位的时间")
    window_extension: dict[str, Any] | None = Field(
        description="省科技厅例外延长考评期的记录（原截止日、新截止日、理由）"
    )
    priority_for_titles: bool = Field(description="优秀且已通知：职称评审、职务晋升优先考虑，后续项目优先（R-V4）")


class ChiefRoundRead(BaseModel):
    id: uuid.UUID = Field(description="标识")
    body: str = Field(description="city（市（地）科技局、工信局）或 sasac（省国资委）")
    body_label: str = Field(description="考评主体")
    city_code: str | None = Field(description="市（地）代码")
    year: int = Field(description="年度")
    sequence: int = Field(description="同一考评主体当年的第几轮")
    status: str = Field(description="open、confirming（待另一局会签）、reported、returned、notified")
    confirmations: list[str] = Field(description="已提交或会签的单位")
    allocation: dict[str, Any] | None = Field(description="省科技厅分配的优秀名额及理由（参评不足 5 人时）")
    participants: int = Field(description="参评人数（不含已撤销）")
    graded: int = Field(description="已评定人数")
    excellent: int = Field(description="优秀人数")
    qualified: int = Field(description="合格人数")
    unqualified: int = Field(description="不合格人数")
    excellent_places: int = Field(description="按 R-V3 计算的优秀名额上限")
    return_reason: str | None = Field(description="退回修改的理由")
    updated_at: datetime = Field(description="最近变化时间")


# ------------------------------------------------------------------ 特派员
class CommissionerRoundIn(_In):
    year: Count(2000, 2100) = Field(description="考评年度")


class MaterialIn(_In):
    problems_solved: list[Text(1000, min_length=2)] = Field(
        default_factory=list, max_length=50, description="解决的技术难题"
    )
    platforms_built: list[Text(1000, min_length=2)] = Field(
        default_factory=list, max_length=50, description="建设的研发平台"
    )
    core_products: list[Text(1000, min_length=2)] = Field(
        default_factory=list, max_length=50, description="开发的核心产品"
    )
    capability_gained: Text(4000, min_length=2, description="企业创新能力提升")


class AssessmentIn(_In):
    score: Score = Field(description="县级考核得分（0–100）")
    comments: Text(4000, min_length=2, description="县级考核意见")


class ResultIn(_In):
    grade: Grade = Field(description="年度考评等次")
    comments: Text(4000, min_length=2, description="市级意见（对照协议约定）")


class ObjectionIn(_In):
    reason: Reason


class ResolutionIn(_In):
    upheld: bool = Field(description="true：异议成立，不予淘汰；false：驳回")
    resolution: Reason


class CommissionerRoundRead(BaseModel):
    id: uuid.UUID = Field(description="标识")
    city_code: str = Field(description="市（地）代码")
    year: int = Field(description="年度")
    status: str = Field(description="open、proposed（末位淘汰拟定，异议期）、filed（已报省备案）")
    rule: dict[str, Any] | None = Field(description="所用的末位淘汰规则")
    ranking: list[dict[str, Any]] = Field(description="排名及拟淘汰名单（proposed=true）")
    objections_close_at: datetime | None = Field(description="异议截止时间")
    counts: dict[str, int] = Field(description="报省备案时的统计")
    filed_at: datetime | None = Field(description="报省备案时间")
    updated_at: datetime = Field(description="最近变化时间")


class CommissionerEvaluationRead(BaseModel):
    id: uuid.UUID = Field(description="标识")
    round_id: uuid.UUID = Field(description="所在考评轮次")
    agreement_id: uuid.UUID = Field(description="协议")
    researcher_id: uuid.UUID = Field(description="专家（科研人员）")
    researcher_name: str | None = Field(description="专家姓名")
    institution_id: uuid.UUID = Field(description="派出单位")
    institution_name: str | None = Field(description="派出单位名称")
    enterprise_id: str = Field(description="接收企业的统一社会信用代码")
    enterprise_name: str | None = Field(description="接收企业名称")
    city_code: str = Field(description="市（地）代码")
    county: str = Field(description="县（市、区）")
    year: int = Field(description="年度")
    status: str = Field(description="awaiting_material、material_submitted、assessed、determined")
    commitment: dict[str, Any] = Field(description="协议约定：聘期、每年服务天数（市级对照确定结果）")
    prefilled: dict[str, Any] = Field(description="平台已有的：本年度确认服务天数、成果计数、技术合同")
    material: dict[str, Any] | None = Field(description="企业提交的考评材料（R-V6）")
    attachments: list[dict[str, Any]] = Field(description="材料附件（元数据）")
    material_missing: bool = Field(description="县级考核时企业尚未提交材料")
    county_score: float | None = Field(description="县级考核得分")
    county_comments: str | None = Field(description="县级考核意见")
    grade: str | None = Field(description="等次：excellent、qualified、unqualified")
    grade_label: str | None = Field(description="等次（中文）")
    city_comments: str | None = Field(description="市级意见")
    objections: list[dict[str, Any]] = Field(description="对拟淘汰的异议及处理")
    eliminated: bool = Field(description="已确认末位淘汰")


# ------------------------------------------------------------------ R-V7
class ContractIn(_In):
    agreement_id: uuid.UUID = Field(description="企业科技特派员协议")
    kind: ContractKind = Field(description="development（技术开发）或 transfer（技术转让）")
    registration_number: Line(100, min_length=4, description="技术合同登记编号")
    signed_on: Day("签订日期")
    amount_yuan: Yuan = Field(description="合同金额（元）")
    subsidy_yuan: Yuan | None = Field(default=None, description="企业获得的技术交易补助（元）")
    reward_yuan: Yuan | None = Field(default=None, description="企业给予特派员的奖励（元）")


class ContractUpdate(_In):
    subsidy_yuan: Yuan | None = Field(default=None, description="技术交易补助（元）")
    reward_yuan: Yuan | None = Field(default=None, description="给予特派员的奖励（元）")


class ContractRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="标识")
    agreement_id: uuid.UUID = Field(description="协议")
    researcher_id: uuid.UUID = Field(description="专家（科研人员）")
    institution_id: uuid.UUID = Field(description="派出单位")
    enterprise_id: str = Field(description="接收企业的统一社会信用代码")
    city_code: str = Field(description="市（地）代码")
    county: str = Field(description="县（市、区）")
    kind: str = Field(description="类型")
    registration_number: str = Field(description="技术合同登记编号")
    signed_on: date = Field(description="签订日期")
    amount_yuan: Decimal = Field(description="合同金额（元）")
    subsidy_yuan: Decimal | None = Field(description="技术交易补助（元）")
    reward_yuan: Decimal | None = Field(description="给予特派员的奖励（元）")
    reward_below_encouraged_share: bool = Field(
        description="奖励低于技术交易补助的 10%（鼓励性要求，R-V7：仅提示，不拒绝）"
    )
    updated_at: datetime = Field(description="最近变化时间")


class AttachmentRead(BaseModel):
    id: uuid.UUID = Field(description="标识")
    filename: str = Field(description="文件名")
    content_type: str = Field(description="按内容核对的类型")
    size: int = Field(description="大小（字节）")
    sha256: str = Field(description="内容的 SHA-256")
    uploaded_at: datetime = Field(description="上传时间")


class ObjectionRead(BaseModel):
    id: uuid.UUID = Field(description="标识")
    by: str = Field(description="提出人")
    role: str = Field(description="提出人角色")
    reason: str = Field(description="理由")
    filed_at: datetime = Field(description="提出时间")
    status: str = Field(description="pending、upheld（成立）、dismissed（驳回）")
    resolution: str | None = Field(description="处理意见")
    resolved_by: str | None = Field(description="处理人")
