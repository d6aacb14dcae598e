"""Matching REST API (mounted under /matching)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

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
from services.matching.service_layer import handlers
from services.matching.service_layer.engine import DEFAULT_FUSION
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


def _candidate(c) -> CandidateRead:
    return CandidateRead(
        researcher_id=c.researcher.researcher_id,
        name=c.researcher.name,
        institution_id=c.researcher.institution_id,
        score=round(c.score, 4),
        dense=round(c.dense, 4),
        lexical=round(c.lexical, 4),
        priorities=[PriorityRead(rule_id=p.rule_id, reason=p.reason, bonus=p.bonus) for p in c.priorities],
        evidence=[EvidenceRead(**vars(e)) for e in c.evidence],
        exclusions=[RuleRead(rule_id=x.rule_id, reason=x.reason) for x in c.exclusions],
    )


@router.get(
    "/needs/{need_id}/candidates",
    response_model=CandidateList,
    responses=_problem_responses,
    summary="为需求推荐候选科研人员（含得分构成、依据成果、匹配关键词；可选列出被硬性规则排除者）",
)
async def candidates(
    need_id: uuid.UUID,
    request: Request,
    principal: Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC))],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    include_excluded: Annotated[bool, Query(description="同时列出被排除的高分者及排除依据")] = False,
) -> CandidateList:
    async with request.app.state.runtime.uow() as uow:
        need, eligible, excluded, model_id = await handlers.candidates_for_need(
            need_id, principal, uow, request.app.state.matching_engine
        )
        return CandidateList(
            need_id=need.id,
            model=model_id,
            fusion=f"{DEFAULT_FUSION.method}(alpha={DEFAULT_FUSION.alpha})",
            candidates=[_candidate(c) for c in eligible[:limit]],
            excluded=[_candidate(c) for c in excluded[:limit]] if include_excluded else None,
        )
