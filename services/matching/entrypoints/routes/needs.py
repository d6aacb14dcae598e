"""Matching's needs and the live ranking of candidates for one need (R-F2)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.matching.domain.candidate import Candidate
from services.matching.entrypoints.deps import PROBLEMS, Bureaus, Deps, NeedReaders, Paging, UowDep
from services.matching.schemas import (
    CandidateList,
    CandidateRead,
    EvidenceRead,
    NeedHistoryRead,
    NeedSnapshotDetail,
    NeedSnapshotRead,
    PriorityRead,
    RuleRead,
)
from services.matching.service_layer import needs
from services.matching.service_layer.ranking import fusion_label
from shared.pagination import Page

router = APIRouter(prefix="/matching/v1", responses=PROBLEMS)


@router.get("/needs/{need_id}", response_model=NeedSnapshotDetail, summary="匹配服务中的需求", tags=["needs"])
async def get_need(need_id: uuid.UUID, uow: UowDep, principal: NeedReaders) -> NeedSnapshotDetail:
    """匹配服务中的需求及影响它的 intake 事件（企业、市（地）/省国资委、省科技厅在各自范围内）。"""
    async with uow:
        need, history = await needs.get_need(need_id, principal, uow)
        return NeedSnapshotDetail(
            **NeedSnapshotRead.model_validate(need).model_dump(),
            history=[NeedHistoryRead.model_validate(h) for h in history],
        )


@router.get("/needs", response_model=Page[NeedSnapshotRead], summary="待匹配需求列表", tags=["needs"])
async def list_needs(uow: UowDep, principal: NeedReaders, page: Paging) -> Page[NeedSnapshotRead]:
    """匹配服务收到的需求（按权限范围）。"""
    async with uow:
        items, total = await needs.list_needs(principal, uow, page)
        return Page.of(items, total, page, NeedSnapshotRead.model_validate)


def candidate_read(c: Candidate) -> CandidateRead:
    return CandidateRead(
        researcher_id=c.researcher_id,
        name=c.researcher.name,
        institution_id=c.researcher.institution_id,
        score=round(c.score, 4),
        dense=round(c.dense, 4),
        lexical=round(c.lexical, 4),
        lexical_bm25=round(c.lexical_bm25, 4),
        priorities=[PriorityRead(rule_id=p.rule_id, reason=p.reason, bonus=p.bonus) for p in c.priorities],
        evidence=[EvidenceRead(**vars(e)) for e in c.evidence],
        exclusions=[RuleRead(rule_id=x.rule_id, reason=x.message) for x in c.exclusions],
    )


@router.get(
    "/needs/{need_id}/candidates",
    response_model=CandidateList,
    summary="实时为需求排序候选科研人员（含得分构成、依据成果、匹配关键词；可选列出被硬性规则排除者）",
    tags=["matching"],
)
async def candidates(
    need_id: uuid.UUID,
    uow: UowDep,
    deps: Deps,
    principal: Bureaus,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    include_excluded: Annotated[bool, Query(description="同时列出被排除的高分者及排除依据")] = False,
) -> CandidateList:
    """实时为需求排序科研人员（R-F2）：语义与关键词融合得分、依据的成果、匹配的关键词、软性优先（R-E2、R-C4）；
    include_excluded=true 时同时列出被硬性规则排除的高分者及排除依据（R-E1–R-E4、R-U1、R-U2、R-C5、承担上限）。
    只适用于已报送省科技厅的需求。"""
    async with uow:
        need, eligible, excluded, model_id = await needs.candidates_for_need(
            need_id, principal, uow, deps.engine, deps.policy
        )
        return CandidateList(
            need_id=need.id,
            model=model_id,
            fusion=fusion_label(),
            candidates=[candidate_read(c) for c in eligible[:limit]],
            excluded=[candidate_read(c) for c in excluded[:limit]] if include_excluded else None,
        )
