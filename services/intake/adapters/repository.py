"""Intake's repositories: the only place with SQL for intake's own tables."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.adapters.orm import needs
from services.intake.domain.model import Need
from shared.auth import NeedScope


def _scoped(stmt, scope: NeedScope):
    if scope.enterprise_id is not None:
        stmt = stmt.where(needs.c.enterprise_id == scope.enterprise_id)
    if scope.city_code is not None:
        stmt = stmt.where(needs.c.city_code == scope.city_code)
    if scope.soe is not None:
        stmt = stmt.where(needs.c.is_soe.is_(scope.soe))
    return stmt


class NeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, need: Need) -> None:
        self.session.add(need)

    async def get(self, need_id: uuid.UUID, scope: NeedScope) -> Need | None:
        """A need the scope may see, else None (callers answer 404 so existence does not leak)."""
        if not scope.visible:
            return None
        stmt = _scoped(select(Need).where(needs.c.id == need_id), scope)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list(
        self, scope: NeedScope, *, limit: int, offset: int, programme: str | None = None
    ) -> tuple[list[Need], int]:
        if not scope.visible:
            return [], 0
        cond = _scoped(select(needs.c.id), scope)
        if programme:
            cond = cond.where(needs.c.programme == programme)
        ids = cond.subquery()
        total = (await self.session.execute(select(func.count()).select_from(ids))).scalar_one()
        stmt = (
            select(Need)
            .where(needs.c.id.in_(select(ids.c.id)))
            .order_by(needs.c.submitted_at.desc(), needs.c.id)
            .limit(limit)
            .offset(offset)
        )
        return list((await self.session.execute(stmt)).scalars()), int(total)
