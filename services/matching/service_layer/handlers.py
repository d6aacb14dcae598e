"""Matching use cases and event handlers."""

from __future__ import annotations

import uuid

from services.matching.domain.model import NeedHistoryEntry, NeedSnapshot
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from shared.auth import Principal, need_scope
from shared.errors import NotFound
from shared.events.contracts import NeedSubmittedV1
from shared.events.envelope import CloudEvent


async def on_need_submitted(uow: MatchingUnitOfWork, event: CloudEvent, payload: NeedSubmittedV1) -> None:
    """Keep matching's own copy of the need (R-F2 works on it). Runs inside the consumer's transaction;
    the inbox makes a redelivery a no-op, so this handler need not be idempotent itself."""
    uow.needs.add(
        NeedSnapshot(
            id=payload.need_id,
            enterprise_id=payload.enterprise_id,
            city_code=payload.city_code,
            is_soe=payload.is_soe,
            programme=payload.programme,
            title=payload.title,
            description=payload.description,
            keywords=list(payload.keywords),
            submitted_at=payload.submitted_at,
        )
    )
    uow.needs.add_history(
        NeedHistoryEntry(need_id=payload.need_id, event_id=event.id, event_type=event.type, occurred_at=event.time)
    )


async def get_need(
    need_id: uuid.UUID, principal: Principal, uow: MatchingUnitOfWork
) -> tuple[NeedSnapshot, list[NeedHistoryEntry]]:
    need = await uow.needs.get(need_id, need_scope(principal))
    if need is None:
        raise NotFound("该需求不存在或无权查看", code="NEED_NOT_FOUND")
    return need, await uow.needs.history(need_id)


async def list_needs(
    principal: Principal, uow: MatchingUnitOfWork, *, limit: int, offset: int
) -> tuple[list[NeedSnapshot], int]:
    return await uow.needs.list(need_scope(principal), limit=limit, offset=offset)
