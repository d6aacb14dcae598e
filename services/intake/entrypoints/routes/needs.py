"""Needs (技术需求) and their review (R-F1)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.intake.domain import model as m
from services.intake.entrypoints.deps import PROBLEMS, PagingDep, UowDep, Write
from services.intake.schemas import NeedCreate, NeedRead, ReasonIn
from services.intake.service_layer import needs
from shared.auth import Principal
from shared.history import AuditEntryRead, audit_trail
from shared.http import require_roles
from shared.pagination import Page
from shared.types import CodeQuery, SearchQuery
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
    """企业在开放的征集批次内提交技术需求（R-F1）。先核对企业的申报条件（科技总师：R-C1、R-C2；特派员：R-C6），
    不符合则什么也不保存，422 逐条列出违反的规则。提交后由企业所在市（地）科技局、工信局审核；
    省属国有企业由省国资委审核。"""
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
    city_code: CodeQuery(r"^[0-9]{6}$", "市（地）代码") = None,
    q: SearchQuery("按名称或内容搜索") = None,
):
    """按权限范围列出需求：企业看本企业的，市（地）看本地非省属国企的，省国资委看省属国企的，省科技厅看全部。
    可按项目、批次、状态、市（地）筛选，按名称或描述搜索。"""
    async with uow:
        items, total = await needs.list_needs(
            p, uow, page, programme=programme, batch_id=batch_id, status=status, city_code=city_code, q=q
        )
        return Page.of(items, total, page, read)


@router.get("/{need_id}", response_model=NeedRead, summary="查看技术需求")
async def get(need_id: uuid.UUID, uow: UowDep, p: Annotated[Principal, Depends(READERS)]):
    """查看一条需求。不在权限范围内的需求与不存在的一样答复 404。"""
    async with uow:
        return read(await needs.get_need(need_id, p, uow))


@router.get("/{need_id}/history", response_model=list[AuditEntryRead], summary="审核与变更记录")
async def history(need_id: uuid.UUID, uow: UowDep, p: Annotated[Principal, Depends(READERS)]):
    """需求的审核与变更记录：谁在何时做了什么（审计日志）。"""
    async with uow:
        await needs.get_need(need_id, p, uow)
        return await audit_trail(uow, "need", str(need_id))


@router.post(
    "/{need_id}/approve", response_model=NeedRead, summary="审核通过（市（地）科技局、工信局；省属国企为省国资委）"
)
async def approve(need_id: uuid.UUID, write: Write, p: Reviewer):
    """审核通过（R-F1）。科技总师需求须市（地）科技局与工信局都通过；特派员需求由科技局审核；
    省属国企需求由省国资委审核。最后一个必需的审核通过后，需求变为「已审核通过」。"""
    return await write(p, lambda uow: needs.approve_need(need_id, p, uow), read=read)


@router.post("/{need_id}/reject", response_model=NeedRead, summary="驳回（须说明理由）")
async def reject(need_id: uuid.UUID, body: ReasonIn, write: Write, p: Reviewer):
    """驳回需求并说明理由（只在待审核时）。驳回是最终结果。"""
    return await write(p, lambda uow: needs.reject_need(need_id, body.reason, p, uow), read=read)


@router.post("/{need_id}/report", response_model=NeedRead, summary="报送省科技厅")
async def report(need_id: uuid.UUID, write: Write, p: Reviewer):
    """把已审核通过的需求报送省科技厅（R-F1 → R-F2）。报送后匹配服务会立即为它单独匹配。"""
    return await write(p, lambda uow: needs.report_need(need_id, p, uow), read=read)


@router.post("/{need_id}/withdraw", response_model=NeedRead, summary="企业撤回（报送省科技厅之前）")
async def withdraw(need_id: uuid.UUID, write: Write, p: Enterprise):
    """企业在需求报送省科技厅之前撤回。"""
    return await write(p, lambda uow: needs.withdraw_need(need_id, p, uow), read=read)
