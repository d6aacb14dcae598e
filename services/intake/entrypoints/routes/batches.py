"""Yearly batches (R-F1)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.intake.domain import model as m
from services.intake.entrypoints.deps import ANY_ROLE, PROBLEMS, PagingDep, UowDep, Write
from services.intake.schemas import BatchCreate, BatchRead, BatchUpdate
from services.intake.service_layer import batches
from shared.auth import Principal
from shared.http import require_roles
from shared.pagination import Page
from shared.timeutil import today_in_china
from shared.vocabulary import Programme, Role

router = APIRouter(prefix="/intake/v1/batches", tags=["batches 征集批次"], responses=PROBLEMS)
Province = Annotated[Principal, Depends(require_roles(Role.PROVINCE))]


def read(batch: m.Batch) -> BatchRead:
    fields = {k: getattr(batch, k) for k in BatchRead.model_fields if k != "is_open"}
    return BatchRead(**fields, is_open=batch.is_open(today_in_china()))


@router.post("", status_code=201, response_model=BatchRead, summary="发布年度征集批次（省科技厅）")
async def create(body: BatchCreate, write: Write, p: Province):
    """省科技厅发布某项目某年度的需求征集批次（R-F1），每个项目每年一个。"""
    return await write.created(
        p, lambda uow: batches.open_batch(body.command(), p, uow), read=read, at="/intake/v1/batches"
    )


@router.get("", response_model=Page[BatchRead], summary="征集批次列表")
async def list_(
    uow: UowDep,
    page: PagingDep,
    _: Annotated[Principal, Depends(ANY_ROLE)],
    programme: Programme | None = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="年度")] = None,
):
    """征集批次列表（任何角色可见），可按项目与年度筛选；is_open 表示今天是否在征集期内。"""
    async with uow:
        items, total = await uow.batches.list(page, programme=programme, year=year)
        return Page.of(items, total, page, read)


@router.get("/{batch_id}", response_model=BatchRead, summary="查看征集批次")
async def get(batch_id: uuid.UUID, uow: UowDep, _: Annotated[Principal, Depends(ANY_ROLE)]):
    """查看一个征集批次。"""
    async with uow:
        return read(await batches.get_batch(batch_id, uow))


@router.patch("/{batch_id}", response_model=BatchRead, summary="调整征集期或提前截止（省科技厅）")
async def update(batch_id: uuid.UUID, body: BatchUpdate, write: Write, p: Province):
    """省科技厅调整征集期或提前截止征集。"""
    return await write(p, lambda uow: batches.update_batch(batch_id, body.command(), p, uow), read=read)
