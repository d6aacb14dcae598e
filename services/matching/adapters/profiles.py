"""Matching's copies of intake's registries (researchers, institutions, enterprises): ``shared.copies``."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from services.matching.adapters.orm import enterprise_profiles, institution_profiles, researcher_profiles
from shared.copies import SnapshotCopies
from shared.events.contracts import EnterpriseSnapshot, InstitutionSnapshot, ResearcherSnapshot


class ResearcherProfiles(SnapshotCopies[ResearcherSnapshot]):
    table, key, model = researcher_profiles, "researcher_id", ResearcherSnapshot

    async def all(self) -> list[ResearcherSnapshot]:
        rows = await self.session.execute(select(self.table.c.snapshot).order_by(self.table.c.researcher_id))
        return [ResearcherSnapshot.model_validate(r[0]) for r in rows]

    async def watermark(self) -> tuple[int, int]:
        """(how many, sum of versions): any registration or update changes it, whatever order transactions commit
        in (versions only grow and copies are never deleted) — one aggregate instead of every row."""
        stmt = select(func.count(), func.coalesce(func.sum(self.table.c.version), 0))
        count, total = (await self.session.execute(stmt)).one()
        return int(count), int(total)

    async def versions(self) -> dict[uuid.UUID, int]:
        """Every researcher's current version: cheap, lets the index re-encode only what changed."""
        rows = await self.session.execute(select(self.table.c.researcher_id, self.table.c.version))
        return {r[0]: r[1] for r in rows}


class InstitutionProfiles(SnapshotCopies[InstitutionSnapshot]):
    table, key, model = institution_profiles, "institution_id", InstitutionSnapshot


class EnterpriseProfiles(SnapshotCopies[EnterpriseSnapshot]):
    table, key, model = enterprise_profiles, "enterprise_id", EnterpriseSnapshot
