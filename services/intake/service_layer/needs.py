"""Needs (技术需求) and their review (R-F1).

submitted → approved (every required city bureau, or SASAC for a province-owned SOE) → reported to
the province. A reviewer may reject while submitted; the enterprise may withdraw until reported.
The domain's state machine checks every transition (409 ``ILLEGAL_TRANSITION`` naming the state);
each is published and audited.
"""

from __future__ import annotations

import uuid
from datetime import date

from services.intake.domain import model as m
from services.intake.domain.commands import SubmitNeed
from services.intake.domain.eligibility import enterprise_failures
from services.intake.service_layer.common import jsonable, require_role
from services.intake.service_layer.scopes import enterprise_scope
from services.intake.service_layer.snapshots import need_fields
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared.auth import Principal, Role, need_scope
from shared.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from shared.events import contracts as c
from shared.pagination import PageParams
from shared.timeutil import today_in_china


async def submit_need(cmd: SubmitNeed, p: Principal, uow: IntakeUnitOfWork, *, today: date | None = None) -> m.Need:
    """An enterprise files a need in an open batch; eligibility is checked first and nothing is stored if it fails."""
    require_role(p, Role.ENTERPRISE, what="提交技术需求")
    today = today or today_in_china()
    enterprise = await uow.enterprises.get(p.enterprise_id or "", enterprise_scope(p))
    if enterprise is None:
        raise Conflict("请先登记企业信息，再提交技术需求", code="ENTERPRISE_NOT_REGISTERED")
    batch = await uow.batches.get(cmd.batch_id)
    if batch is None:
        raise ValidationFailed(
            "征集批次不存在", code="BATCH_NOT_FOUND", errors=[FieldError("batch_id", "征集批次不存在")]
        )
    if not batch.is_open(today):
        closed = "，已提前截止" if batch.closed_early else ""
        raise Conflict(
            f"该征集批次不在征集期内（{batch.opens_on} 至 {batch.closes_on}{closed}）",
            code="BATCH_NOT_OPEN",
            extra={"rule_ids": ["R-F1"]},
        )
    failures = enterprise_failures(enterprise, batch.programme, today)
    if failures:
        raise ValidationFailed(
            "企业不符合该项目的申报条件：" + "；".join(f.message for f in failures),
            code="ENTERPRISE_NOT_ELIGIBLE",
            errors=[FieldError.from_rule(f, prefix="enterprise.") for f in failures],
        )
    need = m.Need(
        id=uuid.uuid4(),
        enterprise_id=enterprise.id,
        batch_id=batch.id,
        programme=batch.programme,
        city_code=enterprise.city_code,
        is_soe=enterprise.is_soe,
        title=cmd.title,
        description=cmd.description,
        industry=cmd.industry,
        desired_expertise=cmd.desired_expertise,
        keywords=m.normalise_keywords(list(cmd.keywords)),
        cooperation_forms=list(cmd.cooperation_forms),
        conditions_offered=cmd.conditions_offered,
        experts_wanted=cmd.experts_wanted,
        submitted_by=p.subject,
    )
    uow.needs.add(need)
    uow.emit(
        lambda: c.NeedSubmittedV1(
            **need_fields(need),
            title=need.title,
            description=need.description,
            keywords=need.keywords,
            submitted_at=need.submitted_at,
            batch_id=batch.id,
            batch_year=batch.year,
            industry=need.industry,
            desired_expertise=need.desired_expertise,
            cooperation_forms=[str(f) for f in need.cooperation_forms],
            experts_wanted=need.experts_wanted,
            conditions_offered=need.conditions_offered,
        )
    )
    await uow.record_audit(p, "need.submitted", "need", str(need.id), jsonable(cmd))
    return need


def _check_reviewer(need: m.Need, p: Principal) -> str:
    """The approver key for this caller: its bureau for a city need, "sasac" for an SOE need (R-F1)."""
    if need.is_soe:
        if p.role is not Role.SASAC:
            raise Forbidden("省属国有企业的需求由省国资委审核", code="REVIEWER_FORBIDDEN")
        return "sasac"
    if p.role is not Role.CITY_BUREAU:
        raise Forbidden("该需求由企业所在市（地）科技局、工信局审核", code="REVIEWER_FORBIDDEN")
    assert p.bureau is not None
    if p.bureau not in m.required_bureaus(need.programme):
        raise Forbidden("该项目的需求由市（地）科技局审核", code="REVIEWER_FORBIDDEN")
    return p.bureau.value


def _review_fields(need: m.Need, p: Principal) -> dict:
    return need_fields(need) | {
        "reviewer_role": p.role.value,
        "reviewer_bureau": p.bureau.value if p.bureau else None,
        "occurred_at": need.updated_at,
    }


async def approve_need(need_id: uuid.UUID, p: Principal, uow: IntakeUnitOfWork) -> m.Need:
    need = await get_need(need_id, p, uow, for_update=True)
    approver = _check_reviewer(need, p)
    if need.approve(approver):
        if need.is_soe:
            uow.emit(lambda: c.NeedApprovedBySasacV1(**_review_fields(need, p)))
        else:
            uow.emit(lambda: c.NeedApprovedByCityV1(**_review_fields(need, p), approvals=list(need.approvals)))
    await uow.record_audit(
        p, "need.approved", "need", str(need.id), {"approver": approver, "status": need.status.value}
    )
    return need


async def reject_need(need_id: uuid.UUID, reason: str, p: Principal, uow: IntakeUnitOfWork) -> m.Need:
    need = await get_need(need_id, p, uow, for_update=True)
    _check_reviewer(need, p)
    need.reject(reason)
    uow.emit(lambda: c.NeedRejectedV1(**_review_fields(need, p), reason=reason))
    await uow.record_audit(p, "need.rejected", "need", str(need.id), {"reason": reason})
    return need


async def withdraw_need(need_id: uuid.UUID, p: Principal, uow: IntakeUnitOfWork) -> m.Need:
    require_role(p, Role.ENTERPRISE, what="撤回需求")
    need = await get_need(need_id, p, uow, for_update=True)
    need.withdraw()
    uow.emit(lambda: c.NeedWithdrawnV1(**_review_fields(need, p)))
    await uow.record_audit(p, "need.withdrawn", "need", str(need.id), None)
    return need


async def report_need(need_id: uuid.UUID, p: Principal, uow: IntakeUnitOfWork) -> m.Need:
    """The city's bureaus (or SASAC) report an approved need to the province (R-F1)."""
    need = await get_need(need_id, p, uow, for_update=True)
    if (need.is_soe and p.role is not Role.SASAC) or (not need.is_soe and p.role is not Role.CITY_BUREAU):
        raise Forbidden("需求由审核单位报送省科技厅", code="REVIEWER_FORBIDDEN")
    need.report_to_province()
    batch = await uow.batches.get(need.batch_id)
    uow.emit(
        lambda: c.NeedReportedToProvinceV1(
            **_review_fields(need, p),
            batch_id=need.batch_id,
            batch_year=batch.year if batch else None,
            title=need.title,
            description=need.description,
            keywords=list(need.keywords),
            industry=need.industry,
            desired_expertise=need.desired_expertise,
            experts_wanted=need.experts_wanted,
            batch_closes_on=batch.closes_on if batch else None,
        )
    )
    await uow.record_audit(p, "need.reported", "need", str(need.id), None)
    return need


async def get_need(need_id: uuid.UUID, p: Principal, uow: IntakeUnitOfWork, *, for_update: bool = False) -> m.Need:
    """A need the caller may see (locked when it is about to change); out of scope answers 404, as missing does."""
    need = await uow.needs.get(need_id, need_scope(p), for_update=for_update)
    if need is None:
        raise NotFound("技术需求不存在或无权查看", code="NEED_NOT_FOUND")
    return need


async def list_needs(p: Principal, uow: IntakeUnitOfWork, page: PageParams, **filters) -> tuple[list[m.Need], int]:
    return await uow.needs.list(need_scope(p), page, **filters)
