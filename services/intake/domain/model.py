"""Intake's domain model: plain Python, no framework.

Registries (派出单位 institutions, researchers, enterprises), yearly batches, needs (技术需求) with
their review state machine (R-F1), and researcher applications (R-F4).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from shared.domain import StateConflict
from shared.statemachine import StateMachine, Transition
from shared.vocabulary import LABELS as SHARED_LABELS
from shared.vocabulary import Bureau, CooperationForm, NeedStatus, Programme, Title


def now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- vocabularies
class InstitutionKind(StrEnum):
    UNIVERSITY = "university"  # 高校
    RESEARCH_INSTITUTE = "research_institute"  # 科研院所


class Affiliation(StrEnum):
    PROVINCIAL = "provincial"  # 省属
    MINISTERIAL = "ministerial"  # 部属
    OTHER = "other"


class Degree(StrEnum):
    DOCTORATE = "doctorate"  # 博士
    MASTER = "master"  # 硕士
    BACHELOR = "bachelor"  # 学士
    OTHER = "other"


class AchievementKind(StrEnum):
    PAPER = "paper"  # 论文
    PATENT = "patent"  # 专利
    PROJECT = "project"  # 项目
    PRODUCT = "product"  # 产品


class Qualification(StrEnum):
    """R-C2: an enterprise of the 总师 programme holds at least one."""

    ABOVE_SCALE_INDUSTRIAL = "above_scale_industrial"  # 规上工业企业
    HIGH_TECH = "high_tech"  # 高新技术企业
    ADVANCED_TECH_SERVICE = "advanced_tech_service"  # 技术先进型服务企业
    LITTLE_GIANT = "little_giant"  # 专精特新"小巨人"企业
    SPECIALISED_SME = "specialised_sme"  # 专精特新中小企业


class Platform(StrEnum):
    """R-C4: provincial-or-higher innovation platforms that give priority."""

    CONCEPT_VERIFICATION_CENTER = "concept_verification_center"  # 概念验证中心
    PILOT_PLATFORM = "pilot_platform"  # 中试熟化平台
    INDUSTRIAL_TECH_INSTITUTE = "industrial_tech_institute"  # 产业技术研究院
    ENGINEERING_RESEARCH_CENTER = "engineering_research_center"  # 工程技术研究中心
    PROVINCIAL_KEY_LAB = "provincial_key_lab"  # 省重点实验室


class EquityParty(StrEnum):
    RESEARCHER = "researcher"
    INSTITUTION = "institution"


class EquityRelation(StrEnum):
    FOUNDER = "founder"  # 创办
    SHAREHOLDER = "shareholder"  # 入股


# What each value is called in Chinese: for people reading the API (OpenAPI) and the messages.
LABELS: dict[type[StrEnum], dict[StrEnum, str]] = {
    InstitutionKind: {
        InstitutionKind.UNIVERSITY: "高校",
        InstitutionKind.RESEARCH_INSTITUTE: "科研院所",
    },
    Affiliation: {
        Affiliation.PROVINCIAL: "省属",
        Affiliation.MINISTERIAL: "部属",
        Affiliation.OTHER: "其他",
    },
    Degree: {
        Degree.DOCTORATE: "博士",
        Degree.MASTER: "硕士",
        Degree.BACHELOR: "学士",
        Degree.OTHER: "其他",
    },
    AchievementKind: {
        AchievementKind.PAPER: "论文",
        AchievementKind.PATENT: "专利",
        AchievementKind.PROJECT: "项目",
        AchievementKind.PRODUCT: "产品",
    },
    Qualification: {
        Qualification.ABOVE_SCALE_INDUSTRIAL: "规上工业企业",
        Qualification.HIGH_TECH: "高新技术企业",
        Qualification.ADVANCED_TECH_SERVICE: "技术先进型服务企业",
        Qualification.LITTLE_GIANT: "专精特新“小巨人”企业",
        Qualification.SPECIALISED_SME: "专精特新中小企业",
    },
    Platform: {
        Platform.CONCEPT_VERIFICATION_CENTER: "概念验证中心",
        Platform.PILOT_PLATFORM: "中试熟化平台",
        Platform.INDUSTRIAL_TECH_INSTITUTE: "产业技术研究院",
        Platform.ENGINEERING_RESEARCH_CENTER: "工程技术研究中心",
        Platform.PROVINCIAL_KEY_LAB: "省重点实验室",
    },
    EquityParty: {
        EquityParty.RESEARCHER: "科研人员本人",
        EquityParty.INSTITUTION: "科研人员所在单位",
    },
    EquityRelation: {
        EquityRelation.FOUNDER: "创办",
        EquityRelation.SHAREHOLDER: "入股",
    },
}


# ---------------------------------------------------------------- registries
@dataclass
class Institution:
    """派出单位: a university or research institute."""

    id: uuid.UUID
    name: str
    kind: InstitutionKind
    affiliation: Affiliation
    city_code: str | None  # None: outside Heilongjiang (R-U1)
    master_degree_disciplines: list[str]  # disciplines with master's-degree-granting rights (R-U2)
    first_class_disciplines: list[str]  # provincial-or-higher first-class disciplines (R-U2)
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    version: int = 1


@dataclass
class Achievement:
    """科技成果: a paper, patent, project or product."""

    id: uuid.UUID
    researcher_id: uuid.UUID
    kind: AchievementKind
    title: str
    summary: str
    year: int
    keywords: list[str]


@dataclass
class Researcher:
    id: uuid.UUID
    institution_id: uuid.UUID
    employee_no: str  # 工号, unique within the institution: the key of bulk imports
    name: str
    date_of_birth: date
    highest_degree: Degree
    title: Title
    disciplines: list[str]
    research_fields: str
    research_misconduct: bool  # R-E1
    achievements: list[Achievement] = field(default_factory=list)
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    version: int = 1


@dataclass
class EquityLink:
    """R-C5: who founded or holds shares in an enterprise."""

    party_type: EquityParty
    party_id: uuid.UUID
    relation: EquityRelation


@dataclass
class Enterprise:
    id: str  # the unified social credit code (R-C7)
    name: str
    city_code: str
    county: str
    registered_on: date
    independent_legal_person: bool
    qualifications: list[Qualification]
    platforms: list[Platform]
    is_soe: bool  # province-owned SOE: reviewed by SASAC (R-F1)
    research_misconduct: bool  # R-C1
    equity_links: list[EquityLink]
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    version: int = 1


# ---------------------------------------------------------------- batches
MAX_WINDOW_DAYS = 366
EARLIEST_WINDOW, LATEST_WINDOW = date(2020, 1, 1), date(2100, 12, 31)


@dataclass
class Batch:
    """A yearly call for needs of one programme (R-F1); needs are accepted only while it is open."""

    id: uuid.UUID
    programme: Programme
    year: int
    title: str
    opens_on: date
    closes_on: date
    closed_early: bool = False
    created_at: datetime = field(default_factory=now)

    def is_open(self, today: date) -> bool:
        return not self.closed_early and self.opens_on <= today <= self.closes_on

    @staticmethod
    def window_problem(opens_on: date, closes_on: date) -> str | None:
        """Why a submission window is not a real one (None: it is): ordered, at most a year, in this century."""
        if closes_on < opens_on:
            return "征集截止日期不能早于开始日期"
        if (closes_on - opens_on).days > MAX_WINDOW_DAYS:
            return f"征集期不能超过 {MAX_WINDOW_DAYS} 天"
        if opens_on < EARLIEST_WINDOW or closes_on > LATEST_WINDOW:
            return f"征集期应在 {EARLIEST_WINDOW} 至 {LATEST_WINDOW} 之间"
        return None


# ---------------------------------------------------------------- needs
class ReviewerKind(StrEnum):
    CITY = "city"
    SASAC = "sasac"


def required_bureaus(programme: Programme) -> frozenset[Bureau]:
    """Which city bureaus must approve (R-F1).

    总师: the city's 科技局 and 工信局 review and report jointly (seed 001, 三(一)).
    特派员: the city's 科技局 reviews (seed 000, 七(一)(二)).
    """
    if programme is Programme.CHIEF_TECHNOLOGIST:
        return frozenset({Bureau.SCIENCE_TECH, Bureau.INDUSTRY_IT})
    return frozenset({Bureau.SCIENCE_TECH})


NEED_LIFECYCLE: StateMachine[NeedStatus] = StateMachine(
    "需求",
    SHARED_LABELS[NeedStatus],
    [
        # One approval of several (总师: both bureaus, R-F1) keeps the need submitted; the last completes it.
        Transition("approve", "审核通过", {NeedStatus.SUBMITTED}, {NeedStatus.SUBMITTED, NeedStatus.APPROVED}),
        Transition("reject", "驳回", {NeedStatus.SUBMITTED}, {NeedStatus.REJECTED}),
        # The enterprise may withdraw until the province has received the need (R-F1).
        Transition("withdraw", "撤回", {NeedStatus.SUBMITTED, NeedStatus.APPROVED}, {NeedStatus.WITHDRAWN}),
        Transition("report", "报送", {NeedStatus.APPROVED}, {NeedStatus.REPORTED}),
    ],
)


class AlreadyApproved(StateConflict):
    code = "ALREADY_APPROVED"


@dataclass
class Need:
    """技术需求: what an enterprise asks the programme for."""

    id: uuid.UUID
    enterprise_id: str
    batch_id: uuid.UUID
    programme: Programme
    city_code: str
    is_soe: bool
    title: str
    description: str
    industry: str
    desired_expertise: str
    keywords: list[str]
    cooperation_forms: list[CooperationForm]
    conditions_offered: str  # working / living / research conditions offered (R-C3, R-C6)
    experts_wanted: int
    status: NeedStatus = NeedStatus.SUBMITTED
    approvals: list[str] = field(default_factory=list)  # bureaus (or "sasac") that approved
    rejection_reason: str | None = None
    submitted_by: str = ""
    submitted_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    version: int = 1

    @property
    def reviewer(self) -> ReviewerKind:
        return ReviewerKind.SASAC if self.is_soe else ReviewerKind.CITY

    def approve(self, approver: str) -> bool:
        """Record one approval; True when the last required approval arrived (the need is approved)."""
        NEED_LIFECYCLE.require(self, "approve")
        if approver in self.approvals:
            raise AlreadyApproved("本单位已审核通过该需求", current_state=str(self.status))
        self.approvals = [*self.approvals, approver]
        required = {"sasac"} if self.is_soe else {b.value for b in required_bureaus(self.programme)}
        complete = required <= set(self.approvals)
        NEED_LIFECYCLE.fire(self, "approve", to=NeedStatus.APPROVED if complete else NeedStatus.SUBMITTED)
        self.updated_at = now()
        return complete

    def reject(self, reason: str) -> None:
        NEED_LIFECYCLE.fire(self, "reject")
        self.rejection_reason, self.updated_at = reason, now()

    def withdraw(self) -> None:
        NEED_LIFECYCLE.fire(self, "withdraw")
        self.updated_at = now()

    def report_to_province(self) -> None:
        NEED_LIFECYCLE.fire(self, "report")
        self.updated_at = now()


def normalise_keywords(keywords: list[str]) -> list[str]:
    """Trim, drop empties and case-insensitive duplicates, keep the enterprise's order."""
    seen: dict[str, str] = {}
    for keyword in keywords:
        k = keyword.strip()
        if k and k.casefold() not in seen:
            seen[k.casefold()] = k
    return list(seen.values())


# ---------------------------------------------------------------- researcher applications (特派员, R-F4)
class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"  # by the dispatching unit; reaches the province
    REJECTED = "rejected"


APPLICATION_LIFECYCLE: StateMachine[ApplicationStatus] = StateMachine(
    "申报",
    {
        ApplicationStatus.SUBMITTED: "待单位审核",
        ApplicationStatus.APPROVED: "单位已同意",
        ApplicationStatus.REJECTED: "单位未同意",
    },
    [
        Transition("approve", "同意", {ApplicationStatus.SUBMITTED}, {ApplicationStatus.APPROVED}),
        Transition("reject", "不同意", {ApplicationStatus.SUBMITTED}, {ApplicationStatus.REJECTED}),
    ],
)


@dataclass
class ResearcherApplication:
    """拟派出科研人员基本情况表: a researcher volunteers for a 特派员 batch; their unit approves (R-F4)."""

    id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    batch_id: uuid.UUID
    statement: str
    status: ApplicationStatus = ApplicationStatus.SUBMITTED
    decision_reason: str | None = None
    submitted_at: datetime = field(default_factory=now)
    decided_at: datetime | None = None
    version: int = 1

    def decide(self, approve: bool, reason: str | None) -> None:
        APPLICATION_LIFECYCLE.fire(self, "approve" if approve else "reject")
        self.decision_reason, self.decided_at = reason, now()
