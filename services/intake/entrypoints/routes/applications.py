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
    async with uow:
        items, total = await applications.list_applications(p, uow, page, batch_id=batch_id, status=status)
        return Page.of(items, total, page, read)


@router.get("/{application_id}", response_model=ApplicationRead, summary="查看申报")
async def get(application_id: uuid.UUID, uow: UowDep, p: Annotated[Principal, Depends(READERS)]):
    async with uow:
        return read(await applications.get_application(application_id, p, uow))


@router.post("/{application_id}/approve", response_model=ApplicationRead, summary="派出单位同意（报省科技厅）")
async def approve(application_id: uuid.UUID, write: Write, p: Unit, body: OptionalReasonIn | None = None):
    reason = body.reason if body else None
    return await write(p, lambda uow: applications.decide_application(application_id, True, reason, p, uow), read=read)


@router.post("/{application_id}/reject", response_model=ApplicationRead, summary="派出单位不同意（须说明理由）")
async def reject(application_id: uuid.UUID, body: ReasonIn, write: Write, p: Unit):
    return await write(
        p, lambda uow: applications.decide_application(application_id, False, body.reason, p, uow), read=read
    )
