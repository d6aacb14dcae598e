"""Versioned proposals and a need's current candidate list (R-F2 → R-F3)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.matching.domain.proposal import Proposal
from services.matching.entrypoints.deps import PROBLEMS, Bureaus, ListReaders, ProvinceOnly, UowDep, Write
from services.matching.schemas import CandidateListRead, EntryRead, ProposalRead, ProposalSummary
from services.matching.service_layer import candidate_lists
from shared.types import INT32_MAX

router = APIRouter(prefix="/matching/v1", tags=["candidate lists"], responses=PROBLEMS)


def positioned(p: Proposal, entries) -> list[EntryRead]:
    """Entries with their place in the whole list: ``rank`` counts within a role, so two entries may both be rank 1
    (the first proposed and the first alternate); ``position`` is unique."""
    places = {e.id: i for i, e in enumerate(p.ordered(), start=1)}
    return [EntryRead.model_validate(e).model_copy(update={"position": places.get(e.id)}) for e in entries]


def proposal_read(p: Proposal, *, include_excluded: bool = False) -> ProposalRead:
    return ProposalRead(
        **ProposalSummary.model_validate(p).model_dump(),
        entries=positioned(p, p.ordered()),
        excluded=p.excluded if include_excluded else None,
    )


@router.get(
    "/needs/{need_id}/proposals", response_model=list[ProposalSummary], summary="需求的各版本匹配结果（新版本在前）"
)
async def list_proposals(need_id: uuid.UUID, uow: UowDep, principal: Bureaus) -> list[ProposalSummary]:
    """需求的各版本匹配结果（新版本在前）；每次匹配产生一个新版本，旧版本保留以便对比。"""
    async with uow:
        versions = await candidate_lists.proposal_versions(need_id, principal, uow)
        return [ProposalSummary.model_validate(p) for p in versions]


@router.get(
    "/needs/{need_id}/proposals/{version}",
    response_model=ProposalRead,
    summary="某一版本的匹配结果（用于对比；可列出被硬性规则排除的高分者）",
)
async def get_proposal(
    need_id: uuid.UUID,
    version: Annotated[int, Path(ge=1, le=INT32_MAX, description="版本号")],
    uow: UowDep,
    principal: Bureaus,
    include_excluded: Annotated[bool, Query(description="同时列出被排除的高分者及排除依据")] = False,
) -> ProposalRead:
    """某一版本的匹配结果：推荐人选与备选及其得分构成；include_excluded=true 时列出被硬性规则排除的高分者。"""
    async with uow:
        proposal = await candidate_lists.proposal_version(need_id, version, principal, uow)
        return proposal_read(proposal, include_excluded=include_excluded)


@router.get(
    "/needs/{need_id}/candidate-list",
    response_model=CandidateListRead,
    summary="需求当前候选名单及各候选人状态（省、市/国资委、派出单位各在其范围内）",
)
async def get_candidate_list(need_id: uuid.UUID, uow: UowDep, principal: ListReaders) -> CandidateListRead:
    """需求当前的候选名单及各人选的状态与待补人数（R-F3）。省科技厅、需求所在市（地）或省国资委看全部；
    派出单位只看本单位的人选。"""
    async with uow:
        need, proposal, entries = await candidate_lists.candidate_list(need_id, principal, uow)
        return CandidateListRead(
            need_id=need.id,
            programme=need.programme,
            city_code=need.city_code,
            is_soe=need.is_soe,
            version=proposal.version,
            pushed_at=proposal.pushed_at,
            demand=proposal.demand,
            open_slots=proposal.open_slots(),
            entries=positioned(proposal, entries),
        )


@router.post(
    "/needs/{need_id}/push", response_model=ProposalRead, summary="将候选人推送至其派出单位征求意见（R-F2 → R-F3）"
)
async def push_need(need_id: uuid.UUID, write: Write, principal: ProvinceOnly):
    """省科技厅把需求的推荐人选推送至其派出单位征求意见（R-F2 → R-F3）；一份名单只推送一次。"""
    return await write(principal, lambda uow: candidate_lists.push_need(need_id, principal, uow), read=proposal_read)
