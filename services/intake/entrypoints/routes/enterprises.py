"""企业 registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.intake.domain import model as m
from services.intake.entrypoints.deps import PROBLEMS, IdempotencyKey, PagingDep, UowDep
from services.intake.entrypoints.routes.history import audit_trail
from services.intake.schemas import AuditEntryRead, EnterpriseCreate, EnterpriseRead, EnterpriseUpdate
from services.intake.service_layer import registries
from shared.auth import Principal, Role, require_roles
from shared.idempotency import respond_idempotently
from shared.pagination import Page

router = APIRouter(prefix="/intake/v1/enterprises", tags=["enterprises 企业"], responses=PROBLEMS)
MANAGERS = require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC, Role.ENTERPRISE)


@router.post(
    "", status_code=201, response_model=EnterpriseRead, summary="登记企业（企业本身、所在市（地）、省国资委或省科技厅）"
)
async def create(
    body: EnterpriseCreate,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey,
    p: Annotated[Principal, Depends(MANAGERS)],
):
    async with uow:

        async def action():
            return EnterpriseRead.model_validate(await registries.create_enterprise(body, p, uow))

        return await respond_idempotently(
            request, uow, p, key, body, action, status=201, location=lambda d: f"/intake/v1/enterprises/{d['id']}"
        )


@router.get("", response_model=Page[EnterpriseRead], summary="企业列表（按权限范围）")
async def list_(
    uow: UowDep,
    pg: PagingDep,
    p: Annotated[Principal, Depends(MANAGERS)],
    city_code: str | None = None,
    qualification: m.Qualification | None = None,
    is_soe: bool | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
):
    params, paging = pg
    async with uow:
        items, total = await registries.list_enterprises(
            p, uow, paging, city_code=city_code, qualification=qualification, is_soe=is_soe, q=q
        )
        return Page(
            items=[EnterpriseRead.model_validate(e) for e in items],
            total=total,
            page=params.page,
            page_size=params.page_size,
        )


@router.get("/{enterprise_id}", response_model=EnterpriseRead, summary="查看企业")
async def get(enterprise_id: str, uow: UowDep, p: Annotated[Principal, Depends(MANAGERS)]):
    async with uow:
        return EnterpriseRead.model_validate(await registries.get_enterprise(enterprise_id, p, uow))


@router.patch("/{enterprise_id}", response_model=EnterpriseRead, summary="修改企业信息")
async def update(
    enterprise_id: str,
    body: EnterpriseUpdate,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey,
    p: Annotated[Principal, Depends(MANAGERS)],
):
    async with uow:

        async def action():
            return EnterpriseRead.model_validate(
                await registries.update_enterprise(enterprise_id.upper(), body, p, uow)
            )

        return await respond_idempotently(request, uow, p, key, body, action)


@router.get("/{enterprise_id}/history", response_model=list[AuditEntryRead], summary="变更记录")
async def history(enterprise_id: str, uow: UowDep, p: Annotated[Principal, Depends(MANAGERS)]):
    async with uow:
        enterprise = await registries.get_enterprise(enterprise_id, p, uow)
        return await audit_trail(uow, "enterprise", enterprise.id)
