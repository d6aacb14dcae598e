"""Intake REST API (mounted under /intake)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from services.intake.domain.commands import SubmitNeed
from services.intake.schemas import NeedCreate, NeedRead
from services.intake.service_layer import handlers
from shared.auth import Principal, Role, require_roles
from shared.errors import PROBLEM_JSON
from shared.events.contracts import Programme
from shared.idempotency import request_fingerprint, run_idempotent
from shared.pagination import Page, PageParams, page_params

router = APIRouter(prefix="/intake/v1", tags=["needs"])

NEED_READERS = (Role.ENTERPRISE, Role.CITY_BUREAU, Role.SASAC, Role.PROVINCE)
_problem_responses = {code: {"content": {PROBLEM_JSON: {}}} for code in (401, 403, 404, 409, 422)}


def _uow(request: Request):
    return request.app.state.runtime.uow()


@router.post(
    "/needs", status_code=201, response_model=NeedRead, responses=_problem_responses, summary="企业提交技术需求"
)
async def submit_need(
    body: NeedCreate,
    request: Request,
    principal: Annotated[Principal, Depends(require_roles(Role.ENTERPRISE))],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    cmd = SubmitNeed(programme=body.programme, title=body.title, description=body.description, keywords=body.keywords)

    async with _uow(request) as uow:

        async def action() -> tuple[int, dict]:
            need = await handlers.submit_need(cmd, principal, uow)
            return 201, NeedRead.model_validate(need).model_dump(mode="json")

        fingerprint = request_fingerprint("POST", request.url.path, body.model_dump(mode="json"))
        status, payload, replayed = await run_idempotent(uow, principal, idempotency_key, fingerprint, action)
    headers = {"Location": f"/intake/v1/needs/{payload['id']}"} if status == 201 else {}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(payload, status_code=status, headers=headers)


@router.get("/needs/{need_id}", response_model=NeedRead, responses=_problem_responses, summary="查看技术需求")
async def get_need(
    need_id: uuid.UUID,
    request: Request,
    principal: Annotated[Principal, Depends(require_roles(*NEED_READERS))],
) -> NeedRead:
    async with _uow(request) as uow:
        return NeedRead.model_validate(await handlers.get_need(need_id, principal, uow))


@router.get("/needs", response_model=Page[NeedRead], responses=_problem_responses, summary="技术需求列表（按权限范围）")
async def list_needs(
    request: Request,
    principal: Annotated[Principal, Depends(require_roles(*NEED_READERS))],
    paging: Annotated[PageParams, Depends(page_params)],
    programme: Annotated[Programme | None, Query()] = None,
) -> Page[NeedRead]:
    async with _uow(request) as uow:
        items, total = await handlers.list_needs(
            principal, uow, limit=paging.page_size, offset=paging.offset, programme=programme
        )
        return Page(
            items=[NeedRead.model_validate(n) for n in items], total=total, page=paging.page, page_size=paging.page_size
        )
