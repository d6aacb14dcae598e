"""Intake's repositories: the only place with SQL for intake's own tables.

Scopes (``shared.scope``, built in ``service_layer.scopes``) are applied in the query by the repository
base, so a caller can never fetch a row and forget to check it afterwards.
"""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select

from services.intake.adapters.orm import batches, enterprises, institutions, needs, researcher_applications, researchers
from services.intake.domain import model as m
from shared.pagination import PageParams
from shared.repository import Repository
from shared.scope import Scope


class InstitutionRepository(Repository[m.Institution]):
    entity, table = m.Institution, institutions

    async def name_taken(self, name: str, except_id: uuid.UUID | None = None) -> bool:
        stmt = select(institutions.c.id).where(institutions.c.name == name)
        if except_id:
            stmt = stmt.where(institutions.c.id != except_id)
        return await self.exists(stmt)

    async def list(
        self, page: PageParams, *, kind: str | None = None, affiliation: str | None = None, q: str | None = None
    ) -> tuple[list[m.Institution], int]:
        stmt = self.select()
        if kind:
            stmt = stmt.where(institutions.c.kind == kind)
        if affiliation:
            stmt = stmt.where(institutions.c.affiliation == affiliation)
        if q:
            stmt = stmt.where(institutions.c.name.contains(q, autoescape=True))
        return await self.page(stmt, page, [institutions.c.name])


class ResearcherRepository(Repository[m.Researcher]):
    entity, table = m.Researcher, researchers

    async def by_employee_numbers(self, institution_id: uuid.UUID, numbers: list[str]) -> dict[str, m.Researcher]:
        if not numbers:
            return {}
        stmt = (
            self.select()
            .where(researchers.c.institution_id == institution_id, researchers.c.employee_no.in_(numbers))
            .with_for_update()
        )
        return {r.employee_no: r for r in await self.all(stmt)}

    async def list(
        self,
        scope: Scope,
        page: PageParams,
        *,
        institution_id: uuid.UUID | None = None,
        discipline: str | None = None,
        title: str | None = None,
        q: str | None = None,
    ) -> tuple[list[m.Researcher], int]:
        stmt = self.scoped(self.select(), scope)
        if institution_id:
            stmt = stmt.where(researchers.c.institution_id == institution_id)
        if discipline:
            stmt = stmt.where(researchers.c.disciplines.contains([discipline]))
        if title:
            stmt = stmt.where(researchers.c.title == title)
        if q:
            stmt = stmt.where(
                or_(
                    researchers.c.name.contains(q, autoescape=True),
                    researchers.c.research_fields.contains(q, autoescape=True),
                )
            )
        return await self.page(stmt, page, [researchers.c.name, researchers.c.id])


class EnterpriseRepository(Repository[m.Enterprise]):
    entity, table = m.Enterprise, enterprises

    async def list(
        self,
        scope: Scope,
        page: PageParams,
        *,
        city_code: str | None = None,
        qualification: str | None = None,
        is_soe: bool | None = None,
        q: str | None = None,
    ) -> tuple[list[m.Enterprise], int]:
        stmt = self.scoped(self.select(), scope)
        if city_code:
            stmt = stmt.where(enterprises.c.city_code == city_code)
        if qualification:
            stmt = stmt.where(enterprises.c.qualifications.contains([qualification]))
        if is_soe is not None:
            stmt = stmt.where(enterprises.c.is_soe.is_(is_soe))
        if q:
            stmt = stmt.where(enterprises.c.name.contains(q, autoescape=True))
        return await self.page(stmt, page, [enterprises.c.name, enterprises.c.id])


class BatchRepository(Repository[m.Batch]):
    entity, table = m.Batch, batches

    async def find(self, programme: str, year: int) -> m.Batch | None:
        return await self.one_or_none(self.select().where(batches.c.programme == programme, batches.c.year == year))

    async def list(
        self, page: PageParams, *, programme: str | None = None, year: int | None = None
    ) -> tuple[list[m.Batch], int]:
        stmt = self.select()
        if programme:
            stmt = stmt.where(batches.c.programme == programme)
        if year:
            stmt = stmt.where(batches.c.year == year)
        return await self.page(stmt, page, [batches.c.year.desc(), batches.c.programme])


class NeedRepository(Repository[m.Need]):
    entity, table = m.Need, needs

    async def list(
        self,
        scope: Scope,
        page: PageParams,
        *,
        programme: str | None = None,
        batch_id: uuid.UUID | None = None,
        status: str | None = None,
        city_code: str | None = None,
        q: str | None = None,
    ) -> tuple[list[m.Need], int]:
        stmt = self.scoped(self.select(), scope)
        if programme:
            stmt = stmt.where(needs.c.programme == programme)
        if batch_id:
            stmt = stmt.where(needs.c.batch_id == batch_id)
        if status:
            stmt = stmt.where(needs.c.status == status)
        if city_code:
            stmt = stmt.where(needs.c.city_code == city_code)
        if q:
            stmt = stmt.where(
                or_(needs.c.title.contains(q, autoescape=True), needs.c.description.contains(q, autoescape=True))
            )
        return await self.page(stmt, page, [needs.c.submitted_at.desc(), needs.c.id])


class ApplicationRepository(Repository[m.ResearcherApplication]):
    entity, table = m.ResearcherApplication, researcher_applications

    async def find(self, researcher_id: uuid.UUID, batch_id: uuid.UUID) -> m.ResearcherApplication | None:
        t = researcher_applications
        return await self.one_or_none(self.select().where(t.c.researcher_id == researcher_id, t.c.batch_id == batch_id))

    async def list(
        self, scope: Scope, page: PageParams, *, batch_id: uuid.UUID | None = None, status: str | None = None
    ) -> tuple[list[m.ResearcherApplication], int]:
        t = researcher_applications
        stmt = self.scoped(self.select(), scope)
        if batch_id:
            stmt = stmt.where(t.c.batch_id == batch_id)
        if status:
            stmt = stmt.where(t.c.status == status)
        return await self.page(stmt, page, [t.c.submitted_at.desc(), t.c.id])
