"""Matching's needs as the province, the reviewing city or SASAC, and the enterprise see them; live ranking (R-F2)."""

from __future__ import annotations

import uuid

from services.matching.adapters.retrieval import MatchingEngine
from services.matching.domain.candidate import Candidate
from services.matching.domain.model import NeedHistoryEntry, NeedSnapshot
from services.matching.service_layer.ranking import MatchingPolicy, rank_need, ranking_context
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from shared.auth import Principal, Role, need_scope
from shared.errors import Conflict, Forbidden, NotFound
from shared.pagination import PageParams


async def need_in_scope(need_id: uuid.UUID, principal: Principal, uow: MatchingUnitOfWork) -> NeedSnapshot:
    need = await uow.needs.get(need_id, need_scope(principal))
    if need is None:
        raise NotFound("该需求不存在或无权查看", code="NEED_NOT_FOUND")
    return need


async def get_need(
    need_id: uuid.UUID, principal: Principal, uow: MatchingUnitOfWork
) -> tuple[NeedSnapshot, list[NeedHistoryEntry]]:
    need = await need_in_scope(need_id, principal, uow)
    return need, await uow.needs.history(need_id)


async def list_needs(principal: Principal, uow: MatchingUnitOfWork, page: PageParams) -> tuple[list[NeedSnapshot], int]:
    return await uow.needs.list(need_scope(principal), page)


async def candidates_for_need(
    need_id: uuid.UUID,
    principal: Principal,
    uow: MatchingUnitOfWork,
    engine: MatchingEngine,
    policy: MatchingPolicy,
) -> tuple[NeedSnapshot, list[Candidate], list[Candidate], str]:
    """Rank researchers for one need (R-F2): the province, and the reviewing city or SASAC within scope."""
    if principal.role not in (Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC):
        raise Forbidden("无权查看匹配结果", code="ROLE_FORBIDDEN")
    need = await need_in_scope(need_id, principal, uow)
    if not need.is_reported:
        raise Conflict(
            "需求报送省科技厅后才进行匹配（R-F1 → R-F2）",
            code="NEED_NOT_REPORTED",
            extra={"current_state": need.status},
        )
    context = await ranking_context(uow, need, policy=policy)
    eligible, excluded, index = await rank_need(uow, engine, need, context)
    return need, eligible, excluded, index.encoder.model_id
