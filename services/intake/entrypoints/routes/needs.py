"""Needs (技术需求) and their review (R-F1)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.intake.domain import model as m
from services.intake.entrypoints.deps import PROBLEMS, IdempotencyKey, PagingDep, UowDep
from services.intake.entrypoints.routes.history import audit_trail
from services.intake.schemas import AuditEntryRead, NeedCreate, NeedRead, ReasonIn
from services.intake.service_layer import needs
from shared.auth import Principal, Role, require_roles
from shared.events.contracts import Programme
from shared.idempotency import respond_idempotently
from shared.pagination import Page

router = APIRouter(prefix="/intake/v1/needs", tags=["needs 技术需求"], responses=PROBLEMS)
READERS = require_roles(Role.ENTERPRISE, Role.CITY_BUREAU, Role.SASAC, Role.PROVINCE)
REVIEWERS = require_roles(Role.CITY_BUREAU, Role.SASAC)


@router.post(
    "", status_code=201, response_model=NeedRead, summary="企业提交技术需求（须在开放的征集批次内，并符合申报条件）"
)
async def submit(
    body: NeedCreate,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey,
    p: Annotated[Principal, Depends(require_roles(Role.ENTERPRISE))],
):
    async with uow:

        async def action():
            return NeedRead.model_validate(await needs.submit_need(body, p, uow))

        return await respond_idempotently(
            request, uow, p, key, body, action, status=201, location=lambda d: f"/intake/v1/needs/{d['id']}"
        )


@router.get("", response_model=Page[NeedRead], summary="技术需求列表（按权限范围）")
async def list_(
    uow: UowDep,
    pg: PagingDep,
    p: Annotated[Principal, Depends(READERS)],
    programme: Programme | None = None,
    batch_id: uuid.UUID | None = None,
    status: m.NeedStatus | None = None,
    city_code: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
):
    params, paging = pg
    async with uow:
        items, total = await needs.list_needs(
            p, uow, paging, programme=programme, batch_id=batch_id, status=status, city_code=city_code, q=q
        )
        return Page(
            items=[NeedRead.model_validate(n) for n in items], total=total, page=params.page, page_size=params.page_size
        )


@router.get("/{need_id}", response_model=NeedRead, summary="查看技术需求")
async def get(need_id: uuid.UUID, uow: UowDep, p: Annotated[Principal, Depends(READERS)]):
    async with uow:
        return NeedRead.model_validate(await needs.get_need(need_id, p, uow))


@router.get("/{need_id}/history", response_model=list[AuditEntryRead], summary="审核与变更记录")
async def history(need_id: uuid.UUID, uow: UowDep, p: Annotated[Principal, Depends(READERS)]):
    async with uow:
        await needs.get_need(need_id, p, uow)
        return await audit_trail(uow, "need", str(need_id))


async def _transition(request: Request, uow, p: Principal, key: str | None, body, run) -> object:
    async with uow:

        async def action():
            return NeedRead.model_validate(await run(uow))

        return await respond_idempotently(request, uow, p, key, body, action)


@router.post(
    "/{need_id}/approve", response_model=NeedRead, summary="审核通过（市（地）科技局、工信局；省属国企为省国资委）"
)
async def approve(
    need_id: uuid.UUID, request: Request, uow: UowDep, key: IdempotencyKey, p: Annotated[Principal, Depends(REVIEWERS)]
):
    return await _transition(request, uow, p, key, None, lambda u: needs.approve_need(need_id, p, u))


@router.post("/{need_id}/reject", response_model=NeedRead, summary="驳回（须说明理由）")
async def reject(
    need_id: uuid.UUID,
    body: ReasonIn,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey,
    p: Annotated[Principal, Depends(REVIEWERS)],
):
    return await _transition(request, uow, p, key, body, lambda u: needs.reject_need(need_id, body.reason, p, u))


@router.post("/{need_id}/report", response_model=NeedRead, summary="报送省科技厅")
async def report(
    need_id: uuid.UUID, request: Request, uow: UowDep, key: IdempotencyKey, p: Annotated[Principal, Depends(REVIEWERS)]
):
    return await _transition(request, uow, p, key, None, lambda u: needs.report_need(need_id, p, u))


@router.post("/{need_id}/withdraw", response_model=NeedRead, summary="企业撤回（报送省科技厅之前）")
async def withdraw(
    need_id: uuid.UUID,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey,
    p: Annotated[Principal, Depends(require_roles(Role.ENTERPRISE))],
):
    return await _transition(request, uow, p, key, None, lambda u: needs.withdraw_need(need_id, p, u))
