"""Intake's repositories: the only place with SQL for intake's own tables.

Scope filters (which city, which institution, which enterprise) are applied here, in the query, so a
caller can never fetch a row and forget to check it afterwards.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.adapters.orm import batches, enterprises, institutions, needs, researcher_applications, researchers
from services.intake.domain import model as m
from shared.auth import NeedScope


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


async def _page(session: AsyncSession, stmt: Select, order_by: list, paging: Paging) -> tuple[list[Any], int]:
    total = (await session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))).scalar_one()
    rows = await session.execute(stmt.order_by(*order_by).limit(paging.limit).offset(paging.offset))
    return list(rows.scalars().unique()), int(total)


class InstitutionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, institution: m.Institution) -> None:
        self.session.add(institution)

    async def get(self, institution_id: uuid.UUID, *, for_update: bool = False) -> m.Institution | None:
        stmt = select(m.Institution).where(institutions.c.id == institution_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def name_taken(self, name: str, except_id: uuid.UUID | None = None) -> bool:
        stmt = select(institutions.c.id).where(institutions.c.name == name)
        if except_id:
            stmt = stmt.where(institutions.c.id != except_id)
        return (await self.session.execute(stmt)).first() is not None

    async def list(
        self, paging: Paging, *, kind: str | None = None, affiliation: str | None = None, q: str | None = None
    ) -> tuple[list[m.Institution], int]:
        stmt = select(m.Institution)
        if kind:
            stmt = stmt.where(institutions.c.kind == kind)
        if affiliation:
            stmt = stmt.where(institutions.c.affiliation == affiliation)
        if q:
            stmt = stmt.where(institutions.c.name.contains(q, autoescape=True))
        return await _page(self.session, stmt, [institutions.c.name], paging)


@dataclass(frozen=True)
class ResearcherScope:
    """None fields: no restriction. ``visible=False``: nothing."""

    visible: bool = True
    institution_id: uuid.UUID | None = None
    researcher_id: uuid.UUID | None = None


class ResearcherRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, researcher: m.Researcher) -> None:
        self.session.add(researcher)

    def _scoped(self, stmt: Select, scope: ResearcherScope) -> Select:
        if not scope.visible:
            return stmt.where(False)
        if scope.institution_id:
            stmt = stmt.where(researchers.c.institution_id == scope.institution_id)
        if scope.researcher_id:
            stmt = stmt.where(researchers.c.id == scope.researcher_id)
        return stmt

    async def get(
        self, researcher_id: uuid.UUID, scope: ResearcherScope, *, for_update: bool = False
    ) -> m.Researcher | None:
        stmt = self._scoped(select(m.Researcher).where(researchers.c.id == researcher_id), scope)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_employee_numbers(self, institution_id: uuid.UUID, numbers: list[str]) -> dict[str, m.Researcher]:
        if not numbers:
            return {}
        stmt = (
            select(m.Researcher)
            .where(researchers.c.institution_id == institution_id, researchers.c.employee_no.in_(numbers))
            .with_for_update()
        )
        return {r.employee_no: r for r in (await self.session.execute(stmt)).scalars()}

    async def list(
        self,
        scope: ResearcherScope,
        paging: Paging,
        *,
        institution_id: uuid.UUID | None = None,
        discipline: str | None = None,
        title: str | None = None,
        q: str | None = None,
    ) -> tuple[list[m.Researcher], int]:
        stmt = self._scoped(select(m.Researcher), scope)
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
        return await _page(self.session, stmt, [researchers.c.name, researchers.c.id], paging)


@dataclass(frozen=True)
class EnterpriseScope:
    visible: bool = True
    enterprise_id: str | None = None
    city_code: str | None = None
    soe: bool | None = None


class EnterpriseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, enterprise: m.Enterprise) -> None:
        self.session.add(enterprise)

    def _scoped(self, stmt: Select, scope: EnterpriseScope) -> Select:
        if not scope.visible:
            return stmt.where(False)
        if scope.enterprise_id:
            stmt = stmt.where(enterprises.c.id == scope.enterprise_id)
        if scope.city_code:
            stmt = stmt.where(enterprises.c.city_code == scope.city_code)
        if scope.soe is not None:
            stmt = stmt.where(enterprises.c.is_soe.is_(scope.soe))
        return stmt

    async def exists(self, enterprise_id: str) -> bool:
        return (
            await self.session.execute(select(enterprises.c.id).where(enterprises.c.id == enterprise_id))
        ).first() is not None

    async def get(self, enterprise_id: str, scope: EnterpriseScope, *, for_update: bool = False) -> m.Enterprise | None:
        stmt = self._scoped(select(m.Enterprise).where(enterprises.c.id == enterprise_id), scope)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list(
        self,
        scope: EnterpriseScope,
        paging: Paging,
        *,
        city_code: str | None = None,
        qualification: str | None = None,
        is_soe: bool | None = None,
        q: str | None = None,
    ) -> tuple[list[m.Enterprise], int]:
        stmt = self._scoped(select(m.Enterprise), scope)
        if city_code:
            stmt = stmt.where(enterprises.c.city_code == city_code)
        if qualification:
            stmt = stmt.where(enterprises.c.qualifications.contains([qualification]))
        if is_soe is not None:
            stmt = stmt.where(enterprises.c.is_soe.is_(is_soe))
        if q:
            stmt = stmt.where(enterprises.c.name.contains(q, autoescape=True))
        return await _page(self.session, stmt, [enterprises.c.name, enterprises.c.id], paging)


class BatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, batch: m.Batch) -> None:
        self.session.add(batch)

    async def get(self, batch_id: uuid.UUID, *, for_update: bool = False) -> m.Batch | None:
        stmt = select(m.Batch).where(batches.c.id == batch_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def find(self, programme: str, year: int) -> m.Batch | None:
        stmt = select(m.Batch).where(batches.c.programme == programme, batches.c.year == year)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list(
        self, paging: Paging, *, programme: str | None = None, year: int | None = None
    ) -> tuple[list[m.Batch], int]:
        stmt = select(m.Batch)
        if programme:
            stmt = stmt.where(batches.c.programme == programme)
        if year:
            stmt = stmt.where(batches.c.year == year)
        return await _page(self.session, stmt, [batches.c.year.desc(), batches.c.programme], paging)


class NeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, need: m.Need) -> None:
        self.session.add(need)

    @staticmethod
    def _scoped(stmt: Select, scope: NeedScope) -> Select:
        if not scope.visible:
            return stmt.where(False)
        if scope.enterprise_id is not None:
            stmt = stmt.where(needs.c.enterprise_id == scope.enterprise_id)
        if scope.city_code is not None:
            stmt = stmt.where(needs.c.city_code == scope.city_code)
        if scope.soe is not None:
            stmt = stmt.where(needs.c.is_soe.is_(scope.soe))
        return stmt

    async def get(self, need_id: uuid.UUID, scope: NeedScope, *, for_update: bool = False) -> m.Need | None:
        """A need the scope may see, else None (callers answer 404 so existence does not leak)."""
        stmt = self._scoped(select(m.Need).where(needs.c.id == need_id), scope)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list(
        self,
        scope: NeedScope,
        paging: Paging,
        *,
        programme: str | None = None,
        batch_id: uuid.UUID | None = None,
        status: str | None = None,
        city_code: str | None = None,
        q: str | None = None,
    ) -> tuple[list[m.Need], int]:
        stmt = self._scoped(select(m.Need), scope)
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
        return await _page(self.session, stmt, [needs.c.submitted_at.desc(), needs.c.id], paging)


@dataclass(frozen=True)
class ApplicationScope:
    visible: bool = True
    institution_id: uuid.UUID | None = None
    researcher_id: uuid.UUID | None = None
    only_approved: bool = False


class ApplicationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, application: m.ResearcherApplication) -> None:
        self.session.add(application)

    def _scoped(self, stmt: Select, scope: ApplicationScope) -> Select:
        t = researcher_applications
        if not scope.visible:
            return stmt.where(False)
        if scope.institution_id:
            stmt = stmt.where(t.c.institution_id == scope.institution_id)
        if scope.researcher_id:
            stmt = stmt.where(t.c.researcher_id == scope.researcher_id)
        if scope.only_approved:
            stmt = stmt.where(t.c.status == m.ApplicationStatus.APPROVED.value)
        return stmt

    async def find(self, researcher_id: uuid.UUID, batch_id: uuid.UUID) -> m.ResearcherApplication | None:
        t = researcher_applications
        stmt = select(m.ResearcherApplication).where(t.c.researcher_id == researcher_id, t.c.batch_id == batch_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get(
        self, application_id: uuid.UUID, scope: ApplicationScope, *, for_update: bool = False
    ) -> m.ResearcherApplication | None:
        stmt = self._scoped(
            select(m.ResearcherApplication).where(researcher_applications.c.id == application_id), scope
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list(
        self, scope: ApplicationScope, paging: Paging, *, batch_id: uuid.UUID | None = None, status: str | None = None
    ) -> tuple[list[m.ResearcherApplication], int]:
        t = researcher_applications
        stmt = self._scoped(select(m.ResearcherApplication), scope)
        if batch_id:
            stmt = stmt.where(t.c.batch_id == batch_id)
        if status:
            stmt = stmt.where(t.c.status == status)
        return await _page(self.session, stmt, [t.c.submitted_at.desc(), t.c.id], paging)
