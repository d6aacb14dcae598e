"""Objections filed during a public notice, as the province resolves them (R-F7)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.agreements.domain import model as m
from services.agreements.entrypoints.deps import PROBLEMS, PagingDep, Province, UowDep, Write
from services.agreements.schemas import ObjectionRead, ObjectionResolution
from services.agreements.service_layer import selection
from shared.pagination import Page

router = APIRouter(prefix="/agreements/v1/objections", tags=["objections 公示异议"], responses=PROBLEMS)
read = ObjectionRead.model_validate


@router.get("", response_model=Page[ObjectionRead], summary="异议列表")
async def list_(
    uow: UowDep,
    page: PagingDep,
    p: Province,
    list_id: uuid.UUID | None = None,
    status: m.ObjectionStatus | None = None,
):
    """公示期间收到的异议（含异议人姓名与联系方式，仅省科技厅可见）；可按名单、状态筛选。"""
    async with uow:
        items, total = await selection.list_objections(uow, page, list_id=list_id, status=status)
        return Page.of(items, total, page, read)


@router.get("/{objection_id}", response_model=ObjectionRead, summary="查看异议")
async def get(objection_id: uuid.UUID, uow: UowDep, p: Province):
    """查看一条异议。"""
    async with uow:
        return read(await selection.get_objection(objection_id, uow))


@router.post("/{objection_id}/resolve", response_model=ObjectionRead, summary="处理异议")
async def resolve(objection_id: uuid.UUID, body: ObjectionResolution, write: Write, p: Province):
    """处理异议（R-F7）：dismissed 异议不成立；upheld 异议成立，该人选移出名单（记录原因）。
    全部异议处理完毕后才能正式公布名单。"""
    return await write(
        p, lambda uow: selection.resolve_objection(objection_id, body.outcome, body.reason, p, uow), read=read
    )
