"""Grades from a round's own workbook (XLSX): all rows or none, each refusal with its row and column, like intake's
researcher import. The 总师 sheet sets score, grade and comments (R-V1 and R-V2 still apply to each row); the 特派员
sheet sets the city's grade and comments (R-V5: after the county's assessment)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from services.evaluation.domain import model as m
from services.evaluation.service_layer import chief, commissioner
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from shared.auth import Principal
from shared.domain import DomainError
from shared.errors import FieldError, ValidationFailed
from shared.timeutil import today_in_china

SHEET = "考评"


def _apply(rows: list[Any], records: dict[uuid.UUID, Any], comments_column: str, *, grade_required: bool,
           apply: Callable[[Any, Any], None]) -> None:  # fmt: skip
    errors: list[FieldError] = []
    for row in rows:
        record = records.get(row.evaluation_id) if row.evaluation_id else None
        problem = None
        if record is None:
            problem = ("考评记录ID", "不是本轮的考评记录")
        elif (row.grade_label or grade_required) and row.grade is None:
            problem = ("等次", "等次须为 优秀、合格 或 不合格")
        elif row.score is not None and not 0 <= row.score <= 100:
            problem = ("得分", "得分须为 0–100 的数字")
        elif not 2 <= len(row.comments) <= 4000:
            problem = (comments_column, f"{comments_column}须为 2–4000 字")
        if problem:
            errors.append(FieldError(problem[0], problem[1], row=row.row, sheet=SHEET))
            continue
        try:
            apply(record, row)
        except DomainError as exc:
            rule_ids = [f.rule_id for f in getattr(exc, "failures", [])]
            errors.append(FieldError("等次", exc.detail, rule_ids, row=row.row, sheet=SHEET))
    if errors:
        raise ValidationFailed(
            f"导入未完成：{len(errors)} 行有误，整份文件未导入", code="IMPORT_REFUSED", errors=errors
        )


async def import_chief_grades(
    round_id: uuid.UUID, rows: list[Any], p: Principal, uow: EvaluationUnitOfWork, *, today: date | None = None
) -> m.ChiefRound:
    round_ = await chief.get_round(round_id, p, uow, for_update=True)
    chief.require_body(p)
    m.CHIEF_ROUND.require(round_, "grade")
    records = {e.id: e for e in await uow.chief_evaluations.in_round(round_.id, for_update=True)}
    day = today or today_in_china()

    def apply(e: m.ChiefEvaluation, row: Any) -> None:  # the evidence already recorded stays
        problems = [x["description"] for x in e.problems]
        e.record(problems, e.achievements, row.comments, row.score, row.grade, p.subject, day)

    _apply(rows, records, "考评意见", grade_required=False, apply=apply)
    await uow.record_audit(p, "chief_round.imported", "chief_round", str(round_.id), {"rows": len(rows)})
    return round_


async def import_city_results(
    round_id: uuid.UUID, rows: list[Any], p: Principal, uow: EvaluationUnitOfWork
) -> m.CommissionerRound:
    round_ = await commissioner.get_round(round_id, p, uow, for_update=True)
    commissioner.city_science_bureau(p)
    m.COMMISSIONER_ROUND.require(round_, "evaluate")
    records = {e.id: e for e in await uow.commissioner_evaluations.in_round(round_.id, for_update=True)}
    _apply(rows, records, "市级意见", grade_required=True,
           apply=lambda e, row: e.determine(row.grade, row.comments, p.subject))  # fmt: skip
    await uow.record_audit(p, "commissioner_round.imported", "commissioner_round", str(round_.id), {"rows": len(rows)})
    return round_
