from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters.orm import need_history, needs
from services.matching.domain.model import NeedHistoryEntry, NeedSnapshot
from shared.auth import NeedScope


def scoped(stmt, scope: NeedScope):
    if scope.enterprise_id is not None:
        stmt = stmt.where(needs.c.enterprise_id == scope.enterprise_id)
    if scope.city_code is not None:
        stmt = stmt.where(needs.c.city_code == scope.city_code)
    if scope.soe is not None:
        stmt = stmt.where(needs.c.is_soe.is_(scope.soe))
    return stmt


class NeedSnapshotRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, need: NeedSnapshot) -> None:
        self.session.add(need)

    def add_history(self, entry: NeedHistoryEntry) -> None:
        self.session.add(entry)

    async def get(self, need_id: uuid.UUID, scope: NeedScope) -> NeedSnapshot | None:
        if not scope.visible:
            return None
        stmt = scoped(select(NeedSnapshot).where(needs.c.id == need_id), scope)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_for_update(self, need_id: uuid.UUID) -> NeedSnapshot | None:
        stmt = select(NeedSnapshot).where(needs.c.id == need_id).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def history(self, need_id: uuid.UUID) -> list[NeedHistoryEntry]:
        stmt = select(NeedHistoryEntry).where(need_history.c.need_id == need_id).order_by(need_history.c.id)
        return list((await self.session.execute(stmt)).scalars())

    async def list(self, scope: NeedScope, *, limit: int, offset: int) -> tuple[list[NeedSnapshot], int]:
        if not scope.visible:
            return [], 0
        total = (await self.session.execute(scoped(select(func.count()).select_from(needs), scope))).scalar_one()
        stmt = (
            scoped(select(NeedSnapshot), scope)
            .order_by(needs.c.submitted_at.desc(), needs.c.id)
            .limit(limit)
            .offset(offset)
        )
        return list((await self.session.execute(stmt)).scalars()), int(total)

    async def many(self, need_ids: list[uuid.UUID]) -> list[NeedSnapshot]:
        if not need_ids:
            return []
        stmt = select(NeedSnapshot).where(needs.c.id.in_(need_ids)).order_by(needs.c.submitted_at, needs.c.id)
        return list((await self.session.execute(stmt)).scalars())

    async def reported_in_batch(self, batch_id: uuid.UUID) -> list[NeedSnapshot]:
        stmt = (
            select(NeedSnapshot)
            .where(needs.c.batch_id == batch_id, needs.c.status == "reported")
            .order_by(needs.c.submitted_at, needs.c.id)
        )
        return list((await self.session.execute(stmt)).scalars())
