"""Candidates across lists, and the dispatching units' answers (R-F3)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.matching.domain.proposal import EntryState
from services.matching.entrypoints.deps import PROBLEMS, Deps, ListReaders, Paging, UowDep, Write
from services.matching.schemas import AnswerResult, CandidateAnswer, EntryRead
from services.matching.service_layer import candidate_lists
from shared.auth import Principal
from shared.http import require_roles
from shared.pagination import Page
from shared.vocabulary import Role

router = APIRouter(prefix="/matching/v1", tags=["candidate lists"], responses=PROBLEMS)


@router.get(
    "/candidates",
    response_model=Page[EntryRead],
    summary="候选人列表（派出单位：本单位待答复/已答复者；省、市/国资委：范围内）",
)
async def list_candidates(
    uow: UowDep,
    principal: ListReaders,
    page: Paging,
    need_id: uuid.UUID | None = None,
    state: EntryState | None = None,
) -> Page[EntryRead]:
    """各名单上的候选人：派出单位看本单位的（例如 state=pushed 为待答复的），省科技厅、市（地）与省国资委看范围内的。"""
    async with uow:
        items, total = await candidate_lists.list_entries(
            principal, uow, page, need_id=need_id, state=state.value if state else None
        )
        return Page.of(items, total, page, EntryRead.model_validate)


@router.post(
    "/candidates/{entry_id}/answer",
    response_model=AnswerResult,
    summary="派出单位答复：愿意 / 不愿意（附理由）/ 推荐本单位其他人选（R-F3）",
)
async def answer_candidate(
    entry_id: uuid.UUID,
    body: CandidateAnswer,
    write: Write,
    deps: Deps,
    principal: Annotated[Principal, Depends(require_roles(Role.INSTITUTION))],
):
    """派出单位答复本单位的候选人（R-F3）：愿意；不愿意（须说明理由，下一位仍符合全部硬性规则的备选人随即递补推送）；
    或推荐本单位其他人选（须符合同样的硬性规则，得分按同一标准计算）。"""

    def read(answered) -> AnswerResult:
        entry, follow_up = answered
        return AnswerResult(
            entry=EntryRead.model_validate(entry), follow_up=EntryRead.model_validate(follow_up) if follow_up else None
        )

    command = body.command(entry_id)
    return await write(
        principal, lambda uow: candidate_lists.answer(command, principal, uow, deps.engine, deps.policy), read=read
    )
