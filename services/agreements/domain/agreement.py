"""Agreements' domain, part 2: the tripartite agreement, the service during the term, and its end (R-F8–R-F10).

- An **agreement** (三方合作协议 / 协议书) is drafted for a selected pair, edited by the parties, signed by all
  three (enterprise, expert, dispatching unit — each signature covers the exact text it read, and any change
  voids the signatures given) and, with the third signature, **filed** with the city bureaus (SASAC for SOEs):
  the appointment starts. R-F9 sets the floors of a 总师 agreement: a term of at least 2 years and at least
  3 months of service in each year.
- **Service logs** are the expert's record of the service; the enterprise confirms or rejects each, and only
  confirmed time counts towards the year's commitment.
- **Tracking contacts** (跟踪联系) are the bureaus' visits and calls.
- **Termination** (R-F10): the enterprise or the expert asks, the other party agrees, the city's two bureaus
  (SASAC for SOEs) approve; or the term simply expires.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from shared.domain import RuleFailure, RuleViolation, StateConflict
from shared.statemachine import StateMachine, Transition
from shared.vocabulary import Bureau, Programme


def now() -> datetime:
    return datetime.now(UTC)


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class Party(StrEnum):
    ENTERPRISE = "enterprise"  # 甲方 接收（驻点）企业
    EXPERT = "expert"  # 乙方 科技总师 / 科技特派员
    UNIT = "unit"  # 丙方 派出单位


PARTY_NAMES = {Party.ENTERPRISE: "甲方（接收单位）", Party.EXPERT: "乙方（专家）", Party.UNIT: "丙方（派出单位）"}


@dataclass(frozen=True)
class Floors:
    """What an agreement must at least say (R-F9 for 总师; settings for 特派员)."""

    term_years: int
    service_days_per_year: int


# ------------------------------------------------------------------ the agreement (R-F8, R-F9)
class AgreementStatus(StrEnum):
    DRAFT = "draft"
    SIGNING = "signing"
    FILED = "filed"
    TERMINATED = "terminated"
    EXPIRED = "expired"


AGREEMENT_LIFECYCLE: StateMachine[AgreementStatus] = StateMachine(
    "协议",
    {
        AgreementStatus.DRAFT: "起草中",
        AgreementStatus.SIGNING: "签署中",
        AgreementStatus.FILED: "已签署备案（聘任中）",
        AgreementStatus.TERMINATED: "已提前终止",
        AgreementStatus.EXPIRED: "聘期届满",
    },
    [
        Transition("edit", "修改协议内容", {AgreementStatus.DRAFT, AgreementStatus.SIGNING}, {AgreementStatus.DRAFT}),
        Transition(
            "sign",
            "签署",
            {AgreementStatus.DRAFT, AgreementStatus.SIGNING},
            {AgreementStatus.SIGNING, AgreementStatus.FILED},
        ),
        Transition("attach_original", "上传盖章扫描件", {AgreementStatus.FILED}, {AgreementStatus.FILED}),
        Transition("serve", "记录服务", {AgreementStatus.FILED}, {AgreementStatus.FILED}),
        Transition("terminate", "终止协议", {AgreementStatus.FILED}, {AgreementStatus.TERMINATED}),
        Transition("expire", "聘期届满", {AgreementStatus.FILED}, {AgreementStatus.EXPIRED}),
    ],
)

CLAUSES = (  # the agreement's editable content, in the order the document shows it
    ("cooperation_content", "合作内容"),
    ("goals", "合作目标"),
    ("cooperation_forms", "合作方式"),
    ("achievement_rights", "科技成果归属与转化权益"),
    ("enterprise_duties", "甲方的权利和义务"),
    ("expert_duties", "乙方的权利和义务"),
    ("unit_duties", "丙方的权利和义务"),
    ("post_and_conditions", "工作岗位与工作、生活条件"),
    ("service_days_per_year", "每年服务时间（天）"),
    ("term_start", "聘期开始"),
    ("term_end", "聘期结束"),
)


@dataclass(frozen=True)
class Signature:
    party: Party
    signer: str  # the token's subject
    signer_role: str
    signed_at: datetime
    version: int
    content_hash: str  # SHA-256 of the canonical text signed
    chain_hash: str  # SHA-256 of the previous signature's chain hash and this signature: the order cannot be forged

    def as_dict(self) -> dict[str, Any]:
        return {
            "party": self.party.value,
            "signer": self.signer,
            "signer_role": self.signer_role,
            "signed_at": self.signed_at.isoformat(),
            "version": self.version,
            "content_hash": self.content_hash,
            "chain_hash": self.chain_hash,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Signature:
        return cls(
            Party(d["party"]),
            d["signer"],
            d["signer_role"],
            datetime.fromisoformat(d["signed_at"]),
            d["version"],
            d["content_hash"],
            d["chain_hash"],
        )


class AgreementRefused(RuleViolation):
    code = "AGREEMENT_BELOW_FLOORS"


def floor_failures(content: dict[str, Any], programme: Programme, floors: Floors) -> list[RuleFailure]:
    """R-F9 (总师): a term of at least 2 years and at least 3 months' service a year; 特派员: the settings' floors."""
    rule = "R-F9" if programme is Programme.CHIEF_TECHNOLOGIST else "R-F8"
    start, end = date.fromisoformat(content["term_start"]), date.fromisoformat(content["term_end"])
    found = []
    if end <= start:
        found.append(RuleFailure(rule, "聘期结束须晚于开始", "term_end"))
    elif add_years(start, floors.term_years) - timedelta(days=1) > end:  # a term includes its last day
        found.append(RuleFailure(rule, f"聘期不少于 {floors.term_years} 年", "term_end"))
    if int(content["service_days_per_year"]) < floors.service_days_per_year:
        found.append(
            RuleFailure(rule, f"每年服务时间不少于 {floors.service_days_per_year} 天", "service_days_per_year")
        )
    return found


@dataclass
class Agreement:
    """A tripartite agreement for one selected pair; its ``content`` is what the three parties sign."""

    id: uuid.UUID
    pair_id: uuid.UUID
    need_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    enterprise_id: str
    city_code: str
    is_soe: bool
    programme: Programme
    batch_id: uuid.UUID | None
    parties: dict[str, Any]  # names and codes of the parties as registered (filled at drafting)
    content: dict[str, Any]
    status: AgreementStatus = AgreementStatus.DRAFT
    content_version: int = 1
    signatures: list[dict[str, Any]] = field(default_factory=list)
    filed_at: datetime | None = None
    original: dict[str, Any] | None = None  # the stamped paper copy uploaded as the filed original (metadata)
    pace_warnings: list[dict[str, Any]] = field(default_factory=list)
    ended_on: date | None = None
    end_reason: str | None = None
    termination: dict[str, Any] | None = None  # the current or last termination request (R-F10)
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    version: int = 1

    # ---- content and floors
    @property
    def term_start(self) -> date:
        return date.fromisoformat(self.content["term_start"])

    @property
    def term_end(self) -> date:
        return date.fromisoformat(self.content["term_end"])

    @property
    def service_days_per_year(self) -> int:
        return int(self.content["service_days_per_year"])

    def floor_failures(self, floors: Floors) -> list[RuleFailure]:
        """What the content says below the floors (R-F9 for 总师)."""
        return floor_failures(self.content, self.programme, floors)

    def edit(self, changes: dict[str, Any], floors: Floors) -> list[dict[str, Any]]:
        """Change the content (the parties negotiate it); every signature given is voided — each party signs what it
        read. Refused below the floors (R-F9). Returns the signatures voided."""
        AGREEMENT_LIFECYCLE.require(self, "edit")
        proposed = {**self.content, **changes}
        failures = floor_failures(proposed, self.programme, floors)
        if failures:
            raise AgreementRefused("协议内容低于规定的最低要求：" + "；".join(f.message for f in failures), failures)
        if proposed == self.content:
            return []
        voided = list(self.signatures)
        self.content, self.content_version, self.signatures = proposed, self.content_version + 1, []
        AGREEMENT_LIFECYCLE.fire(self, "edit")
        self._touch()
        return voided

    def canonical_text(self) -> str:
        """What a signature covers: the parties and every clause, in a stable form (sorted keys, no spaces)."""
        body = {
            "agreement_id": str(self.id),
            "version": self.content_version,
            "parties": self.parties,
            "content": self.content,
            "programme": self.programme.value,
        }
        return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_text().encode()).hexdigest()

    # ---- signatures (R-F8)
    def signed_parties(self) -> set[Party]:
        return {Party(s["party"]) for s in self.signatures}

    def sign(self, party: Party, signer: str, signer_role: str, read_hash: str, floors: Floors, at: datetime) -> bool:
        """One party signs the text it read (``read_hash``); True when this was the third signature — the
        agreement is then filed and the appointment starts."""
        AGREEMENT_LIFECYCLE.require(self, "sign")
        current = self.content_hash()
        if read_hash != current:
            raise StateConflict(
                "签署的文本不是协议的当前版本（协议已被修改），请阅读最新版本后再签署",
                code="SIGNED_VERSION_VOIDED",
                current_version=self.content_version,
                content_hash=current,
            )
        if party in self.signed_parties():
            raise StateConflict("该方已签署本版本", code="ALREADY_SIGNED", current_state=str(self.status))
        failures = self.floor_failures(floors)
        if failures:  # the floors may have been raised since drafting: never sign below them
            raise AgreementRefused("协议内容低于规定的最低要求：" + "；".join(f.message for f in failures), failures)
        previous = self.signatures[-1]["chain_hash"] if self.signatures else current
        chain = hashlib.sha256(f"{previous}|{party.value}|{signer}|{at.isoformat()}|{current}".encode()).hexdigest()
        signature = Signature(party, signer, signer_role, at, self.content_version, current, chain)
        self.signatures = [*self.signatures, signature.as_dict()]
        complete = self.signed_parties() == set(Party)
        AGREEMENT_LIFECYCLE.fire(self, "sign", to=AgreementStatus.FILED if complete else AgreementStatus.SIGNING)
        if complete:
            self.filed_at = at
        self._touch()
        return complete

    def attach_original(self, metadata: dict[str, Any]) -> None:
        """The stamped paper copy (盖章扫描件) becomes the filed original."""
        AGREEMENT_LIFECYCLE.fire(self, "attach_original")
        self.original = metadata
        self._touch()

    # ---- the term
    def year_of(self, day: date) -> int | None:
        """The agreement year ``day`` falls in (1, 2, …), or None outside the term."""
        if not self.term_start <= day <= self.term_end:
            return None
        year = 1
        while add_years(self.term_start, year) <= day:
            year += 1
        return year

    def year_bounds(self, year: int) -> tuple[date, date]:
        """First and last day of agreement year ``year`` (the last year ends with the term)."""
        start = add_years(self.term_start, year - 1)
        end = min(add_years(self.term_start, year) - _ONE_DAY, self.term_end)
        return start, end

    @property
    def years(self) -> int:
        return self.year_of(self.term_end) or 0

    def warn_pace(self, year: int, confirmed_days: int, expected_days: int, at: datetime) -> dict[str, Any]:
        warning = {
            "year": year,
            "confirmed_days": confirmed_days,
            "expected_days": expected_days,
            "required_days": self.service_days_per_year,
            "at": at.isoformat(),
        }
        self.pace_warnings = [*self.pace_warnings, warning]
        self._touch()
        return warning

    # ---- the end (R-F10)
    def request_termination(self, by: Party, reason: str, requester: str) -> None:
        AGREEMENT_LIFECYCLE.require(self, "terminate")
        if self.termination and self.termination["status"] in OPEN_TERMINATION:
            raise StateConflict(
                "已有尚未办结的终止申请", code="TERMINATION_PENDING", current_state="termination_requested"
            )
        if by not in (Party.ENTERPRISE, Party.EXPERT):
            raise StateConflict("终止协议由接收单位或专家提出", code="TERMINATION_REQUESTER_INVALID")
        self.termination = {
            "status": TerminationStatus.REQUESTED.value,
            "requested_by": by.value,
            "requester": requester,
            "reason": reason,
            "requested_at": now().isoformat(),
            "approvals": [],
            "refusal": None,
        }
        self._touch()

    def agree_termination(self, by: Party) -> None:
        termination = self._open_termination(TerminationStatus.REQUESTED, "同意终止")
        other = Party.EXPERT if termination["requested_by"] == Party.ENTERPRISE.value else Party.ENTERPRISE
        if by is not other:
            raise StateConflict("终止申请须由另一方（接收单位或专家）同意", code="TERMINATION_PARTY_INVALID")
        self.termination = {**termination, "status": TerminationStatus.AGREED.value, "agreed_at": now().isoformat()}
        self._touch()

    def approve_termination(self, approver: str, required: frozenset[str]) -> bool:
        """A bureau (or SASAC) approves; True when the last required approval ends the agreement (R-F10)."""
        termination = self._open_termination(TerminationStatus.AGREED, "审批终止")
        if approver not in required:
            raise StateConflict("无需该单位审批", code="APPROVER_NOT_REQUIRED")
        if approver in termination["approvals"]:
            raise StateConflict("本单位已同意终止", code="ALREADY_APPROVED")
        approvals = [*termination["approvals"], approver]
        complete = set(approvals) >= required
        status = TerminationStatus.APPROVED if complete else TerminationStatus.AGREED
        self.termination = {**termination, "approvals": approvals, "status": status.value}
        if complete:
            self.end(AgreementStatus.TERMINATED, termination["reason"], "terminate")
        self._touch()
        return complete

    def refuse_termination(self, by: str, reason: str) -> None:
        """The other party or a bureau says no: the request is closed with the reason (the term goes on)."""
        termination = self.termination
        if not termination or termination["status"] not in OPEN_TERMINATION:
            raise StateConflict("没有待办的终止申请", code="NO_TERMINATION_PENDING")
        self.termination = {
            **termination,
            "status": TerminationStatus.REFUSED.value,
            "refusal": {"by": by, "reason": reason, "at": now().isoformat()},
        }
        self._touch()

    def end_by_elimination(self, reason: str, evaluation_id: str) -> None:
        """末位淘汰 confirmed by the city (R-V5): ended as an approved termination requested by evaluation."""
        self.termination = {
            "status": TerminationStatus.APPROVED.value,
            "requested_by": "evaluation",
            "requester": "evaluation",
            "reason": reason,
            "approvals": [],
            "evaluation_id": evaluation_id,
        }
        self.end(AgreementStatus.TERMINATED, reason, "terminate")

    def end(self, status: AgreementStatus, reason: str, action: str, on: date | None = None) -> None:
        AGREEMENT_LIFECYCLE.fire(self, action, to=status)
        self.ended_on, self.end_reason = on or now().date(), reason
        self._touch()

    def _open_termination(self, expected: TerminationStatus, what: str) -> dict[str, Any]:
        AGREEMENT_LIFECYCLE.require(self, "terminate")
        termination = self.termination
        if not termination or termination["status"] != expected.value:
            current = termination["status"] if termination else "none"
            raise StateConflict(
                f"终止申请当前状态为「{TERMINATION_LABELS.get(current, current)}」，不能{what}",
                code="ILLEGAL_TRANSITION",
                current_state=current,
            )
        return termination

    def _touch(self) -> None:
        self.updated_at = now()


_ONE_DAY = timedelta(days=1)


class TerminationStatus(StrEnum):
    REQUESTED = "requested"
    AGREED = "agreed"
    APPROVED = "approved"
    REFUSED = "refused"


OPEN_TERMINATION = (TerminationStatus.REQUESTED.value, TerminationStatus.AGREED.value)
TERMINATION_LABELS = {
    "requested": "已申请、待另一方同意",
    "agreed": "双方同意、待审批",
    "approved": "已批准",
    "refused": "未获同意",
    "none": "无",
}


def termination_approvers(is_soe: bool) -> frozenset[str]:
    """R-F10: the city's 科技局 and 工信局 both approve; SASAC for an SOE."""
    return frozenset({"sasac"}) if is_soe else frozenset({Bureau.SCIENCE_TECH.value, Bureau.INDUSTRY_IT.value})


# ------------------------------------------------------------------ service during the term (R-F9)
OUTCOMES = {  # what a service log counts: the duties the seeds name
    "problems_solved": "解决技术难题（项）",
    "achievements_transferred": "派出单位成果在企业转化（项）",
    "technology_contracts": "技术开发、转让合同（份）",
    "products_developed": "新产品、核心产品研发（项）",
    "platforms_built": "共建研发平台（个）",
    "people_trained": "培养、培训人才（人次）",
    "patents_filed": "申请知识产权（件）",
}


class LogStatus(StrEnum):
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


LOG_LIFECYCLE: StateMachine[LogStatus] = StateMachine(
    "服务记录",
    {LogStatus.SUBMITTED: "待企业确认", LogStatus.CONFIRMED: "企业已确认", LogStatus.REJECTED: "企业未确认"},
    [Transition("review", "确认", {LogStatus.SUBMITTED}, {LogStatus.CONFIRMED, LogStatus.REJECTED})],
)


@dataclass
class ServiceLog:
    """The expert's record of a period of service; only the enterprise's confirmation makes it count."""

    id: uuid.UUID
    agreement_id: uuid.UUID
    year: int  # the agreement year it belongs to
    starts_on: date
    ends_on: date
    days_on_site: int
    days_remote: int
    description: str
    outcomes: dict[str, int]
    submitted_by: str
    status: LogStatus = LogStatus.SUBMITTED
    review_reason: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    submitted_at: datetime = field(default_factory=now)

    @property
    def days(self) -> int:
        return self.days_on_site + self.days_remote

    @classmethod
    def record(
        cls,
        agreement: Agreement,
        starts_on: date,
        ends_on: date,
        days_on_site: int,
        days_remote: int,
        description: str,
        outcomes: dict[str, int],
        by: str,
    ) -> ServiceLog:
        """A log of one agreement year: within the term, and no more days than the period has."""
        AGREEMENT_LIFECYCLE.require(agreement, "serve")
        failures = []
        year = agreement.year_of(starts_on)
        if ends_on < starts_on:
            failures.append(RuleFailure("R-F9", "结束日期不能早于开始日期", "ends_on"))
        elif year is None or agreement.year_of(ends_on) != year:
            failures.append(
                RuleFailure("R-F9", "服务记录须在聘期内的同一协议年度内（跨年度请分两条记录）", "starts_on")
            )
        elif days_on_site + days_remote > (ends_on - starts_on).days + 1:
            failures.append(RuleFailure("R-F9", "服务天数不能多于所记期间的天数", "days_on_site"))
        if days_on_site + days_remote < 1:
            failures.append(RuleFailure("R-F9", "服务天数至少 1 天", "days_on_site"))
        if failures:
            raise RuleViolation(
                "服务记录有误：" + "；".join(f.message for f in failures), failures, code="SERVICE_LOG_INVALID"
            )
        return cls(
            uuid.uuid4(),
            agreement.id,
            year,
            starts_on,
            ends_on,
            days_on_site,
            days_remote,
            description,
            {k: int(outcomes.get(k, 0)) for k in OUTCOMES},
            by,
        )

    def review(self, confirmed: bool, reason: str | None, by: str) -> None:
        LOG_LIFECYCLE.fire(self, "review", to=LogStatus.CONFIRMED if confirmed else LogStatus.REJECTED)
        self.review_reason, self.reviewed_by, self.reviewed_at = reason, by, now()


@dataclass
class YearTotal:
    """An agreement year's confirmed service against its commitment (R-F9)."""

    year: int
    starts_on: date
    ends_on: date
    required_days: int
    confirmed_days: int
    pending_days: int
    outcomes: dict[str, int]

    @property
    def met(self) -> bool:
        return self.confirmed_days >= self.required_days

    def expected_by(self, day: date) -> int:
        """The pro-rata share of the commitment due by ``day`` (what a steady pace would have confirmed)."""
        span = (self.ends_on - self.starts_on).days + 1
        elapsed = min(max((day - self.starts_on).days + 1, 0), span)
        return int(self.required_days * elapsed / span)


def year_totals(agreement: Agreement, logs: list[ServiceLog]) -> list[YearTotal]:
    totals = []
    for year in range(1, agreement.years + 1):
        start, end = agreement.year_bounds(year)
        mine = [log for log in logs if log.year == year]
        confirmed = [log for log in mine if log.status is LogStatus.CONFIRMED]
        totals.append(
            YearTotal(
                year,
                start,
                end,
                agreement.service_days_per_year,
                sum(log.days for log in confirmed),
                sum(log.days for log in mine if log.status is LogStatus.SUBMITTED),
                {k: sum(log.outcomes.get(k, 0) for log in confirmed) for k in OUTCOMES},
            )
        )
    return totals


# ------------------------------------------------------------------ the bureaus' tracking contacts (跟踪联系)
class ContactKind(StrEnum):
    VISIT = "visit"
    CALL = "call"
    MEETING = "meeting"


@dataclass
class TrackingContact:
    id: uuid.UUID
    agreement_id: uuid.UUID
    kind: ContactKind
    contacted_on: date
    notes: str
    problems_raised: str | None
    recorded_by: str
    resolution: str | None = None
    resolved_at: datetime | None = None
    created_at: datetime = field(default_factory=now)

    def resolve(self, resolution: str) -> None:
        if self.problems_raised is None:
            raise StateConflict("该次联系没有记录问题", code="NOTHING_TO_RESOLVE")
        if self.resolved_at is not None:
            raise StateConflict("问题已记录解决情况", code="ALREADY_RESOLVED")
        self.resolution, self.resolved_at = resolution, now()


LABELS: list[dict] = [
    AGREEMENT_LIFECYCLE.states,
    LOG_LIFECYCLE.states,
    {Party.ENTERPRISE: "接收单位（甲方）", Party.EXPERT: "专家（乙方）", Party.UNIT: "派出单位（丙方）"},
    {ContactKind.VISIT: "走访", ContactKind.CALL: "电话", ContactKind.MEETING: "座谈"},
]
