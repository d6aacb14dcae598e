"""Matching's copies of intake's registries (researchers, institutions, enterprises).

Each row keeps the newest snapshot by version: a redelivered or late older event changes nothing.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters.orm import enterprise_profiles, institution_profiles, researcher_profiles
from shared.events.contracts import EnterpriseSnapshot, InstitutionSnapshot, ResearcherSnapshot

S = TypeVar("S", bound=BaseModel)


class _Profiles:
    table: Table
    key: str
    model: type[BaseModel]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, snapshot: BaseModel) -> bool:
        """Store ``snapshot`` unless a newer version is already stored; True if it was stored."""
        data = snapshot.model_dump(mode="json")
        key_value = getattr(snapshot, self.key)
        stmt = pg_insert(self.table).values({self.key: key_value, "version": snapshot.version, "snapshot": data})
        stmt = stmt.on_conflict_do_update(
            index_elements=[self.key],
            set_={"version": stmt.excluded.version, "snapshot": stmt.excluded.snapshot, "updated_at": func.now()},
            where=self.table.c.version < stmt.excluded.version,
        ).returning(self.table.c.version)
        return (await self.session.execute(stmt)).first() is not None

    async def get(self, key_value):
        row = (
            await self.session.execute(select(self.table.c.snapshot).where(self.table.c[self.key] == key_value))
        ).first()
        return self.model.model_validate(row[0]) if row else None

    async def many(self, keys: list) -> dict:
        if not keys:
            return {}
        rows = await self.session.execute(select(self.table.c.snapshot).where(self.table.c[self.key].in_(keys)))
        items = [self.model.model_validate(r[0]) for r in rows]
        return {getattr(i, self.key): i for i in items}

    async def count(self) -> int:
        return int((await self.session.execute(select(func.count()).select_from(self.table))).scalar_one())


class ResearcherProfiles(_Profiles):
    table, key, model = researcher_profiles, "researcher_id", ResearcherSnapshot

    async def all(self) -> list[ResearcherSnapshot]:
        rows = await self.session.execute(select(self.table.c.snapshot).order_by(self.table.c.researcher_id))
        return [ResearcherSnapshot.model_validate(r[0]) for r in rows]

    async def get(self, researcher_id: uuid.UUID) -> ResearcherSnapshot | None:  # type: ignore[override]
        return await super().get(researcher_id)

    async def versions(self) -> dict[uuid.UUID, int]:
        """Every researcher's current version: cheap, lets the index re-encode only what changed."""
        rows = await self.session.execute(select(self.table.c.researcher_id, self.table.c.version))
        return {r[0]: r[1] for r in rows}


class InstitutionProfiles(_Profiles):
    table, key, model = institution_profiles, "institution_id", InstitutionSnapshot


class EnterpriseProfiles(_Profiles):
    table, key, model = enterprise_profiles, "enterprise_id", EnterpriseSnapshot
