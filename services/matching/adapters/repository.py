"""Matching's copy of the needs and their event history."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from services.matching.adapters.orm import need_history, needs
from services.matching.domain.model import NeedHistoryEntry, NeedSnapshot
from shared.pagination import PageParams
from shared.repository import Repository
from shared.scope import Scope
from shared.vocabulary import NeedStatus


class NeedSnapshotRepository(Repository[NeedSnapshot]):
    entity, table = NeedSnapshot, needs

    def add_history(self, entry: NeedHistoryEntry) -> None:
        self.session.add(entry)

    async def get_for_update(self, need_id: uuid.UUID) -> NeedSnapshot | None:
        return await self.get(need_id, for_update=True)

    async def history(self, need_id: uuid.UUID) -> list[NeedHistoryEntry]:
        stmt = select(NeedHistoryEntry).where(need_history.c.need_id == need_id).order_by(need_history.c.id)
        return list((await self.session.execute(stmt)).scalars())

    async def list(self, scope: Scope, page: PageParams) -> tuple[list[NeedSnapshot], int]:
        return await self.page(self.scoped(self.select(), scope), page, [needs.c.submitted_at.desc(), needs.c.id])

    async def many(self, need_ids: list[uuid.UUID]) -> list[NeedSnapshot]:
        if not need_ids:
            return []
        return await self.all(self.select().where(needs.c.id.in_(need_ids)).order_by(needs.c.submitted_at, needs.c.id))

    async def reported_in_batch(self, batch_id: uuid.UUID) -> list[NeedSnapshot]:
        stmt = (
            self.select()
            .where(needs.c.batch_id == batch_id, needs.c.status == NeedStatus.REPORTED.value)
            .order_by(needs.c.submitted_at, needs.c.id)
        )
        return await self.all(stmt)
