"""科研人员 registry (registration happens under /institutions/{id}/researchers)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.intake.domain import model as m
from services.intake.entrypoints.deps import PROBLEMS, PagingDep, UowDep, Write
from services.intake.schemas import ResearcherRead, ResearcherUpdate
from services.intake.service_layer import registries
from shared.auth import Principal
from shared.history import AuditEntryRead, audit_trail
from shared.http import require_roles
from shared.pagination import Page
from shared.types import SearchQuery
from shared.vocabulary import Role

router = APIRouter(prefix="/intake/v1/researchers", tags=["researchers 科研人员"], responses=PROBLEMS)
Reader = Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.INSTITUTION, Role.RESEARCHER))]
read = ResearcherRead.model_validate


@router.get("", response_model=Page[ResearcherRead], summary="科研人员列表（省科技厅全部；单位本单位；本人）")
async def list_(
    uow: UowDep,
    page: PagingDep,
    p: Reader,
    institution_id: uuid.UUID | None = None,
    discipline: SearchQuery("学科（完全一致）") = None,
    title: m.Title | None = None,
    q: SearchQuery("按名称或内容搜索") = None,
):
    """科研人员列表：省科技厅看全部，派出单位看本单位的，科研人员看本人。可按单位、学科、职称筛选，
    按姓名或研究方向搜索。"""
    async with uow:
        items, total = await registries.list_researchers(
            p, uow, page, institution_id=institution_id, discipline=discipline, title=title, q=q
        )
        return Page.of(items, total, page, read)


@router.get("/{researcher_id}", response_model=ResearcherRead, summary="查看科研人员")
async def get(researcher_id: uuid.UUID, uow: UowDep, p: Reader):
    """查看科研人员及其科技成果（在权限范围内）。"""
    async with uow:
        return read(await registries.get_researcher(researcher_id, p, uow))


@router.patch("/{researcher_id}", response_model=ResearcherRead, summary="修改科研人员信息（派出单位）")
async def update(
    researcher_id: uuid.UUID,
    body: ResearcherUpdate,
    write: Write,
    p: Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.INSTITUTION))],
):
    """派出单位修改本单位科研人员的信息，可整体替换成果列表。科研失信记录只能由省科技厅撤销（R-E1）。"""
    return await write(p, lambda uow: registries.update_researcher(researcher_id, body.command(), p, uow), read=read)


@router.get("/{researcher_id}/history", response_model=list[AuditEntryRead], summary="变更记录")
async def history(researcher_id: uuid.UUID, uow: UowDep, p: Reader):
    """科研人员信息的变更记录。"""
    async with uow:
        await registries.get_researcher(researcher_id, p, uow)
        return await audit_trail(uow, "researcher", str(researcher_id))
