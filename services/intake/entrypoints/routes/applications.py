"""Researcher applications for 特派员 batches (R-F4)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.intake.domain import model as m
from services.intake.entrypoints.deps import PROBLEMS, PagingDep, UowDep, Write
from services.intake.schemas import ApplicationCreate, ApplicationRead, OptionalReasonIn, ReasonIn
from services.intake.service_layer import applications
from shared.auth import Principal
from shared.http import require_roles
from shared.pagination import Page
from shared.vocabulary import Role

router = APIRouter(prefix="/intake/v1/applications", tags=["applications 特派员申报"], responses=PROBLEMS)
READERS = require_roles(Role.PROVINCE, Role.INSTITUTION, Role.RESEARCHER)
Unit = Annotated[Principal, Depends(require_roles(Role.INSTITUTION))]
read = ApplicationRead.model_validate


@router.post("", status_code=201, response_model=ApplicationRead, summary="科研人员自愿申报企业科技特派员（R-F4）")
async def submit(
    body: ApplicationCreate, write: Write, p: Annotated[Principal, Depends(require_roles(Role.RESEARCHER))]
):
    """科研人员自愿申报企业科技特派员（拟派出科研人员基本情况表，R-F4）：须已由派出单位登记，
    具备博士学位或副高级以上职称（R-E4），无科研失信记录（R-E1）。"""
    return await write.created(
        p, lambda uow: applications.submit_application(body.command(), p, uow), read=read, at="/intake/v1/applications"
    )


@router.get("", response_model=Page[ApplicationRead], summary="申报列表（本人；本单位；省科技厅看已通过单位审核的）")
async def list_(
    uow: UowDep,
    page: PagingDep,
    p: Annotated[Principal, Depends(READERS)],
    batch_id: uuid.UUID | None = None,
    status: m.ApplicationStatus | None = None,
):
    """申报列表：科研人员看本人的，派出单位看本单位的，省科技厅看已由派出单位同意的（R-F4）。"""
    async with uow:
        items, total = await applications.list_applications(p, uow, page, batch_id=batch_id, status=status)
        return Page.of(items, total, page, read)


@router.get("/{application_id}", response_model=ApplicationRead, summary="查看申报")
async def get(application_id: uuid.UUID, uow: UowDep, p: Annotated[Principal, Depends(READERS)]):
    """查看一份申报（在权限范围内）。"""
    async with uow:
        return read(await applications.get_application(application_id, p, uow))


@router.post("/{application_id}/approve", response_model=ApplicationRead, summary="派出单位同意（报省科技厅）")
async def approve(application_id: uuid.UUID, write: Write, p: Unit, body: OptionalReasonIn | None = None):
    """派出单位同意申报：申报报送省科技厅（R-F4）。"""
    reason = body.reason if body else None
    return await write(p, lambda uow: applications.decide_application(application_id, True, reason, p, uow), read=read)


@router.post("/{application_id}/reject", response_model=ApplicationRead, summary="派出单位不同意（须说明理由）")
async def reject(application_id: uuid.UUID, body: ReasonIn, write: Write, p: Unit):
    """派出单位不同意申报，须说明理由。"""
    return await write(
        p, lambda uow: applications.decide_application(application_id, False, body.reason, p, uow), read=read
    )
