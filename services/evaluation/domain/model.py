"""Evaluation's domain (R-V1–R-V7). Plain Python.

- Evaluation keeps its own **copy of each agreement** (from agreements' events) and of the service the enterprise
  confirmed: what the evaluation is pre-filled from, never typed twice.
- **总师** (R-V1–R-V4): each agreement gets a term-end evaluation, open in the last month of the term (a timer
  opens it and puts it into its evaluating body's round: a city's two bureaus together, or SASAC for its SOEs).
  The round is submitted with the 优秀 cap checked (R-V3), confirmed by the city's other bureau (SASAC's goes
  straight to the province), consolidated or returned by the province, and its results notified to the units.
- **特派员** (R-V5–R-V7): a city opens its yearly round; for each agreement the enterprise submits material
  (R-V6), the county scores the service, the city sets the result; 末位淘汰 is proposed by a configurable rule,
  open to objections, and confirmed by the city when it files the year with the province.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from services.evaluation.domain.rules import (
    GRADE_LABELS,
    ExcellentCap,
    Grade,
    Window,
    reward_below_encouraged,
)
from shared.domain import RuleFailure, RuleViolation, StateConflict
from shared.regions import CITIES
from shared.statemachine import StateMachine, Transition
from shared.vocabulary import Programme


def now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------ copies of agreements' records
class AgreementState(StrEnum):
    RUNNING = "running"
    ENDED = "ended"


@dataclass
class AgreementCopy:
    """An agreement as evaluation knows it (AgreementSigned / AgreementTerminated)."""

    id: uuid.UUID
    need_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    enterprise_id: str
    programme: Programme
    city_code: str
    is_soe: bool
    term_start: date
    term_end: date
    service_days_per_year: int | None = None
    status: AgreementState = AgreementState.RUNNING
    ended_on: date | None = None
    end_reason: str | None = None


@dataclass
class ServiceRecord:
    """A service log the enterprise confirmed (ServiceLogConfirmed): days and outcomes that count."""

    log_id: uuid.UUID
    agreement_id: uuid.UUID
    year: int  # the agreement year
    starts_on: date
    ends_on: date
    days_on_site: int
    days_remote: int
    outcomes: dict[str, int]

    @property
    def days(self) -> int:
        return self.days_on_site + self.days_remote


# ------------------------------------------------------------------ 总师: rounds (R-V3, R-V4)
class RoundStatus(StrEnum):
    OPEN = "open"
    CONFIRMING = "confirming"
    REPORTED = "reported"
    RETURNED = "returned"
    NOTIFIED = "notified"


EDITABLE = {RoundStatus.OPEN, RoundStatus.RETURNED}
CHIEF_ROUND: StateMachine[RoundStatus] = StateMachine(
    "考评轮次",
    {
        RoundStatus.OPEN: "考评中",
        RoundStatus.CONFIRMING: "待另一局会签",
        RoundStatus.REPORTED: "已报省科技厅",
        RoundStatus.RETURNED: "已退回修改",
        RoundStatus.NOTIFIED: "已通知派出单位",
    },
    [
        Transition("grade", "录入考评结果", EDITABLE, EDITABLE),
        Transition("allocate", "分配优秀名额", EDITABLE, EDITABLE),
        Transition("submit", "提交考评结果", EDITABLE, {RoundStatus.CONFIRMING, RoundStatus.REPORTED}),
        Transition("confirm", "会签", {RoundStatus.CONFIRMING}, {RoundStatus.REPORTED}),
        Transition("return", "退回修改", {RoundStatus.CONFIRMING, RoundStatus.REPORTED}, {RoundStatus.RETURNED}),
        Transition("notify", "通知派出单位", {RoundStatus.REPORTED}, {RoundStatus.NOTIFIED}),
    ],
)


@dataclass
class ChiefRound:
    """One evaluating body's term-end round in one year: a city's 科技局 and 工信局 jointly, or SASAC (R-V1)."""

    id: uuid.UUID
    body: str  # "city" | "sasac"
    city_code: str | None
    is_soe: bool
    year: int  # the year the terms end in
    sequence: int  # 1, 2, … when a body's round was already submitted and later windows open
    status: RoundStatus = RoundStatus.OPEN
    confirmations: list[str] = field(default_factory=list)  # the bureaus (or "sasac") that submitted/confirmed
    allocation: dict[str, Any] | None = None  # 优秀 places the province allocated to a small group (R-V3)
    counts: dict[str, int] = field(default_factory=dict)  # as submitted: graded and per grade
    return_reason: str | None = None
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    version: int = 1

    @property
    def body_label(self) -> str:
        if self.body == "sasac":
            return "省国资委"
        return f"{CITIES.get(self.city_code or '', self.city_code)}科技局、工信局"

    def submit(self, evaluations: list[ChiefEvaluation], cap: ExcellentCap, by: str) -> bool:
        """The body submits (the round is locked by the caller): every active evaluation graded, 优秀 within the
        cap (R-V3). A city's round then waits for its other bureau; SASAC's is reported at once. True: reported."""
        CHIEF_ROUND.require(self, "submit")
        active = [e for e in evaluations if e.status is not EvaluationStatus.WITHDRAWN]
        missing = [e for e in active if e.grade is None]
        if not active:
            raise StateConflict("本轮没有参评专家", code="ROUND_EMPTY")
        if missing:
            raise StateConflict(
                f"本轮还有 {len(missing)} 人未评定等次", code="ROUND_INCOMPLETE",
                missing=[str(e.id) for e in missing],
            )  # fmt: skip
        counts = {g.value: sum(1 for e in active if e.grade is g) for g in Grade}
        cap.check(len(active), counts[Grade.EXCELLENT.value], self.allocated_places)
        self.counts = {"graded": len(active), **counts}
        self.confirmations = [by]
        self.return_reason = None
        reported = self.body == "sasac"
        CHIEF_ROUND.fire(self, "submit", to=RoundStatus.REPORTED if reported else RoundStatus.CONFIRMING)
        self._touch()
        return reported

    def confirm(self, by: str) -> None:
        """The city's other bureau confirms the submitted results: the round is reported jointly (R-V4)."""
        CHIEF_ROUND.require(self, "confirm")
        if by in self.confirmations:
            raise StateConflict("本局已提交或会签，须由另一局会签", code="ALREADY_CONFIRMED")
        self.confirmations = [*self.confirmations, by]
        CHIEF_ROUND.fire(self, "confirm")
        self._touch()

    def allocate(self, places: int, reason: str, by: str, graded: int, cap: ExcellentCap) -> None:
        """The province allocates 优秀 places to a body with fewer than the small-group threshold graded (R-V3)."""
        CHIEF_ROUND.require(self, "allocate")
        if graded >= cap.small_group_below:
            raise RuleViolation(
                f"本轮参评 {graded} 人，按 {cap.ratio:.0%} 计算优秀名额，无需省科技厅分配",
                [RuleFailure("R-V3", f"参评不少于 {cap.small_group_below} 人的轮次按比例计算")],
                code="ALLOCATION_NOT_NEEDED",
            )
        if places > max(graded, 1):
            raise RuleViolation(
                f"分配的优秀名额（{places}）不能多于参评人数（{graded}）",
                [RuleFailure("R-V3", "名额不多于参评人数", "places")],
                code="ALLOCATION_TOO_LARGE",
            )
        self.allocation = {"places": places, "reason": reason, "by": by, "at": now().isoformat()}
        self._touch()

    @property
    def allocated_places(self) -> int | None:
        return int(self.allocation["places"]) if self.allocation else None

    def return_for_correction(self, reason: str) -> None:
        CHIEF_ROUND.fire(self, "return")
        self.return_reason, self.confirmations = reason, []
        self._touch()

    def notify(self) -> None:
        CHIEF_ROUND.fire(self, "notify")
        self._touch()

    def _touch(self) -> None:
        self.updated_at = now()


# ------------------------------------------------------------------ 总师: one expert's evaluation (R-V1, R-V2)
class EvaluationStatus(StrEnum):
    AWAITING_WINDOW = "awaiting_window"  # before the last month of the term
    OPEN = "open"  # in the window, in a round, not graded yet
    GRADED = "graded"
    NOTIFIED = "notified"  # the province notified the unit (R-V4)
    WITHDRAWN = "withdrawn"  # the agreement ended early: nothing to evaluate at term end


CHIEF_EVALUATION: StateMachine[EvaluationStatus] = StateMachine(
    "期满考评",
    {
        EvaluationStatus.AWAITING_WINDOW: "未到考评期",
        EvaluationStatus.OPEN: "待考评",
        EvaluationStatus.GRADED: "已评定",
        EvaluationStatus.NOTIFIED: "已通知派出单位",
        EvaluationStatus.WITHDRAWN: "协议提前终止，不再考评",
    },
    [
        Transition("open", "开启考评", {EvaluationStatus.AWAITING_WINDOW}, {EvaluationStatus.OPEN}),
        Transition(
            "record",
            "录入考评",
            {EvaluationStatus.AWAITING_WINDOW, EvaluationStatus.OPEN, EvaluationStatus.GRADED},
            {EvaluationStatus.OPEN, EvaluationStatus.GRADED},
        ),
        Transition(
            "confirm_problems",
            "确认解决的问题",
            {EvaluationStatus.OPEN, EvaluationStatus.GRADED},
            {EvaluationStatus.OPEN, EvaluationStatus.GRADED},
        ),
        Transition("notify", "通知派出单位", {EvaluationStatus.GRADED}, {EvaluationStatus.NOTIFIED}),
        Transition(
            "withdraw",
            "撤销考评",
            {EvaluationStatus.AWAITING_WINDOW, EvaluationStatus.OPEN, EvaluationStatus.GRADED},
            {EvaluationStatus.WITHDRAWN},
        ),
    ],
)

ACHIEVEMENT_KINDS = {
    "patent": "专利",
    "licence": "许可",
    "technology_contract": "技术合同",
    "product": "新产品",
    "standard": "标准",
    "other": "其他",
}


@dataclass
class ChiefEvaluation:
    """The term-end evaluation of one 总师 agreement. Evidence is structured (R-V2): the industrial problems solved
    (each confirmed by the enterprise) and the unit's achievements transferred into the enterprise (with
    references); the confirmed service per year comes from agreements' records."""

    id: uuid.UUID
    agreement_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    enterprise_id: str
    city_code: str
    is_soe: bool
    year: int
    window_opens_on: date
    window_closes_on: date
    round_id: uuid.UUID | None = None
    status: EvaluationStatus = EvaluationStatus.AWAITING_WINDOW
    problems: list[dict[str, Any]] = field(default_factory=list)
    achievements: list[dict[str, Any]] = field(default_factory=list)
    comments: str | None = None
    score: float | None = None
    grade: Grade | None = None
    graded_by: str | None = None
    graded_at: datetime | None = None
    notified_at: datetime | None = None
    window_extension: dict[str, Any] | None = None  # the province's exception to R-V1, with its reason
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    version: int = 1

    @property
    def window(self) -> Window:
        return Window(self.window_opens_on, self.window_closes_on)

    def open(self, round_id: uuid.UUID) -> None:
        CHIEF_EVALUATION.fire(self, "open")
        self.round_id = round_id
        self.updated_at = now()

    def record(
        self,
        problems: list[str],
        achievements: list[dict[str, str]],
        comments: str,
        score: float | None,
        grade: Grade | None,
        by: str,
        today: date,
    ) -> None:
        """The evaluators record the evidence, their comments, a score and (when ready) the grade — only in the
        window (R-V1). A problem already confirmed by the enterprise keeps its confirmation when its text stays."""
        CHIEF_EVALUATION.require(self, "record")
        self.window.check(today)
        if self.status is EvaluationStatus.AWAITING_WINDOW:  # the window's timer has not run yet
            raise StateConflict("考评尚未开启，请稍后再试", code="WINDOW_NOT_OPENED_YET")
        confirmed = {p["description"]: p for p in self.problems if p.get("confirmed_at")}
        self.problems = [
            confirmed.get(text) or {"id": str(uuid.uuid4()), "description": text, "confirmed_at": None}
            for text in problems
        ]
        self.achievements = [dict(x) for x in achievements]
        if grade is Grade.EXCELLENT and not (self.confirmed_problems() or self.achievements):
            raise RuleViolation(
                "评为优秀须有企业确认解决的产业问题，或派出单位成果在企业转化的记录",
                [RuleFailure("R-V2", "优秀须有经企业确认的解决问题或成果转化记录", "grade")],
                code="EVIDENCE_REQUIRED",
            )
        self.comments, self.score, self.grade = comments, score, grade
        CHIEF_EVALUATION.fire(self, "record", to=EvaluationStatus.GRADED if grade else EvaluationStatus.OPEN)
        self.graded_by, self.graded_at = (by, now()) if grade else (None, None)
        self.updated_at = now()

    def extend_window(self, until: date, reason: str, by: str, today: date) -> None:
        """The province's exception when a body missed the window (R-V1 names no remedy): the evaluation may still be
        recorded until ``until`` (at most 90 days after the term), with the reason kept and shown."""
        CHIEF_EVALUATION.require(self, "record")
        latest = self.window_closes_on + timedelta(days=90)
        if not (max(self.window_closes_on, today) < until <= latest):
            raise RuleViolation(
                f"延长后的截止日须晚于 {max(self.window_closes_on, today)}，且不晚于 {latest}",
                [RuleFailure("R-V1", "考评期只能例外延长一次，至多延至聘期届满后 90 天", "until")],
                code="EXTENSION_INVALID",
            )
        if self.window_extension:
            raise StateConflict("考评期已延长过一次", code="ALREADY_EXTENDED")
        self.window_extension = {"from": self.window_closes_on.isoformat(), "until": until.isoformat(),
                                 "reason": reason, "by": by, "at": now().isoformat()}  # fmt: skip
        self.window_closes_on = until
        self.updated_at = now()

    def confirm_problems(self, problem_ids: list[str], by: str) -> list[str]:
        """The enterprise confirms the problems it had solved (R-V2); unknown ids are refused."""
        CHIEF_EVALUATION.require(self, "confirm_problems")
        known = {p["id"] for p in self.problems}
        unknown = sorted(set(problem_ids) - known)
        if unknown:
            raise RuleViolation(
                "确认的问题不在本考评记录中", [RuleFailure("R-V2", "问题标识无效", "problem_ids")],
                code="PROBLEM_UNKNOWN", unknown=unknown,
            )  # fmt: skip
        at = now().isoformat()
        self.problems = [
            {**p, "confirmed_at": p.get("confirmed_at") or at, "confirmed_by": p.get("confirmed_by") or by}
            if p["id"] in problem_ids
            else p
            for p in self.problems
        ]
        self.updated_at = now()
        return sorted(problem_ids)

    def confirmed_problems(self) -> list[dict[str, Any]]:
        return [p for p in self.problems if p.get("confirmed_at")]

    def notify(self) -> None:
        CHIEF_EVALUATION.fire(self, "notify")
        self.notified_at = self.updated_at = now()

    def withdraw(self) -> None:
        CHIEF_EVALUATION.fire(self, "withdraw")
        self.updated_at = now()

    @property
    def grade_label(self) -> str | None:
        return GRADE_LABELS[self.grade] if self.grade else None


# ------------------------------------------------------------------ 特派员: the yearly round (R-V5)
class YearRoundStatus(StrEnum):
    OPEN = "open"
    PROPOSED = "proposed"  # 末位淘汰 proposed; objections open
    FILED = "filed"


COMMISSIONER_ROUND: StateMachine[YearRoundStatus] = StateMachine(
    "年度考评",
    {
        YearRoundStatus.OPEN: "考评中",
        YearRoundStatus.PROPOSED: "末位淘汰公示（异议期）",
        YearRoundStatus.FILED: "已报省备案",
    },
    [
        Transition("evaluate", "录入考评", {YearRoundStatus.OPEN}, {YearRoundStatus.OPEN}),
        Transition("propose", "提出末位淘汰名单", {YearRoundStatus.OPEN}, {YearRoundStatus.PROPOSED}),
        Transition("reopen", "撤回淘汰名单重新考评", {YearRoundStatus.PROPOSED}, {YearRoundStatus.OPEN}),
        Transition("object", "提出异议", {YearRoundStatus.PROPOSED}, {YearRoundStatus.PROPOSED}),
        Transition("file", "确认并报省备案", {YearRoundStatus.PROPOSED}, {YearRoundStatus.FILED}),
    ],
)


@dataclass
class CommissionerRound:
    """A city's yearly evaluation of its commissioners (R-V5): counties assess, the city determines and files."""

    id: uuid.UUID
    city_code: str
    year: int
    status: YearRoundStatus = YearRoundStatus.OPEN
    rule: dict[str, Any] | None = None  # the 末位淘汰 rule used for the proposal (as configured then)
    ranking: list[dict[str, Any]] = field(default_factory=list)
    objections_close_at: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    created_by: str = ""
    filed_at: datetime | None = None
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    version: int = 1

    def propose(self, rule: dict[str, Any], ranking: list[dict[str, Any]], objections_close_at: datetime) -> None:
        COMMISSIONER_ROUND.fire(self, "propose")
        self.rule, self.ranking, self.objections_close_at = rule, ranking, objections_close_at
        self.updated_at = now()

    def reopen(self) -> None:
        COMMISSIONER_ROUND.fire(self, "reopen")
        self.ranking, self.objections_close_at = [], None
        self.updated_at = now()

    def file(self, at: datetime, counts: dict[str, int]) -> None:
        COMMISSIONER_ROUND.require(self, "file")
        assert self.objections_close_at is not None
        if at < self.objections_close_at:
            raise StateConflict(
                f"异议期至 {self.objections_close_at.isoformat()} 结束，之后才能确认淘汰名单并报省备案",
                code="OBJECTION_WINDOW_OPEN", objections_close_at=self.objections_close_at.isoformat(),
            )  # fmt: skip
        COMMISSIONER_ROUND.fire(self, "file")
        self.filed_at, self.counts = at, counts
        self.updated_at = now()

    def spare(self, evaluation_id: uuid.UUID) -> None:
        """An upheld objection: the commissioner leaves the proposed list; the ranking says why."""
        COMMISSIONER_ROUND.require(self, "object")
        self.ranking = [
            {**r, "proposed": False, "note": "异议成立"} if r["evaluation_id"] == str(evaluation_id) else r
            for r in self.ranking
        ]
        self.updated_at = now()

    def proposed_ids(self) -> set[str]:
        return {r["evaluation_id"] for r in self.ranking if r["proposed"]}


class YearStatus(StrEnum):
    AWAITING_MATERIAL = "awaiting_material"
    MATERIAL_SUBMITTED = "material_submitted"
    ASSESSED = "assessed"  # the county scored it
    DETERMINED = "determined"  # the city set the result


COMMISSIONER_EVALUATION: StateMachine[YearStatus] = StateMachine(
    "年度考评记录",
    {
        YearStatus.AWAITING_MATERIAL: "待企业提交材料",
        YearStatus.MATERIAL_SUBMITTED: "企业已提交材料",
        YearStatus.ASSESSED: "县级已考核",
        YearStatus.DETERMINED: "市级已确定结果",
    },
    [
        Transition("submit_material", "提交考评材料",
                   {YearStatus.AWAITING_MATERIAL, YearStatus.MATERIAL_SUBMITTED}, {YearStatus.MATERIAL_SUBMITTED}),
        Transition("assess", "县级考核",
                   {YearStatus.AWAITING_MATERIAL, YearStatus.MATERIAL_SUBMITTED, YearStatus.ASSESSED},
                   {YearStatus.ASSESSED}),
        Transition("determine", "确定年度考评结果", {YearStatus.ASSESSED, YearStatus.DETERMINED},
                   {YearStatus.DETERMINED}),
    ],
)  # fmt: skip

MATERIAL_FIELDS = {
    "problems_solved": "解决的技术难题",
    "platforms_built": "建设的研发平台",
    "core_products": "开发的核心产品",
    "capability_gained": "企业能力提升",
}


@dataclass
class CommissionerEvaluation:
    """One commissioner agreement's evaluation for one year: the enterprise's material (R-V6), the county's score,
    the city's result "with reference to the agreement" (R-V5), and any objection to a proposed elimination."""

    id: uuid.UUID
    round_id: uuid.UUID
    agreement_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    enterprise_id: str
    city_code: str
    county: str
    year: int
    status: YearStatus = YearStatus.AWAITING_MATERIAL
    material: dict[str, Any] | None = None
    material_by: str | None = None
    material_at: datetime | None = None
    county_score: float | None = None
    county_comments: str | None = None
    assessed_by: str | None = None
    material_missing: bool = False
    grade: Grade | None = None
    city_comments: str | None = None
    determined_by: str | None = None
    objections: list[dict[str, Any]] = field(default_factory=list)
    eliminated: bool = False
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    version: int = 1

    def submit_material(self, material: dict[str, Any], by: str) -> None:
        COMMISSIONER_EVALUATION.fire(self, "submit_material")
        self.material, self.material_by, self.material_at = material, by, now()
        self.updated_at = now()

    def assess(self, score: float, comments: str, by: str) -> None:
        """The county's 考核 score. Without the enterprise's material it is recorded as such (never blocked by it)."""
        COMMISSIONER_EVALUATION.fire(self, "assess")
        self.material_missing = self.material is None
        self.county_score, self.county_comments, self.assessed_by = score, comments, by
        self.updated_at = now()

    def determine(self, grade: Grade, comments: str, by: str) -> None:
        COMMISSIONER_EVALUATION.fire(self, "determine")
        self.grade, self.city_comments, self.determined_by = grade, comments, by
        self.updated_at = now()

    def object(self, by: str, role: str, reason: str) -> dict[str, Any]:
        if any(o["status"] == "pending" for o in self.objections):
            raise StateConflict("已有尚未处理的异议", code="OBJECTION_PENDING")
        objection = {
            "id": str(uuid.uuid4()), "by": by, "role": role, "reason": reason, "filed_at": now().isoformat(),
            "status": "pending", "resolution": None, "resolved_by": None,
        }  # fmt: skip
        self.objections = [*self.objections, objection]
        self.updated_at = now()
        return objection

    def resolve(self, objection_id: str, upheld: bool, resolution: str, by: str) -> dict[str, Any]:
        found = next((o for o in self.objections if o["id"] == objection_id), None)
        if found is None:
            raise StateConflict("异议不存在", code="OBJECTION_NOT_FOUND")
        if found["status"] != "pending":
            raise StateConflict("该异议已处理", code="OBJECTION_RESOLVED")
        resolved = {**found, "status": "upheld" if upheld else "dismissed", "resolution": resolution, "resolved_by": by}
        self.objections = [resolved if o["id"] == objection_id else o for o in self.objections]
        self.updated_at = now()
        return resolved

    @property
    def objection_upheld(self) -> bool:
        return any(o["status"] == "upheld" for o in self.objections)

    @property
    def objection_pending(self) -> bool:
        return any(o["status"] == "pending" for o in self.objections)


@dataclass
class Attachment:
    """A file attached to the enterprise's material (R-V6): content-checked, hashed, served only by its random id
    to callers who may see the evaluation."""

    id: uuid.UUID
    evaluation_id: uuid.UUID
    filename: str
    content_type: str
    size: int
    sha256: str
    content: bytes
    uploaded_by: str
    uploaded_at: datetime = field(default_factory=now)


# ------------------------------------------------------------------ R-V7: technology contracts
class ContractKind(StrEnum):
    DEVELOPMENT = "development"  # 技术开发合同
    TRANSFER = "transfer"  # 技术转让合同


@dataclass
class TechnologyContract:
    """A development or transfer contract between the enterprise and the commissioner's dispatching unit (R-V7),
    with the technology-transaction subsidy received and the reward paid to the commissioner."""

    id: uuid.UUID
    agreement_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    enterprise_id: str
    city_code: str
    county: str
    kind: ContractKind
    registration_number: str
    signed_on: date
    amount_yuan: Decimal
    subsidy_yuan: Decimal | None = None
    reward_yuan: Decimal | None = None
    recorded_by: str = ""
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    version: int = 1

    @property
    def reward_below_encouraged_share(self) -> bool:
        return reward_below_encouraged(self.subsidy_yuan, self.reward_yuan)

    def update(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)
        self.updated_at = now()


LABELS: list[dict] = [
    CHIEF_ROUND.states,
    CHIEF_EVALUATION.states,
    COMMISSIONER_ROUND.states,
    COMMISSIONER_EVALUATION.states,
    GRADE_LABELS,
    {ContractKind.DEVELOPMENT: "技术开发合同", ContractKind.TRANSFER: "技术转让合同"},
]
