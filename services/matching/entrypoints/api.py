"""Matching REST API (mounted under /matching)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.matching.domain.proposal import EntryState, RunStatus
from services.matching.schemas import (
    AnswerResult,
    CandidateAnswer,
    CandidateList,
    CandidateListRead,
    CandidateRead,
    EntryRead,
    EvidenceRead,
    NeedHistoryRead,
    NeedSnapshotDetail,
    NeedSnapshotRead,
    OverrideCreate,
    OverrideRead,
    PriorityRead,
    ProposalRead,
    ProposalSummary,
    PushResult,
    RuleRead,
    RunCreate,
    RunRead,
)
from services.matching.service_layer import candidate_lists, handlers, overrides, runs
from services.matching.service_layer.engine import DEFAULT_FUSION
from shared.auth import Principal, Role, require_roles
from shared.errors import PROBLEM_JSON
from shared.idempotency import IdempotencyKey, respond_idempotently
from shared.pagination import Page, PageParams, page_params

router = APIRouter(prefix="/matching/v1")
NEED_READERS = (Role.ENTERPRISE, Role.CITY_BUREAU, Role.SASAC, Role.PROVINCE)
LIST_READERS = (Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC, Role.INSTITUTION)
_problem_responses = {code: {"content": {PROBLEM_JSON: {}}} for code in (401, 403, 404, 409, 422)}
ProvinceOnly = Annotated[Principal, Depends(require_roles(Role.PROVINCE))]
Paging = Annotated[PageParams, Depends(page_params)]


def _runtime(request: Request):
    return request.app.state.runtime


# ------------------------------------------------------------------ needs
@router.get(
    "/needs/{need_id}",
    response_model=NeedSnapshotDetail,
    responses=_problem_responses,
    summary="匹配服务中的需求",
    tags=["needs"],
)
async def get_need(
    need_id: uuid.UUID, request: Request, principal: Annotated[Principal, Depends(require_roles(*NEED_READERS))]
) -> NeedSnapshotDetail:
    async with _runtime(request).uow() as uow:
        need, history = await handlers.get_need(need_id, principal, uow)
        return NeedSnapshotDetail(
            **NeedSnapshotRead.model_validate(need).model_dump(),
            history=[NeedHistoryRead.model_validate(h) for h in history],
        )


@router.get(
    "/needs",
    response_model=Page[NeedSnapshotRead],
    responses=_problem_responses,
    summary="待匹配需求列表",
    tags=["needs"],
)
async def list_needs(
    request: Request, principal: Annotated[Principal, Depends(require_roles(*NEED_READERS))], paging: Paging
) -> Page[NeedSnapshotRead]:
    async with _runtime(request).uow() as uow:
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
    summary="实时为需求排序候选科研人员（含得分构成、依据成果、匹配关键词；可选列出被硬性规则排除者）",
    tags=["matching"],
)
async def candidates(
    need_id: uuid.UUID,
    request: Request,
    principal: Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC))],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    include_excluded: Annotated[bool, Query(description="同时列出被排除的高分者及排除依据")] = False,
) -> CandidateList:
    async with _runtime(request).uow() as uow:
        need, eligible, excluded, model_id = await handlers.candidates_for_need(
            need_id, principal, uow, request.app.state.matching_engine, request.app.state.matching_policy
        )
        return CandidateList(
            need_id=need.id,
            model=model_id,
            fusion=f"{DEFAULT_FUSION.method}(alpha={DEFAULT_FUSION.alpha})",
            candidates=[_candidate(c) for c in eligible[:limit]],
            excluded=[_candidate(c) for c in excluded[:limit]] if include_excluded else None,
        )


# ------------------------------------------------------------------ runs (jobs)
@router.post(
    "/runs",
    response_model=RunRead,
    status_code=202,
    responses=_problem_responses,
    summary="发起匹配任务（整个批次联合分配，或指定需求）；异步执行，可查询进度",
    tags=["runs"],
)
async def request_run(body: RunCreate, request: Request, principal: ProvinceOnly, key: IdempotencyKey):
    async with _runtime(request).uow() as uow:

        async def action():
            if body.batch_id is not None:
                run = await runs.request_batch_run(body.batch_id, principal, uow)
            else:
                run = await runs.request_need_run(list(body.need_ids), principal, uow)
            return RunRead.model_validate(run)

        response = await respond_idempotently(
            request, uow, principal, key, body, action, status=202, location=lambda d: f"/matching/v1/runs/{d['id']}"
        )
    request.app.state.run_worker.wake()
    return response


@router.get("/runs", response_model=Page[RunRead], responses=_problem_responses, summary="匹配任务列表", tags=["runs"])
async def list_runs(
    request: Request, principal: ProvinceOnly, paging: Paging, status: RunStatus | None = None
) -> Page[RunRead]:
    async with _runtime(request).uow() as uow:
        items, total = await uow.runs.list(
            limit=paging.page_size, offset=paging.offset, status=status.value if status else None
        )
        return Page(
            items=[RunRead.model_validate(r) for r in items], total=total, page=paging.page, page_size=paging.page_size
        )


@router.get(
    "/runs/{run_id}", response_model=RunRead, responses=_problem_responses, summary="匹配任务状态与进度", tags=["runs"]
)
async def get_run(run_id: uuid.UUID, request: Request, principal: ProvinceOnly) -> RunRead:
    async with _runtime(request).uow() as uow:
        return RunRead.model_validate(await runs.get_run(run_id, uow))


@router.post(
    "/runs/{run_id}/push",
    response_model=PushResult,
    responses=_problem_responses,
    summary="将该任务产生的候选名单全部推送至派出单位（R-F2 → R-F3）",
    tags=["candidate lists"],
)
async def push_run(run_id: uuid.UUID, request: Request, principal: ProvinceOnly, key: IdempotencyKey):
    async with _runtime(request).uow() as uow:

        async def action():
            return PushResult(**await candidate_lists.push_run(run_id, principal, uow))

        return await respond_idempotently(request, uow, principal, key, None, action)


# ------------------------------------------------------------------ proposals and candidate lists
def _proposal(p, *, include_excluded: bool = False) -> ProposalRead:
    return ProposalRead(
        **ProposalSummary.model_validate(p).model_dump(),
        entries=[EntryRead.model_validate(e) for e in p.ordered()],
        excluded=p.excluded if include_excluded else None,
    )


@router.get(
    "/needs/{need_id}/proposals",
    response_model=list[ProposalSummary],
    responses=_problem_responses,
    summary="需求的各版本匹配结果（新版本在前）",
    tags=["candidate lists"],
)
async def list_proposals(
    need_id: uuid.UUID,
    request: Request,
    principal: Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC))],
) -> list[ProposalSummary]:
    async with _runtime(request).uow() as uow:
        return [
            ProposalSummary.model_validate(p) for p in await candidate_lists.proposal_versions(need_id, principal, uow)
        ]


@router.get(
    "/needs/{need_id}/proposals/{version}",
    response_model=ProposalRead,
    responses=_problem_responses,
    summary="某一版本的匹配结果（用于对比；可列出被硬性规则排除的高分者）",
    tags=["candidate lists"],
)
async def get_proposal(
    need_id: uuid.UUID,
    version: int,
    request: Request,
    principal: Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC))],
    include_excluded: Annotated[bool, Query(description="同时列出被排除的高分者及排除依据")] = False,
) -> ProposalRead:
    async with _runtime(request).uow() as uow:
        proposal = await candidate_lists.proposal_version(need_id, version, principal, uow)
        return _proposal(proposal, include_excluded=include_excluded)


@router.get(
    "/needs/{need_id}/candidate-list",
    response_model=CandidateListRead,
    responses=_problem_responses,
    summary="需求当前候选名单及各候选人状态（省、市/国资委、派出单位各在其范围内）",
    tags=["candidate lists"],
)
async def get_candidate_list(
    need_id: uuid.UUID, request: Request, principal: Annotated[Principal, Depends(require_roles(*LIST_READERS))]
) -> CandidateListRead:
    async with _runtime(request).uow() as uow:
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
            entries=[EntryRead.model_validate(e) for e in entries],
        )


@router.post(
    "/needs/{need_id}/push",
    response_model=ProposalRead,
    responses=_problem_responses,
    summary="将候选人推送至其派出单位征求意见（R-F2 → R-F3）",
    tags=["candidate lists"],
)
async def push_need(need_id: uuid.UUID, request: Request, principal: ProvinceOnly, key: IdempotencyKey):
    async with _runtime(request).uow() as uow:

        async def action():
            return _proposal(await candidate_lists.push_need(need_id, principal, uow))

        return await respond_idempotently(request, uow, principal, key, None, action)


@router.get(
    "/candidates",
    response_model=Page[EntryRead],
    responses=_problem_responses,
    summary="候选人列表（派出单位：本单位待答复/已答复者；省、市/国资委：范围内）",
    tags=["candidate lists"],
)
async def list_candidates(
    request: Request,
    principal: Annotated[Principal, Depends(require_roles(*LIST_READERS))],
    paging: Paging,
    need_id: uuid.UUID | None = None,
    state: EntryState | None = None,
) -> Page[EntryRead]:
    async with _runtime(request).uow() as uow:
        items, total = await candidate_lists.list_entries(
            principal,
            uow,
            need_id=need_id,
            state=state.value if state else None,
            limit=paging.page_size,
            offset=paging.offset,
        )
        return Page(
            items=[EntryRead.model_validate(e) for e in items],
            total=total,
            page=paging.page,
            page_size=paging.page_size,
        )


@router.post(
    "/candidates/{entry_id}/answer",
    response_model=AnswerResult,
    responses=_problem_responses,
    summary="派出单位答复：愿意 / 不愿意（附理由）/ 推荐本单位其他人选（R-F3）",
    tags=["candidate lists"],
)
async def answer_candidate(
    entry_id: uuid.UUID,
    body: CandidateAnswer,
    request: Request,
    principal: Annotated[Principal, Depends(require_roles(Role.INSTITUTION))],
    key: IdempotencyKey,
):
    async with _runtime(request).uow() as uow:

        async def action():
            entry, follow_up = await candidate_lists.answer(
                entry_id, body, principal, uow, request.app.state.matching_engine, request.app.state.matching_policy
            )
            return AnswerResult(
                entry=EntryRead.model_validate(entry),
                follow_up=EntryRead.model_validate(follow_up) if follow_up else None,
            )

        return await respond_idempotently(request, uow, principal, key, body, action)


# ------------------------------------------------------------------ rule overrides (R-E3)
@router.put(
    "/researchers/{researcher_id}/overrides/{rule_id}",
    response_model=OverrideRead,
    status_code=201,
    responses=_problem_responses,
    summary="省科技厅记录理由后豁免“原则上”条件（R-E3 学历/职称）",
    tags=["rule overrides"],
)
async def grant_override(
    researcher_id: uuid.UUID, rule_id: str, body: OverrideCreate, request: Request, principal: ProvinceOnly
) -> OverrideRead:
    async with _runtime(request).uow() as uow:
        override = await overrides.grant(researcher_id, rule_id, body.reason, principal, uow)
        await uow.commit()
        return OverrideRead.model_validate(override)


@router.delete(
    "/researchers/{researcher_id}/overrides/{rule_id}",
    status_code=204,
    responses=_problem_responses,
    summary="撤销豁免",
    tags=["rule overrides"],
)
async def revoke_override(
    researcher_id: uuid.UUID, rule_id: str, request: Request, principal: ProvinceOnly
) -> Response:
    async with _runtime(request).uow() as uow:
        await overrides.revoke(researcher_id, rule_id, principal, uow)
        await uow.commit()
    return Response(status_code=204)


@router.get(
    "/overrides",
    response_model=Page[OverrideRead],
    responses=_problem_responses,
    summary="已记录的豁免",
    tags=["rule overrides"],
)
async def list_overrides(request: Request, principal: ProvinceOnly, paging: Paging) -> Page[OverrideRead]:
    async with _runtime(request).uow() as uow:
        items, total = await uow.overrides.list(limit=paging.page_size, offset=paging.offset)
        return Page(
            items=[OverrideRead.model_validate(o) for o in items],
            total=total,
            page=paging.page,
            page_size=paging.page_size,
        )
