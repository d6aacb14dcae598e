"""特派员 yearly evaluation (R-V5, R-V6): the city opens its year, the enterprise submits material with attachments,
the county scores, the city determines each result with reference to the agreement; 末位淘汰 is proposed by the
configured rule, open to objections, and confirmed when the city files the year with the province — the agreement
then ends in agreements and matching leaves the commissioner out (events)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from services.evaluation.domain import model as m
from services.evaluation.domain.rules import EliminationRule, Grade, Standing, months_served
from services.evaluation.service_layer.scopes import commissioner_round_scope, commissioner_scope
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from shared import files
from shared.auth import Principal
from shared.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from shared.events import contracts as c
from shared.pagination import PageParams
from shared.timeutil import today_in_china, utcnow
from shared.vocabulary import Bureau, Programme, Role

ATTACHMENT_TYPES = (files.PDF, files.JPEG, files.PNG, files.XLSX, files.DOCX)
UNKNOWN_COUNTY = "（未登记县区）"


# ------------------------------------------------------------------ reading
async def get_round(
    round_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork, *, for_update: bool = False
) -> m.CommissionerRound:
    found = await uow.commissioner_rounds.get(round_id, commissioner_round_scope(p), for_update=for_update)
    if found is None:
        raise NotFound("年度考评不存在或无权查看", code="ROUND_NOT_FOUND")
    return found


async def get_evaluation(
    evaluation_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork, *, for_update: bool = False
) -> m.CommissionerEvaluation:
    found = await uow.commissioner_evaluations.get(evaluation_id, commissioner_scope(p), for_update=for_update)
    if found is None:
        raise NotFound("考评记录不存在或无权查看", code="EVALUATION_NOT_FOUND")
    return found


async def list_rounds(p: Principal, uow: EvaluationUnitOfWork, page: PageParams, *, year: int | None):
    return await uow.commissioner_rounds.list(commissioner_round_scope(p), page, year=year)


async def list_evaluations(p: Principal, uow: EvaluationUnitOfWork, page: PageParams, **filters: Any):
    return await uow.commissioner_evaluations.list(commissioner_scope(p), page, **filters)


# ------------------------------------------------------------------ the round
async def open_round(year: int, p: Principal, uow: EvaluationUnitOfWork) -> m.CommissionerRound:
    """The city's 科技局 opens the year: every 特派员 agreement of the city that ran in it gets a record, pre-filled
    from what the platform knows (R-V5)."""
    city_code = city_science_bureau(p)
    if year > today_in_china().year:
        raise ValidationFailed("不能考评尚未开始的年度", code="YEAR_IN_FUTURE", errors=[FieldError("year", "年度无效")])
    if await uow.commissioner_rounds.find(city_code, year) is not None:
        raise Conflict(f"{year} 年度考评已经开始", code="ALREADY_EXISTS")
    if not await uow.agreements.commissioners_in(city_code, year):
        raise ValidationFailed(
            f"{year} 年本市没有在岗的企业科技特派员协议，无需考评", code="NOTHING_TO_EVALUATE",
            errors=[FieldError("year", "该年度没有特派员协议")],
        )  # fmt: skip
    round_ = m.CommissionerRound(id=uuid.uuid4(), city_code=city_code, year=year, created_by=p.subject)
    uow.commissioner_rounds.add(round_)
    await uow.flush()
    added = await _add_missing(round_, uow)
    await uow.record_audit(p, "commissioner_round.opened", "commissioner_round", str(round_.id), {"records": added})
    return round_


async def refresh(round_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork) -> m.CommissionerRound:
    """Agreements filed after the round opened join it while it is open."""
    round_ = await get_round(round_id, p, uow, for_update=True)
    city_science_bureau(p)
    m.COMMISSIONER_ROUND.require(round_, "evaluate")
    added = await _add_missing(round_, uow)
    await uow.record_audit(p, "commissioner_round.refreshed", "commissioner_round", str(round_.id), {"records": added})
    return round_


async def _add_missing(round_: m.CommissionerRound, uow: EvaluationUnitOfWork) -> int:
    present = {e.agreement_id for e in await uow.commissioner_evaluations.in_round(round_.id)}
    agreements = [
        a for a in await uow.agreements.commissioners_in(round_.city_code, round_.year) if a.id not in present
    ]
    enterprises = await uow.enterprises.many({a.enterprise_id for a in agreements})
    for agreement in agreements:
        found = enterprises.get(agreement.enterprise_id)
        uow.commissioner_evaluations.add(
            m.CommissionerEvaluation(
                id=uuid.uuid4(), round_id=round_.id, agreement_id=agreement.id,
                researcher_id=agreement.researcher_id, institution_id=agreement.institution_id,
                enterprise_id=agreement.enterprise_id, city_code=round_.city_code,
                county=found.county if found else UNKNOWN_COUNTY, year=round_.year,
            )
        )  # fmt: skip
    return len(agreements)


# ------------------------------------------------------------------ the record: material, county, city
async def submit_material(
    evaluation_id: uuid.UUID, material: dict[str, Any], p: Principal, uow: EvaluationUnitOfWork
) -> m.CommissionerEvaluation:
    """R-V6: the enterprise submits its evaluation material on its commissioner to the city."""
    if p.role is not Role.ENTERPRISE:
        raise Forbidden("考评材料由接收企业提交", code="ENTERPRISE_ONLY")
    evaluation = await _open_record(evaluation_id, p, uow)
    evaluation.submit_material(material, p.subject)
    await uow.record_audit(p, "commissioner_evaluation.material", "commissioner_evaluation", str(evaluation.id),
                           {k: len(v) if isinstance(v, list) else bool(v) for k, v in material.items()})  # fmt: skip
    return evaluation


async def attach(
    evaluation_id: uuid.UUID,
    content: bytes,
    filename: str,
    p: Principal,
    uow: EvaluationUnitOfWork,
    *,
    max_files: int,
) -> dict[str, Any]:
    """An attachment to the material (R-V6): its type read from the content, hashed, stored under a random id."""
    if p.role is not Role.ENTERPRISE:
        raise Forbidden("考评材料由接收企业提交", code="ENTERPRISE_ONLY")
    evaluation = await _open_record(evaluation_id, p, uow)
    kind = files.sniff(content)
    if kind not in ATTACHMENT_TYPES:
        raise ValidationFailed(
            "附件须为 PDF、JPEG、PNG、XLSX 或 DOCX 文件", code="FILE_TYPE_REFUSED",
            errors=[FieldError("file", "文件内容不是允许的类型")],
        )  # fmt: skip
    count, _ = await uow.attachments.total_size(evaluation.id)
    if count >= max_files:
        raise Conflict(f"每份考评材料至多 {max_files} 个附件", code="TOO_MANY_ATTACHMENTS")
    attachment = m.Attachment(
        id=uuid.uuid4(), evaluation_id=evaluation.id, filename=_safe_name(filename), content_type=kind,
        size=len(content), sha256=hashlib.sha256(content).hexdigest(), content=content, uploaded_by=p.subject,
    )  # fmt: skip
    uow.attachments.add(attachment)
    await uow.record_audit(p, "commissioner_evaluation.attachment", "commissioner_evaluation", str(evaluation.id),
                           {"attachment_id": str(attachment.id), "sha256": attachment.sha256})  # fmt: skip
    return {k: getattr(attachment, k) for k in ("id", "filename", "content_type", "size", "sha256", "uploaded_at")}


async def attachment_file(attachment_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork) -> m.Attachment:
    found = await uow.attachments.get(attachment_id)
    if found is None or await uow.commissioner_evaluations.get(found.evaluation_id, commissioner_scope(p)) is None:
        raise NotFound("附件不存在或无权查看", code="ATTACHMENT_NOT_FOUND")
    return found


async def assess(
    evaluation_id: uuid.UUID, score: float, comments: str, p: Principal, uow: EvaluationUnitOfWork
) -> m.CommissionerEvaluation:
    """R-V5: the county (县（市、区）) scores the service results of a commissioner in its county."""
    if p.role is not Role.COUNTY:
        raise Forbidden("服务成效由企业所在县（市、区）考核", code="COUNTY_ONLY")
    evaluation = await _open_record(evaluation_id, p, uow)
    evaluation.assess(score, comments, p.subject)
    await uow.record_audit(p, "commissioner_evaluation.assessed", "commissioner_evaluation", str(evaluation.id),
                           {"score": score, "material_missing": evaluation.material_missing})  # fmt: skip
    return evaluation


async def determine(
    evaluation_id: uuid.UUID, grade: Grade, comments: str, p: Principal, uow: EvaluationUnitOfWork
) -> m.CommissionerEvaluation:
    """R-V5: the city sets the yearly result with reference to the agreement (its commitments, shown beside it)."""
    city_science_bureau(p)
    evaluation = await _open_record(evaluation_id, p, uow)
    evaluation.determine(grade, comments, p.subject)
    await uow.record_audit(p, "commissioner_evaluation.determined", "commissioner_evaluation", str(evaluation.id),
                           {"grade": grade.value})  # fmt: skip
    return evaluation


async def _open_record(evaluation_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork) -> m.CommissionerEvaluation:
    evaluation = await get_evaluation(evaluation_id, p, uow)
    round_ = await uow.commissioner_rounds.get(evaluation.round_id, for_update=True)
    assert round_ is not None
    m.COMMISSIONER_ROUND.require(round_, "evaluate")
    return await get_evaluation(evaluation_id, p, uow, for_update=True)


# ------------------------------------------------------------------ 末位淘汰
async def propose(
    round_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork, rule: EliminationRule, window: timedelta
) -> m.CommissionerRound:
    """The rule ranks every determined record and proposes the bottom for elimination; nobody is removed yet —
    those concerned may object until the window closes, and the city confirms when it files (R-V5)."""
    round_ = await get_round(round_id, p, uow, for_update=True)
    city_science_bureau(p)
    evaluations = await uow.commissioner_evaluations.in_round(round_.id, for_update=True)
    missing = [e for e in evaluations if e.status is not m.YearStatus.DETERMINED]
    if missing:
        raise Conflict(f"还有 {len(missing)} 份考评未确定结果", code="ROUND_INCOMPLETE",
                       extra={"missing": [str(e.id) for e in missing]})  # fmt: skip
    served = await _served_days(uow, round_.year, [e.agreement_id for e in evaluations])
    agreements = {a.id: a for a in [await uow.agreements.get(e.agreement_id) for e in evaluations] if a}
    standings = []
    for e in evaluations:
        a = agreements[e.agreement_id]
        months = months_served(a.term_start, a.term_end, a.ended_on, round_.year)
        exempt = None
        if months < rule.exempt_months_below:
            exempt = f"本年度服务不满 {rule.exempt_months_below} 个月"
        elif e.objection_upheld:
            exempt = "异议成立"
        assert e.grade is not None
        standings.append(
            Standing(e.id, {"city": e.city_code, "county": e.county}, e.grade, e.county_score or 0.0,
                     served.get(e.agreement_id, 0), exempt)
        )  # fmt: skip
    by_id = {s.evaluation_id: s for s in standings}
    ranking = [
        {
            **{k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in asdict(r).items()},
            "grade": by_id[r.evaluation_id].grade.value,
            "county_score": by_id[r.evaluation_id].county_score,
            "served_days": by_id[r.evaluation_id].served_days,
        }
        for r in rule.rank(standings)
    ]
    round_.propose({**asdict(rule), "description": rule.describe()}, ranking, utcnow() + window)
    closes = round_.objections_close_at.isoformat() if round_.objections_close_at else None
    changes = {"proposed": sorted(round_.proposed_ids()), "objections_close_at": closes}
    await uow.record_audit(p, "commissioner_round.proposed", "commissioner_round", str(round_.id), changes)
    return round_


async def reopen(round_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork) -> m.CommissionerRound:
    round_ = await get_round(round_id, p, uow, for_update=True)
    city_science_bureau(p)
    round_.reopen()
    await uow.record_audit(p, "commissioner_round.reopened", "commissioner_round", str(round_.id), None)
    return round_


async def object_to(
    evaluation_id: uuid.UUID, reason: str, p: Principal, uow: EvaluationUnitOfWork, *, at: datetime | None = None
) -> dict[str, Any]:
    """The commissioner, their unit or the enterprise objects to a proposed elimination, within the window."""
    if p.role not in (Role.RESEARCHER, Role.INSTITUTION, Role.ENTERPRISE):
        raise Forbidden("异议由本人、派出单位或接收企业提出", code="OBJECTOR_ONLY")
    evaluation = await get_evaluation(evaluation_id, p, uow, for_update=True)
    round_ = await uow.commissioner_rounds.get(evaluation.round_id, for_update=True)
    assert round_ is not None
    m.COMMISSIONER_ROUND.require(round_, "object")
    if str(evaluation.id) not in round_.proposed_ids():
        raise Conflict("该特派员不在拟淘汰名单中", code="NOT_PROPOSED")
    assert round_.objections_close_at is not None
    if (at or utcnow()) >= round_.objections_close_at:
        raise Conflict(f"异议期已于 {round_.objections_close_at.isoformat()} 结束", code="OBJECTION_WINDOW_CLOSED")
    objection = evaluation.object(p.subject, p.role.value, reason)
    await uow.record_audit(p, "commissioner_evaluation.objection", "commissioner_evaluation", str(evaluation.id),
                           {"objection_id": objection["id"]})  # fmt: skip
    return objection


async def resolve(
    evaluation_id: uuid.UUID, objection_id: str, upheld: bool, resolution: str, p: Principal, uow: EvaluationUnitOfWork
) -> dict[str, Any]:
    """The city resolves an objection; upheld, the commissioner leaves the proposed list (exempt, with the reason)."""
    city_science_bureau(p)
    evaluation = await get_evaluation(evaluation_id, p, uow)
    round_ = await uow.commissioner_rounds.get(evaluation.round_id, for_update=True)
    assert round_ is not None
    m.COMMISSIONER_ROUND.require(round_, "object")
    evaluation = await get_evaluation(evaluation_id, p, uow, for_update=True)
    resolved = evaluation.resolve(objection_id, upheld, resolution, p.subject)
    if upheld:
        round_.spare(evaluation.id)
    await uow.record_audit(p, "commissioner_evaluation.objection_resolved", "commissioner_evaluation",
                           str(evaluation.id), {"objection_id": objection_id, "upheld": upheld})  # fmt: skip
    return resolved


async def file(
    round_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork, *, exclusion_days: int, at: datetime | None = None
) -> m.CommissionerRound:
    """After the objection window, with every objection resolved, the city confirms the eliminations and files the
    year with the province (R-V5) → CommissionerYearFiled, and CommissionerEliminated for each eliminated."""
    round_ = await get_round(round_id, p, uow, for_update=True)
    city_science_bureau(p)
    evaluations = await uow.commissioner_evaluations.in_round(round_.id, for_update=True)
    pending = [str(e.id) for e in evaluations if e.objection_pending]
    if pending:
        raise Conflict(f"还有 {len(pending)} 件异议未处理", code="OBJECTIONS_PENDING", extra={"pending": pending})
    proposed = round_.proposed_ids()
    counts = {g.value: sum(1 for e in evaluations if e.grade is g) for g in Grade}
    counts |= {"evaluated": len(evaluations), "eliminated": len(proposed)}
    round_.file(at or utcnow(), counts)
    excluded_until = today_in_china() + timedelta(days=exclusion_days)
    ranks = {r["evaluation_id"]: r for r in round_.ranking}
    for e in evaluations:
        if str(e.id) in proposed:
            e.eliminated = True
            uow.emit(_eliminated(round_, e, ranks[str(e.id)], excluded_until))
    uow.emit(
        lambda: c.CommissionerYearFiledV1(
            round_id=round_.id, city_code=round_.city_code, year=round_.year, occurred_at=round_.updated_at,
            evaluated=counts["evaluated"], excellent=counts["excellent"], qualified=counts["qualified"],
            unqualified=counts["unqualified"], eliminated=counts["eliminated"],
        )
    )  # fmt: skip
    await uow.record_audit(p, "commissioner_round.filed", "commissioner_round", str(round_.id),
                           {**counts, "eliminated_ids": sorted(proposed)})  # fmt: skip
    return round_


def _eliminated(round_: m.CommissionerRound, e: m.CommissionerEvaluation, rank: dict, until: date) -> Any:
    reason = f"{round_.rule['description'] if round_.rule else ''}；排名 {rank['rank']}/{rank['ranked']}"
    return lambda: c.CommissionerEliminatedV1(
        evaluation_id=e.id, round_id=round_.id, agreement_id=e.agreement_id, researcher_id=e.researcher_id,
        institution_id=e.institution_id, enterprise_id=e.enterprise_id, city_code=e.city_code,
        programme=Programme.COMMISSIONER, year=round_.year, rank=rank["rank"], ranked=rank["ranked"],
        reason=reason[:1000], excluded_until=until, occurred_at=e.updated_at,
    )  # fmt: skip


# ------------------------------------------------------------------ helpers
async def _served_days(uow: EvaluationUnitOfWork, year: int, agreement_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    records = await uow.service_records.of(agreement_ids)
    return {i: sum(r.days for r in rs if r.starts_on.year == year) for i, rs in records.items()}


def city_science_bureau(p: Principal) -> str:
    """特派员 evaluation is the city 科技局's (the programme is the science bureaus', seed 000)."""
    if p.role is not Role.CITY_BUREAU or p.bureau is not Bureau.SCIENCE_TECH or not p.city_code:
        raise Forbidden("企业科技特派员年度考评由市（地）科技局组织", code="CITY_SCIENCE_BUREAU_ONLY")
    return p.city_code


def _safe_name(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')
    return (name or "attachment")[:200]
