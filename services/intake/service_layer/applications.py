"""Researcher applications for the 特派员 programme (R-F4): the researcher files, the unit decides."""

from __future__ import annotations

import uuid

from services.intake.domain import model as m
from services.intake.domain.commands import SubmitApplication
from services.intake.domain.eligibility import commissioner_researcher_failures
from services.intake.service_layer.common import require_role
from services.intake.service_layer.scopes import application_scope, researcher_scope
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared.auth import Principal, Role
from shared.errors import Conflict, FieldError, NotFound, ValidationFailed
from shared.events import contracts as c
from shared.pagination import PageParams
from shared.timeutil import today_in_china
from shared.vocabulary import Programme


def _fields(a: m.ResearcherApplication) -> dict:
    return dict(
        application_id=a.id,
        researcher_id=a.researcher_id,
        institution_id=a.institution_id,
        batch_id=a.batch_id,
        occurred_at=a.decided_at or a.submitted_at,
    )


async def submit_application(cmd: SubmitApplication, p: Principal, uow: IntakeUnitOfWork) -> m.ResearcherApplication:
    require_role(p, Role.RESEARCHER, what="提交特派员申报")
    researcher = await uow.researchers.get(uuid.UUID(p.researcher_id or ""), researcher_scope(p))
    if researcher is None:
        raise Conflict("尚未由派出单位登记，不能申报", code="RESEARCHER_NOT_REGISTERED")
    batch = await uow.batches.get(cmd.batch_id)
    if batch is None:
        raise ValidationFailed(
            "征集批次不存在", code="BATCH_NOT_FOUND", errors=[FieldError("batch_id", "征集批次不存在")]
        )
    if batch.programme is not Programme.COMMISSIONER:
        raise ValidationFailed(
            "科研人员自愿申报适用于企业科技特派员项目",
            code="PROGRAMME_MISMATCH",
            errors=[FieldError("batch_id", "该批次不是企业科技特派员批次", ["R-F4"])],
        )
    if not batch.is_open(today_in_china()):
        raise Conflict("该征集批次不在征集期内", code="BATCH_NOT_OPEN", extra={"rule_ids": ["R-F1"]})
    failures = commissioner_researcher_failures(researcher)
    if failures:
        raise ValidationFailed(
            "不符合企业科技特派员选派条件：" + "；".join(f.message for f in failures),
            code="RESEARCHER_NOT_ELIGIBLE",
            errors=[FieldError.from_rule(f) for f in failures],
        )
    if await uow.applications.find(researcher.id, batch.id):
        raise Conflict("已提交过该批次的申报", code="APPLICATION_EXISTS")
    application = m.ResearcherApplication(
        id=uuid.uuid4(),
        researcher_id=researcher.id,
        institution_id=researcher.institution_id,
        batch_id=batch.id,
        statement=cmd.statement,
    )
    uow.applications.add(application)
    uow.emit(lambda: c.ResearcherApplicationSubmittedV1(**_fields(application)))
    await uow.record_audit(p, "application.submitted", "application", str(application.id), {"batch_id": str(batch.id)})
    return application


async def decide_application(
    application_id: uuid.UUID, approve: bool, reason: str | None, p: Principal, uow: IntakeUnitOfWork
) -> m.ResearcherApplication:
    require_role(p, Role.INSTITUTION, what="审核申报")
    application = await get_application(application_id, p, uow, for_update=True)
    if not approve and not reason:
        raise ValidationFailed("不同意时须说明理由", errors=[FieldError("reason", "必填字段缺失")])
    application.decide(approve, reason)
    if approve:
        uow.emit(lambda: c.ResearcherApplicationApprovedV1(**_fields(application)))
    else:
        uow.emit(lambda: c.ResearcherApplicationRejectedV1(**_fields(application), reason=reason or ""))
    await uow.record_audit(
        p,
        "application.approved" if approve else "application.rejected",
        "application",
        str(application.id),
        {"reason": reason},
    )
    return application


async def get_application(
    application_id: uuid.UUID, p: Principal, uow: IntakeUnitOfWork, *, for_update: bool = False
) -> m.ResearcherApplication:
    application = await uow.applications.get(application_id, application_scope(p), for_update=for_update)
    if application is None:
        raise NotFound("申报不存在或无权查看", code="APPLICATION_NOT_FOUND")
    return application


async def list_applications(p: Principal, uow: IntakeUnitOfWork, page: PageParams, **filters) -> tuple[list, int]:
    return await uow.applications.list(application_scope(p), page, **filters)
