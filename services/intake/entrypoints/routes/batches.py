"""Yearly batches (R-F1)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.intake.domain import model as m
from services.intake.entrypoints.deps import ANY_ROLE, PROBLEMS, IdempotencyKey, PagingDep, UowDep
from services.intake.schemas import BatchCreate, BatchRead, BatchUpdate
from services.intake.service_layer import batches
from shared.auth import Principal, Role, require_roles
from shared.events.contracts import Programme
from shared.idempotency import respond_idempotently
from shared.pagination import Page
from shared.timeutil import today_in_china

router = APIRouter(prefix="/intake/v1/batches", tags=["batches 征集批次"], responses=PROBLEMS)


def read(batch: m.Batch) -> BatchRead:
    fields = {k: getattr(batch, k) for k in BatchRead.model_fields if k != "is_open"}
    return BatchRead(**fields, is_open=batch.is_open(today_in_china()))


@router.post("", status_code=201, response_model=BatchRead, summary="发布年度征集批次（省科技厅）")
async def create(
    body: BatchCreate,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey,
    p: Annotated[Principal, Depends(require_roles(Role.PROVINCE))],
):
    async with uow:

        async def action():
            return read(await batches.open_batch(body, p, uow))

        return await respond_idempotently(
            request, uow, p, key, body, action, status=201, location=lambda d: f"/intake/v1/batches/{d['id']}"
        )


@router.get("", response_model=Page[BatchRead], summary="征集批次列表")
async def list_(
    uow: UowDep,
    pg: PagingDep,
    _: Annotated[Principal, Depends(ANY_ROLE)],
    programme: Programme | None = None,
    year: int | None = None,
):
    params, paging = pg
    async with uow:
        items, total = await uow.batches.list(paging, programme=programme, year=year)
        return Page(items=[read(b) for b in items], total=total, page=params.page, page_size=params.page_size)


@router.get("/{batch_id}", response_model=BatchRead, summary="查看征集批次")
async def get(batch_id: uuid.UUID, uow: UowDep, _: Annotated[Principal, Depends(ANY_ROLE)]):
    async with uow:
        return read(await batches.get_batch(batch_id, uow))


@router.patch("/{batch_id}", response_model=BatchRead, summary="调整征集期或提前截止（省科技厅）")
async def update(
    batch_id: uuid.UUID,
    body: BatchUpdate,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey,
    p: Annotated[Principal, Depends(require_roles(Role.PROVINCE))],
):
    async with uow:

        async def action():
            return read(await batches.update_batch(batch_id, body, p, uow))

        return await respond_idempotently(request, uow, p, key, body, action)
