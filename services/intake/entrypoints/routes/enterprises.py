"""企业 registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.intake.domain import model as m
from services.intake.entrypoints.deps import PROBLEMS, PagingDep, UowDep, Write
from services.intake.entrypoints.routes.history import audit_trail
from services.intake.schemas import AuditEntryRead, EnterpriseCreate, EnterpriseRead, EnterpriseUpdate
from services.intake.service_layer import registries
from shared.auth import Principal
from shared.http import require_roles
from shared.pagination import Page
from shared.vocabulary import Role

router = APIRouter(prefix="/intake/v1/enterprises", tags=["enterprises 企业"], responses=PROBLEMS)
Manager = Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC, Role.ENTERPRISE))]
read = EnterpriseRead.model_validate


@router.post(
    "", status_code=201, response_model=EnterpriseRead, summary="登记企业（企业本身、所在市（地）、省国资委或省科技厅）"
)
async def create(body: EnterpriseCreate, write: Write, p: Manager):
    return await write.created(
        p, lambda uow: registries.create_enterprise(body.command(), p, uow), read=read, at="/intake/v1/enterprises"
    )


@router.get("", response_model=Page[EnterpriseRead], summary="企业列表（按权限范围）")
async def list_(
    uow: UowDep,
    page: PagingDep,
    p: Manager,
    city_code: str | None = None,
    qualification: m.Qualification | None = None,
    is_soe: bool | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
):
    async with uow:
        items, total = await registries.list_enterprises(
            p, uow, page, city_code=city_code, qualification=qualification, is_soe=is_soe, q=q
        )
        return Page.of(items, total, page, read)


@router.get("/{enterprise_id}", response_model=EnterpriseRead, summary="查看企业")
async def get(enterprise_id: str, uow: UowDep, p: Manager):
    async with uow:
        return read(await registries.get_enterprise(enterprise_id, p, uow))


@router.patch("/{enterprise_id}", response_model=EnterpriseRead, summary="修改企业信息")
async def update(enterprise_id: str, body: EnterpriseUpdate, write: Write, p: Manager):
    return await write(p, lambda uow: registries.update_enterprise(enterprise_id, body.command(), p, uow), read=read)


@router.get("/{enterprise_id}/history", response_model=list[AuditEntryRead], summary="变更记录")
async def history(enterprise_id: str, uow: UowDep, p: Manager):
    async with uow:
        enterprise = await registries.get_enterprise(enterprise_id, p, uow)
        return await audit_trail(uow, "enterprise", enterprise.id)
