"""Intake use cases. Scope checks live here, not only on routes (a city never sees another city's data)."""

from __future__ import annotations

import uuid

from services.intake.domain.commands import SubmitNeed
from services.intake.domain.model import Need
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared.auth import Principal, Role, need_scope
from shared.errors import Forbidden, NotFound
from shared.events.contracts import NeedSubmittedV1


async def submit_need(cmd: SubmitNeed, principal: Principal, uow: IntakeUnitOfWork) -> Need:
    """An enterprise files a need (R-F1); NeedSubmitted goes out through the outbox. The caller commits."""
    if principal.role is not Role.ENTERPRISE:
        raise Forbidden("只有企业用户可以提交技术需求", code="ROLE_FORBIDDEN")
    assert principal.enterprise_id and principal.city_code  # guaranteed by the token's validation
    need = Need.submit(
        enterprise_id=principal.enterprise_id,
        city_code=principal.city_code,
        is_soe=principal.soe,
        programme=cmd.programme,
        title=cmd.title,
        description=cmd.description,
        keywords=cmd.keywords,
        submitted_by=principal.subject,
    )
    uow.needs.add(need)
    await uow.session.flush()
    uow.emit(
        NeedSubmittedV1(
            need_id=need.id,
            enterprise_id=need.enterprise_id,
            city_code=need.city_code,
            is_soe=need.is_soe,
            programme=need.programme,
            title=need.title,
            description=need.description,
            keywords=need.keywords,
            submitted_at=need.submitted_at,
        )
    )
    await uow.record_audit(principal, "need.submitted", "need", str(need.id), {"title": need.title})
    return need


async def get_need(need_id: uuid.UUID, principal: Principal, uow: IntakeUnitOfWork) -> Need:
    need = await uow.needs.get(need_id, need_scope(principal))
    if need is None:
        raise NotFound("技术需求不存在或无权查看", code="NEED_NOT_FOUND")
    return need


async def list_needs(
    principal: Principal, uow: IntakeUnitOfWork, *, limit: int, offset: int, programme: str | None
) -> tuple[list[Need], int]:
    return await uow.needs.list(need_scope(principal), limit=limit, offset=offset, programme=programme)
