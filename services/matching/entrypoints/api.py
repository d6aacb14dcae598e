"""Matching REST API (mounted under /matching)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.matching.schemas import NeedHistoryRead, NeedSnapshotDetail, NeedSnapshotRead
from services.matching.service_layer import handlers
from shared.auth import Principal, Role, require_roles
from shared.errors import PROBLEM_JSON
from shared.pagination import Page, PageParams, page_params

router = APIRouter(prefix="/matching/v1", tags=["needs"])
NEED_READERS = (Role.ENTERPRISE, Role.CITY_BUREAU, Role.SASAC, Role.PROVINCE)
_problem_responses = {code: {"content": {PROBLEM_JSON: {}}} for code in (401, 403, 404, 422)}


@router.get(
    "/needs/{need_id}", response_model=NeedSnapshotDetail, responses=_problem_responses, summary="匹配服务中的需求"
)
async def get_need(
    need_id: uuid.UUID, request: Request, principal: Annotated[Principal, Depends(require_roles(*NEED_READERS))]
) -> NeedSnapshotDetail:
    async with request.app.state.runtime.uow() as uow:
        need, history = await handlers.get_need(need_id, principal, uow)
        return NeedSnapshotDetail(
            **NeedSnapshotRead.model_validate(need).model_dump(),
            history=[NeedHistoryRead.model_validate(h) for h in history],
        )


@router.get("/needs", response_model=Page[NeedSnapshotRead], responses=_problem_responses, summary="待匹配需求列表")
async def list_needs(
    request: Request,
    principal: Annotated[Principal, Depends(require_roles(*NEED_READERS))],
    paging: Annotated[PageParams, Depends(page_params)],
) -> Page[NeedSnapshotRead]:
    async with request.app.state.runtime.uow() as uow:
        items, total = await handlers.list_needs(principal, uow, limit=paging.page_size, offset=paging.offset)
        return Page(
            items=[NeedSnapshotRead.model_validate(n) for n in items],
            total=total,
            page=paging.page,
            page_size=paging.page_size,
        )
