"""Evaluation's repositories: the only SQL of evaluation's tables. Scopes are applied inside the queries."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import func, select

from services.evaluation.adapters.orm import (
    agreements,
    attachments,
    chief_evaluations,
    chief_rounds,
    commissioner_evaluations,
    commissioner_rounds,
    service_records,
    technology_contracts,
)
from services.evaluation.domain import model as m
from shared.pagination import PageParams
from shared.repository import Repository
from shared.scope import Scope
from shared.vocabulary import Programme


class AgreementCopies(Repository[m.AgreementCopy]):
    entity, table = m.AgreementCopy, agreements

    async def commissioners_in(self, city_code: str, year: int) -> list[m.AgreementCopy]:
        """The city's 特派员 agreements that ran during calendar ``year`` (signed before it ended)."""
        stmt = self.select().where(
            agreements.c.city_code == city_code,
            agreements.c.programme == Programme.COMMISSIONER.value,
            agreements.c.term_start <= date(year, 12, 31),
            agreements.c.term_end >= date(year, 1, 1),
            func.coalesce(agreements.c.ended_on, agreements.c.term_end) >= date(year, 1, 1),
        )
        return await self.all(stmt.order_by(agreements.c.term_start, agreements.c.id))


class ServiceRecords(Repository[m.ServiceRecord]):
    entity, table = m.ServiceRecord, service_records

    async def of(self, agreement_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[m.ServiceRecord]]:
        out: dict[uuid.UUID, list[m.ServiceRecord]] = {i: [] for i in agreement_ids}
        if agreement_ids:
            stmt = self.select().where(service_records.c.agreement_id.in_(list(agreement_ids)))
            for record in await self.all(stmt.order_by(service_records.c.starts_on)):
                out[record.agreement_id].append(record)
        return out


class ChiefRounds(Repository[m.ChiefRound]):
    entity, table = m.ChiefRound, chief_rounds

    async def latest(self, body: str, city_code: str | None, year: int, *, for_update: bool = False):
        stmt = self.select().where(
            chief_rounds.c.body == body,
            chief_rounds.c.city_code.is_(None) if city_code is None else chief_rounds.c.city_code == city_code,
            chief_rounds.c.year == year,
        )
        return await self.one_or_none(stmt.order_by(chief_rounds.c.sequence.desc()).limit(1), for_update=for_update)

    async def list(self, scope: Scope, page: PageParams, *, year: int | None, status: str | None):
        stmt = self.scoped(self.select(), scope)
        if year is not None:
            stmt = stmt.where(chief_rounds.c.year == year)
        if status is not None:
            stmt = stmt.where(chief_rounds.c.status == status)
        return await self.page(stmt, page, [chief_rounds.c.year.desc(), chief_rounds.c.city_code, chief_rounds.c.id])

    async def of_year(self, year: int) -> list[m.ChiefRound]:
        return await self.all(self.select().where(chief_rounds.c.year == year))


class ChiefEvaluations(Repository[m.ChiefEvaluation]):
    entity, table = m.ChiefEvaluation, chief_evaluations

    async def for_agreement(self, agreement_id: uuid.UUID, *, for_update: bool = False):
        stmt = self.select().where(chief_evaluations.c.agreement_id == agreement_id)
        return await self.one_or_none(stmt, for_update=for_update)

    async def in_round(self, round_id: uuid.UUID, *, for_update: bool = False) -> list[m.ChiefEvaluation]:
        stmt = self.select().where(chief_evaluations.c.round_id == round_id).order_by(chief_evaluations.c.id)
        return await self.all(stmt.with_for_update() if for_update else stmt)

    async def list(self, scope: Scope, page: PageParams, **filters: Any):
        stmt = self.scoped(self.select(), scope)
        for name, value in filters.items():
            if value is not None:
                stmt = stmt.where(chief_evaluations.c[name] == value)
        return await self.page(stmt, page, [chief_evaluations.c.window_closes_on, chief_evaluations.c.id])

    async def of_year(self, year: int) -> list[m.ChiefEvaluation]:
        return await self.all(self.select().where(chief_evaluations.c.year == year))


class CommissionerRounds(Repository[m.CommissionerRound]):
    entity, table = m.CommissionerRound, commissioner_rounds

    async def find(self, city_code: str, year: int) -> m.CommissionerRound | None:
        stmt = self.select().where(commissioner_rounds.c.city_code == city_code, commissioner_rounds.c.year == year)
        return await self.one_or_none(stmt)

    async def list(self, scope: Scope, page: PageParams, *, year: int | None):
        stmt = self.scoped(self.select(), scope)
        if year is not None:
            stmt = stmt.where(commissioner_rounds.c.year == year)
        order = [commissioner_rounds.c.year.desc(), commissioner_rounds.c.city_code]
        return await self.page(stmt, page, order)

    async def of_year(self, year: int) -> list[m.CommissionerRound]:
        return await self.all(self.select().where(commissioner_rounds.c.year == year))


class CommissionerEvaluations(Repository[m.CommissionerEvaluation]):
    entity, table = m.CommissionerEvaluation, commissioner_evaluations

    async def in_round(self, round_id: uuid.UUID, *, for_update: bool = False) -> list[m.CommissionerEvaluation]:
        stmt = self.select().where(commissioner_evaluations.c.round_id == round_id)
        stmt = stmt.order_by(commissioner_evaluations.c.county, commissioner_evaluations.c.id)
        return await self.all(stmt.with_for_update() if for_update else stmt)

    async def list(self, scope: Scope, page: PageParams, **filters: Any):
        stmt = self.scoped(self.select(), scope)
        for name, value in filters.items():
            if value is not None:
                stmt = stmt.where(commissioner_evaluations.c[name] == value)
        ce = commissioner_evaluations.c
        order = [ce.year.desc(), ce.county, ce.id]
        return await self.page(stmt, page, order)

    async def of_year(self, year: int) -> list[m.CommissionerEvaluation]:
        return await self.all(self.select().where(commissioner_evaluations.c.year == year))


class Attachments(Repository[m.Attachment]):
    entity, table = m.Attachment, attachments

    async def listing(self, evaluation_id: uuid.UUID) -> list[dict[str, Any]]:
        """The attachments' metadata (never the content) of one evaluation."""
        cols = [attachments.c[k] for k in ("id", "filename", "content_type", "size", "sha256", "uploaded_at")]
        rows = await self.session.execute(
            select(*cols).where(attachments.c.evaluation_id == evaluation_id).order_by(attachments.c.uploaded_at)
        )
        return [dict(r._mapping) for r in rows]

    async def total_size(self, evaluation_id: uuid.UUID) -> tuple[int, int]:
        stmt = select(func.count(), func.coalesce(func.sum(attachments.c.size), 0)).where(
            attachments.c.evaluation_id == evaluation_id
        )
        count, size = (await self.session.execute(stmt)).one()
        return int(count), int(size)


class TechnologyContracts(Repository[m.TechnologyContract]):
    entity, table = m.TechnologyContract, technology_contracts

    async def list(self, scope: Scope, page: PageParams, *, agreement_id: uuid.UUID | None = None):
        stmt = self.scoped(self.select(), scope)
        if agreement_id is not None:
            stmt = stmt.where(technology_contracts.c.agreement_id == agreement_id)
        return await self.page(stmt, page, [technology_contracts.c.signed_on.desc(), technology_contracts.c.id])

    async def registered(self, registration_number: str) -> bool:
        return await self.exists(self.select().where(technology_contracts.c.registration_number == registration_number))

    async def of(self, agreement_ids: Collection[uuid.UUID]) -> list[m.TechnologyContract]:
        if not agreement_ids:
            return []
        return await self.all(self.select().where(technology_contracts.c.agreement_id.in_(list(agreement_ids))))
