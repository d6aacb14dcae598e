"""总师 term-end evaluation (R-V1–R-V4): the window opens by timer and puts the evaluation into its body's round;
evaluators record structured evidence and a grade; the body submits with the 优秀 cap checked in the locked round;
the city's other bureau confirms; the province consolidates, returns or notifies the dispatching units."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from services.evaluation.domain import model as m
from services.evaluation.domain.rules import ExcellentCap, Grade
from services.evaluation.service_layer.scopes import chief_round_scope, chief_scope
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.events import contracts as c
from shared.jobs.timers import Timer
from shared.pagination import PageParams
from shared.timeutil import today_in_china
from shared.vocabulary import Programme, Role


# ------------------------------------------------------------------ the window (R-V1), by timer
async def open_window(uow: EvaluationUnitOfWork, timer: Timer) -> None:
    """Timer handler: the term's last month began — the evaluation joins its body's open round (a new round when
    the body already submitted the last one)."""
    evaluation = await uow.chief_evaluations.for_agreement(uuid.UUID(timer.key), for_update=True)
    if evaluation is None or evaluation.status is not m.EvaluationStatus.AWAITING_WINDOW:
        return  # withdrawn meanwhile
    body, city_code = ("sasac", None) if evaluation.is_soe else ("city", evaluation.city_code)
    latest = await uow.chief_rounds.latest(body, city_code, evaluation.year, for_update=True)
    if latest is None or latest.status not in m.EDITABLE:
        latest = m.ChiefRound(
            id=uuid.uuid4(), body=body, city_code=city_code, is_soe=evaluation.is_soe, year=evaluation.year,
            sequence=(latest.sequence + 1) if latest else 1,
        )  # fmt: skip
        uow.chief_rounds.add(latest)
        await uow.flush()
    evaluation.open(latest.id)


# ------------------------------------------------------------------ reading
async def get_evaluation(
    evaluation_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork, *, for_update: bool = False
) -> m.ChiefEvaluation:
    found = await uow.chief_evaluations.get(evaluation_id, chief_scope(p), for_update=for_update)
    if found is None:
        raise NotFound("考评记录不存在或无权查看", code="EVALUATION_NOT_FOUND")
    return found


async def get_round(
    round_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork, *, for_update: bool = False
) -> m.ChiefRound:
    found = await uow.chief_rounds.get(round_id, chief_round_scope(p), for_update=for_update)
    if found is None:
        raise NotFound("考评轮次不存在或无权查看", code="ROUND_NOT_FOUND")
    return found


async def list_evaluations(p: Principal, uow: EvaluationUnitOfWork, page: PageParams, **filters: Any):
    return await uow.chief_evaluations.list(chief_scope(p), page, **filters)


async def list_rounds(p: Principal, uow: EvaluationUnitOfWork, page: PageParams, **filters: Any):
    return await uow.chief_rounds.list(chief_round_scope(p), page, **filters)


# ------------------------------------------------------------------ recording (R-V1, R-V2)
async def record(
    evaluation_id: uuid.UUID,
    evidence: dict[str, Any],
    p: Principal,
    uow: EvaluationUnitOfWork,
    *,
    today: date | None = None,
) -> m.ChiefEvaluation:
    """The evaluating body records the evidence, comments, score and grade, in the window only (R-V1)."""
    evaluation = await get_evaluation(evaluation_id, p, uow)
    require_body(p)
    if evaluation.round_id is not None:  # lock the round first: a submission checks the cap on a stable round
        round_ = await uow.chief_rounds.get(evaluation.round_id, for_update=True)
        assert round_ is not None
        m.CHIEF_ROUND.require(round_, "grade")
    evaluation = await get_evaluation(evaluation_id, p, uow, for_update=True)
    grade = Grade(evidence["grade"]) if evidence.get("grade") else None
    evaluation.record(
        evidence["problems_solved"], evidence["achievements"], evidence["comments"], evidence.get("score"),
        grade, p.subject, today or today_in_china(),
    )  # fmt: skip
    await uow.record_audit(p, "chief_evaluation.recorded", "chief_evaluation", str(evaluation.id), _audit(evidence))
    return evaluation


async def confirm_problems(
    evaluation_id: uuid.UUID, problem_ids: list[str], p: Principal, uow: EvaluationUnitOfWork
) -> m.ChiefEvaluation:
    """The enterprise confirms the industrial problems its expert solved (R-V2)."""
    if p.role is not Role.ENTERPRISE:
        raise Forbidden("解决的问题由接收企业确认", code="ENTERPRISE_ONLY")
    evaluation = await get_evaluation(evaluation_id, p, uow, for_update=True)
    confirmed = evaluation.confirm_problems(problem_ids, p.subject)
    await uow.record_audit(p, "chief_evaluation.problems_confirmed", "chief_evaluation", str(evaluation.id),
                           {"problem_ids": confirmed})  # fmt: skip
    return evaluation


async def extend_window(
    evaluation_id: uuid.UUID, until: date, reason: str, p: Principal, uow: EvaluationUnitOfWork
) -> m.ChiefEvaluation:
    """The province lets a body record an evaluation it missed in the window (an exception, with its reason)."""
    evaluation = await get_evaluation(evaluation_id, p, uow, for_update=True)
    evaluation.extend_window(until, reason, p.subject, today_in_china())
    await uow.record_audit(p, "chief_evaluation.window_extended", "chief_evaluation", str(evaluation.id),
                           {"until": until.isoformat(), "reason": reason})  # fmt: skip
    return evaluation


# ------------------------------------------------------------------ the round (R-V3, R-V4)
async def submit(round_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork, cap: ExcellentCap) -> m.ChiefRound:
    """The body submits its round: all graded, 优秀 within the cap (R-V3), in one transaction on the locked round."""
    round_ = await get_round(round_id, p, uow, for_update=True)
    signer = require_body(p)
    evaluations = await uow.chief_evaluations.in_round(round_.id, for_update=True)
    reported = round_.submit(evaluations, cap, signer)
    if reported:
        uow.emit(lambda: _reported(round_))
    await uow.record_audit(p, "chief_round.submitted", "chief_round", str(round_.id), dict(round_.counts))
    return round_


async def confirm(round_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork) -> m.ChiefRound:
    """The city's other bureau confirms: the round is reported to the province jointly (R-V4)."""
    round_ = await get_round(round_id, p, uow, for_update=True)
    if p.role is not Role.CITY_BUREAU or p.bureau is None:
        raise Forbidden("会签由市（地）科技局或工信局进行", code="BUREAU_ONLY")
    round_.confirm(p.bureau.value)
    uow.emit(lambda: _reported(round_))
    await uow.record_audit(p, "chief_round.confirmed", "chief_round", str(round_.id), {"bureau": p.bureau.value})
    return round_


async def allocate(
    round_id: uuid.UUID, places: int, reason: str, p: Principal, uow: EvaluationUnitOfWork, cap: ExcellentCap
) -> m.ChiefRound:
    """The province allocates 优秀 places to a small body (fewer graded than the threshold), with a reason (R-V3)."""
    round_ = await get_round(round_id, p, uow, for_update=True)
    active = [
        e for e in await uow.chief_evaluations.in_round(round_.id) if e.status is not m.EvaluationStatus.WITHDRAWN
    ]
    round_.allocate(places, reason, p.subject, len(active), cap)
    await uow.record_audit(
        p, "chief_round.allocated", "chief_round", str(round_.id), {"places": places, "reason": reason}
    )
    return round_


async def return_round(round_id: uuid.UUID, reason: str, p: Principal, uow: EvaluationUnitOfWork) -> m.ChiefRound:
    round_ = await get_round(round_id, p, uow, for_update=True)
    round_.return_for_correction(reason)
    uow.emit(lambda: c.ChiefRoundReturnedV1(**_round_fields(round_), reason=reason))
    await uow.record_audit(p, "chief_round.returned", "chief_round", str(round_.id), {"reason": reason})
    return round_


async def notify(round_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork) -> m.ChiefRound:
    """The province notifies the dispatching units of each expert's result (R-V4): one event per expert."""
    round_ = await get_round(round_id, p, uow, for_update=True)
    round_.notify()
    for evaluation in await uow.chief_evaluations.in_round(round_.id, for_update=True):
        if evaluation.status is m.EvaluationStatus.GRADED:
            evaluation.notify()
            uow.emit(_notified(round_, evaluation))
    await uow.record_audit(p, "chief_round.notified", "chief_round", str(round_.id), dict(round_.counts))
    return round_


# ------------------------------------------------------------------ helpers
def require_body(p: Principal) -> str:
    """Who signs for the evaluating body: a city bureau (its own city's non-SOE experts) or SASAC (R-V1)."""
    if p.role is Role.CITY_BUREAU and p.bureau is not None:
        return p.bureau.value
    if p.role is Role.SASAC:
        return "sasac"
    raise Forbidden("期满考评由市（地）科技局、工信局（省属国企为省国资委）进行", code="EVALUATOR_ONLY")


def _round_fields(round_: m.ChiefRound) -> dict[str, Any]:
    return {
        "round_id": round_.id,
        "body": round_.body,
        "city_code": round_.city_code,
        "year": round_.year,
        "occurred_at": round_.updated_at,
    }


def _reported(round_: m.ChiefRound) -> c.ChiefRoundReportedV1:
    counts = round_.counts
    return c.ChiefRoundReportedV1(
        **_round_fields(round_), graded=counts["graded"], excellent=counts[Grade.EXCELLENT.value],
        qualified=counts[Grade.QUALIFIED.value], unqualified=counts[Grade.UNQUALIFIED.value],
    )  # fmt: skip


def _notified(round_: m.ChiefRound, e: m.ChiefEvaluation) -> Any:
    assert e.grade is not None
    grade = e.grade.value
    return lambda: c.ExpertResultNotifiedV1(
        evaluation_id=e.id, round_id=round_.id, agreement_id=e.agreement_id, researcher_id=e.researcher_id,
        institution_id=e.institution_id, enterprise_id=e.enterprise_id, programme=Programme.CHIEF_TECHNOLOGIST,
        year=e.year, grade=grade, occurred_at=e.updated_at,
    )  # fmt: skip


def _audit(evidence: dict[str, Any]) -> dict[str, Any]:
    return {
        "problems_solved": len(evidence["problems_solved"]),
        "achievements": len(evidence["achievements"]),
        "score": evidence.get("score"),
        "grade": evidence.get("grade"),
    }
