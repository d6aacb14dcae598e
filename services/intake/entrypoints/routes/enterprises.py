"""企业 registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from services.intake.domain import model as m
from services.intake.entrypoints.deps import PROBLEMS, PagingDep, UowDep, Write
from services.intake.schemas import EnterpriseCreate, EnterpriseRead, EnterpriseUpdate
from services.intake.service_layer import registries
from shared.auth import Principal
from shared.history import AuditEntryRead, audit_trail
from shared.http import require_roles
from shared.pagination import Page
from shared.types import CodeQuery, SearchQuery
from shared.vocabulary import Role

router = APIRouter(prefix="/intake/v1/enterprises", tags=["enterprises 企业"], responses=PROBLEMS)
Manager = Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC, Role.ENTERPRISE))]
read = EnterpriseRead.model_validate
EnterpriseId = Annotated[
    str, Path(min_length=18, max_length=18, pattern="^[0-9A-Za-z]{18}$", description="统一社会信用代码 (R-C7)")
]


@router.post(
    "", status_code=201, response_model=EnterpriseRead, summary="登记企业（企业本身、所在市（地）、省国资委或省科技厅）"
)
async def create(body: EnterpriseCreate, write: Write, p: Manager):
    """登记企业：企业本身（统一社会信用代码须与登录身份一致，R-C7），所在市（地）（非省属国企），省国资委（省属国企）
    或省科技厅。创办或入股的科研人员、单位须已登记（R-C5）。"""
    return await write.created(
        p, lambda uow: registries.create_enterprise(body.command(), p, uow), read=read, at="/intake/v1/enterprises"
    )


@router.get("", response_model=Page[EnterpriseRead], summary="企业列表（按权限范围）")
async def list_(
    uow: UowDep,
    page: PagingDep,
    p: Manager,
    city_code: CodeQuery(r"^[0-9]{6}$", "市（地）代码") = None,
    qualification: m.Qualification | None = None,
    is_soe: bool | None = None,
    q: SearchQuery("按名称或内容搜索") = None,
):
    """按权限范围列出企业（市（地）看本地非省属国企，省国资委看省属国企，企业看本企业）。"""
    async with uow:
        items, total = await registries.list_enterprises(
            p, uow, page, city_code=city_code, qualification=qualification, is_soe=is_soe, q=q
        )
        return Page.of(items, total, page, read)


@router.get("/{enterprise_id}", response_model=EnterpriseRead, summary="查看企业")
async def get(enterprise_id: EnterpriseId, uow: UowDep, p: Manager):
    """查看企业（在权限范围内）。"""
    async with uow:
        return read(await registries.get_enterprise(enterprise_id, p, uow))


@router.patch("/{enterprise_id}", response_model=EnterpriseRead, summary="修改企业信息")
async def update(enterprise_id: EnterpriseId, body: EnterpriseUpdate, write: Write, p: Manager):
    """修改企业信息。科研失信记录只能由省科技厅撤销（R-C1）；省属国企标识由省科技厅或省国资委维护；市（地）
    不能把企业改到其他市（地）。"""
    return await write(p, lambda uow: registries.update_enterprise(enterprise_id, body.command(), p, uow), read=read)


@router.get("/{enterprise_id}/history", response_model=list[AuditEntryRead], summary="变更记录")
async def history(enterprise_id: EnterpriseId, uow: UowDep, p: Manager):
    """企业信息的变更记录。"""
    async with uow:
        enterprise = await registries.get_enterprise(enterprise_id, p, uow)
        return await audit_trail(uow, "enterprise", enterprise.id)
