"""Needs (技术需求) and their review (R-F1)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.intake.domain import model as m
from services.intake.entrypoints.deps import PROBLEMS, PagingDep, UowDep, Write
from services.intake.entrypoints.routes.history import audit_trail
from services.intake.schemas import AuditEntryRead, NeedCreate, NeedRead, ReasonIn
from services.intake.service_layer import needs
from shared.auth import Principal
from shared.http import require_roles
from shared.pagination import Page
from shared.vocabulary import Programme, Role

router = APIRouter(prefix="/intake/v1/needs", tags=["needs 技术需求"], responses=PROBLEMS)
READERS = require_roles(Role.ENTERPRISE, Role.CITY_BUREAU, Role.SASAC, Role.PROVINCE)
Reviewer = Annotated[Principal, Depends(require_roles(Role.CITY_BUREAU, Role.SASAC))]
Enterprise = Annotated[Principal, Depends(require_roles(Role.ENTERPRISE))]
read = NeedRead.model_validate


@router.post(
    "", status_code=201, response_model=NeedRead, summary="企业提交技术需求（须在开放的征集批次内，并符合申报条件）"
)
async def submit(body: NeedCreate, write: Write, p: Enterprise):
    return await write.created(
        p, lambda uow: needs.submit_need(body.command(), p, uow), read=read, at="/intake/v1/needs"
    )


@router.get("", response_model=Page[NeedRead], summary="技术需求列表（按权限范围）")
async def list_(
    uow: UowDep,
    page: PagingDep,
    p: Annotated[Principal, Depends(READERS)],
    programme: Programme | None = None,
    batch_id: uuid.UUID | None = None,
    status: m.NeedStatus | None = None,
    city_code: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
):
    async with uow:
        items, total = await needs.list_needs(
            p, uow, page, programme=programme, batch_id=batch_id, status=status, city_code=city_code, q=q
        )
        return Page.of(items, total, page, read)


@router.get("/{need_id}", response_model=NeedRead, summary="查看技术需求")
async def get(need_id: uuid.UUID, uow: UowDep, p: Annotated[Principal, Depends(READERS)]):
    async with uow:
        return read(await needs.get_need(need_id, p, uow))


@router.get("/{need_id}/history", response_model=list[AuditEntryRead], summary="审核与变更记录")
async def history(need_id: uuid.UUID, uow: UowDep, p: Annotated[Principal, Depends(READERS)]):
    async with uow:
        await needs.get_need(need_id, p, uow)
        return await audit_trail(uow, "need", str(need_id))


@router.post(
    "/{need_id}/approve", response_model=NeedRead, summary="审核通过（市（地）科技局、工信局；省属国企为省国资委）"
)
async def approve(need_id: uuid.UUID, write: Write, p: Reviewer):
    return await write(p, lambda uow: needs.approve_need(need_id, p, uow), read=read)


@router.post("/{need_id}/reject", response_model=NeedRead, summary="驳回（须说明理由）")
async def reject(need_id: uuid.UUID, body: ReasonIn, write: Write, p: Reviewer):
    return await write(p, lambda uow: needs.reject_need(need_id, body.reason, p, uow), read=read)


@router.post("/{need_id}/report", response_model=NeedRead, summary="报送省科技厅")
async def report(need_id: uuid.UUID, write: Write, p: Reviewer):
    return await write(p, lambda uow: needs.report_need(need_id, p, uow), read=read)


@router.post("/{need_id}/withdraw", response_model=NeedRead, summary="企业撤回（报送省科技厅之前）")
async def withdraw(need_id: uuid.UUID, write: Write, p: Enterprise):
    return await write(p, lambda uow: needs.withdraw_need(need_id, p, uow), read=read)
