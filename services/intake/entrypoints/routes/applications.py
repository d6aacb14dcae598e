"""Researcher applications for 特派员 batches (R-F4)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.intake.domain import model as m
from services.intake.entrypoints.deps import PROBLEMS, IdempotencyKey, PagingDep, UowDep
from services.intake.schemas import ApplicationCreate, ApplicationRead, OptionalReasonIn, ReasonIn
from services.intake.service_layer import applications
from shared.auth import Principal, Role, require_roles
from shared.idempotency import respond_idempotently
from shared.pagination import Page

router = APIRouter(prefix="/intake/v1/applications", tags=["applications 特派员申报"], responses=PROBLEMS)
READERS = require_roles(Role.PROVINCE, Role.INSTITUTION, Role.RESEARCHER)


@router.post("", status_code=201, response_model=ApplicationRead, summary="科研人员自愿申报企业科技特派员（R-F4）")
async def submit(
    body: ApplicationCreate,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey,
    p: Annotated[Principal, Depends(require_roles(Role.RESEARCHER))],
):
    async with uow:

        async def action():
            return ApplicationRead.model_validate(await applications.submit_application(body, p, uow))

        return await respond_idempotently(
            request, uow, p, key, body, action, status=201, location=lambda d: f"/intake/v1/applications/{d['id']}"
        )


@router.get("", response_model=Page[ApplicationRead], summary="申报列表（本人；本单位；省科技厅看已通过单位审核的）")
async def list_(
    uow: UowDep,
    pg: PagingDep,
    p: Annotated[Principal, Depends(READERS)],
    batch_id: uuid.UUID | None = None,
    status: m.ApplicationStatus | None = None,
):
    params, paging = pg
    async with uow:
        items, total = await applications.list_applications(p, uow, paging, batch_id=batch_id, status=status)
        return Page(
            items=[ApplicationRead.model_validate(a) for a in items],
            total=total,
            page=params.page,
            page_size=params.page_size,
        )


@router.get("/{application_id}", response_model=ApplicationRead, summary="查看申报")
async def get(application_id: uuid.UUID, uow: UowDep, p: Annotated[Principal, Depends(READERS)]):
    async with uow:
        return ApplicationRead.model_validate(await applications.get_application(application_id, p, uow))


async def _decide(request, uow, p, key, body, application_id, approve: bool, reason: str | None):
    async with uow:

        async def action():
            return ApplicationRead.model_validate(
                await applications.decide_application(application_id, approve, reason, p, uow)
            )

        return await respond_idempotently(request, uow, p, key, body, action)


@router.post("/{application_id}/approve", response_model=ApplicationRead, summary="派出单位同意（报省科技厅）")
async def approve(
    application_id: uuid.UUID,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey,
    p: Annotated[Principal, Depends(require_roles(Role.INSTITUTION))],
    body: OptionalReasonIn | None = None,
):
    return await _decide(request, uow, p, key, body, application_id, True, body.reason if body else None)


@router.post("/{application_id}/reject", response_model=ApplicationRead, summary="派出单位不同意（须说明理由）")
async def reject(
    application_id: uuid.UUID,
    body: ReasonIn,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey,
    p: Annotated[Principal, Depends(require_roles(Role.INSTITUTION))],
):
    return await _decide(request, uow, p, key, body, application_id, False, body.reason)
