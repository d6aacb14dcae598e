"""The province's recorded waivers of "in principle" rules (R-E3)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path

from services.matching.entrypoints.deps import PROBLEMS, Paging, ProvinceOnly, UowDep, Write
from services.matching.schemas import OverrideCreate, OverrideRead
from services.matching.service_layer import overrides
from shared.pagination import Page

RuleId = Annotated[str, Path(max_length=6, pattern=r"^R-[A-Z][0-9]{1,2}$", description="规则编号，例如 R-E3")]
router = APIRouter(prefix="/matching/v1", tags=["rule overrides"], responses=PROBLEMS)


@router.put(
    "/researchers/{researcher_id}/overrides/{rule_id}",
    response_model=OverrideRead,
    status_code=201,
    summary="省科技厅记录理由后豁免“原则上”条件（R-E3 学历/职称）",
)
async def grant_override(
    researcher_id: uuid.UUID, rule_id: RuleId, body: OverrideCreate, write: Write, p: ProvinceOnly
):
    """省科技厅记录理由后豁免“原则上”的条件（目前只有 R-E3：硕士学位或副高级职称）。记录在案，可撤销。"""
    command = body.command(researcher_id, rule_id)
    return await write(p, lambda uow: overrides.grant(command, p, uow), read=OverrideRead.model_validate, status=201)


@router.delete("/researchers/{researcher_id}/overrides/{rule_id}", status_code=204, summary="撤销豁免")
async def revoke_override(researcher_id: uuid.UUID, rule_id: RuleId, write: Write, p: ProvinceOnly):
    """撤销豁免。"""
    return await write(p, lambda uow: overrides.revoke(researcher_id, rule_id, p, uow), read=lambda _: None, status=204)


@router.get("/overrides", response_model=Page[OverrideRead], summary="已记录的豁免")
async def list_overrides(uow: UowDep, p: ProvinceOnly, page: Paging) -> Page[OverrideRead]:
    """已记录的豁免（新的在前）。"""
    async with uow:
        items, total = await uow.overrides.list(page)
        return Page.of(items, total, page, OverrideRead.model_validate)
