"""Repositories of proposals and candidate lists, rule overrides and appointments."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters.orm import (
    appointments,
    candidate_entries,
    evaluation_marks,
    needs,
    proposals,
    researcher_overrides,
)
from services.matching.domain.model import ResearcherOverride
from services.matching.domain.proposal import CandidateEntry, EntryState, Proposal
from shared.pagination import PageParams
from shared.repository import Repository, scope_conditions
from shared.scope import Scope
from shared.vocabulary import NeedStatus

HOLDING_STATES = [s.value for s in EntryState if s.holds_capacity]


class ProposalRepository(Repository[Proposal]):
    entity, table = Proposal, proposals

    async def replace_current(self, previous: Proposal | None, proposal: Proposal) -> None:
        """Make ``proposal`` the need's current version. The previous one loses ``current`` in the database
        first: a partial unique index allows one current version per need (two racing runs cannot both win)."""
        if previous is not None:
            previous.supersede()
            await self.session.flush()
        self.add(proposal)

    async def current(self, need_id: uuid.UUID, *, for_update: bool = False) -> Proposal | None:
        stmt = self.select().where(proposals.c.need_id == need_id, proposals.c.current)
        return await self.one_or_none(stmt, for_update=for_update)

    async def current_for(self, need_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Proposal]:
        if not need_ids:
            return {}
        stmt = select(Proposal).where(proposals.c.need_id.in_(list(need_ids)), proposals.c.current)
        return {p.need_id: p for p in (await self.session.execute(stmt)).scalars()}

    async def open_lists(self) -> list[Proposal]:
        """Current proposals of needs reported to the province whose list has not been pushed yet."""
        stmt = (
            select(Proposal)
            .join(needs, needs.c.id == proposals.c.need_id)
            .where(proposals.c.current, proposals.c.pushed_at.is_(None), needs.c.status == NeedStatus.REPORTED.value)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def latest_version(self, need_id: uuid.UUID) -> int:
        stmt = select(func.coalesce(func.max(proposals.c.version), 0)).where(proposals.c.need_id == need_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def versions(self, need_id: uuid.UUID) -> list[Proposal]:
        stmt = select(Proposal).where(proposals.c.need_id == need_id).order_by(proposals.c.version.desc())
        return list((await self.session.execute(stmt)).scalars())

    async def version(self, need_id: uuid.UUID, version: int) -> Proposal | None:
        stmt = select(Proposal).where(proposals.c.need_id == need_id, proposals.c.version == version)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def of_run(self, run_id: uuid.UUID, *, for_update: bool = False) -> list[Proposal]:
        stmt = select(Proposal).where(proposals.c.run_id == run_id, proposals.c.current).order_by(proposals.c.need_id)
        if for_update:
            stmt = stmt.with_for_update()
        return list((await self.session.execute(stmt)).scalars())

    async def entry(self, entry_id: uuid.UUID) -> CandidateEntry | None:
        return (
            await self.session.execute(select(CandidateEntry).where(candidate_entries.c.id == entry_id))
        ).scalar_one_or_none()

    async def entries(
        self,
        scope: Scope,
        page: PageParams,
        *,
        institution_id: uuid.UUID | None,
        need_id: uuid.UUID | None,
        state: str | None,
    ) -> tuple[list[CandidateEntry], int]:
        """Entries of current candidate lists within ``scope`` (and of one unit when ``institution_id``)."""
        if not scope.visible and institution_id is None:
            return [], 0
        joined = candidate_entries.join(proposals, proposals.c.id == candidate_entries.c.proposal_id).join(
            needs, needs.c.id == candidate_entries.c.need_id
        )
        where = [proposals.c.current, candidate_entries.c.state != EntryState.ALTERNATE.value]
        if institution_id is not None:
            where.append(candidate_entries.c.institution_id == institution_id)
        if need_id is not None:
            where.append(candidate_entries.c.need_id == need_id)
        if state is not None:
            where.append(candidate_entries.c.state == state)

        if scope.visible:  # a unit's own entries are not limited by the need routing (it has no need scope)
            where += scope_conditions(scope, needs)
        stmt = select(CandidateEntry).select_from(joined).where(*where)
        order = [candidate_entries.c.updated_at.desc(), candidate_entries.c.id]
        return await self.page(stmt, page, order)

    async def holdings(self, *, excluding_needs: Collection[uuid.UUID] = ()) -> Counter:
        """Per researcher: candidacies pending or accepted on current lists (other than ``excluding_needs``,
        which are being re-matched) plus active appointments — what counts against capacity."""
        # A candidacy that became an appointment is counted once, as the appointment.
        appointed = (
            select(appointments.c.agreement_id)
            .where(
                appointments.c.need_id == candidate_entries.c.need_id,
                appointments.c.researcher_id == candidate_entries.c.researcher_id,
            )
            .exists()
        )
        stmt = (
            select(candidate_entries.c.researcher_id, func.count())
            .select_from(candidate_entries.join(proposals, proposals.c.id == candidate_entries.c.proposal_id))
            .where(proposals.c.current, candidate_entries.c.state.in_(HOLDING_STATES), ~appointed)
            .group_by(candidate_entries.c.researcher_id)
        )
        if excluding_needs:
            stmt = stmt.where(candidate_entries.c.need_id.not_in(list(excluding_needs)))
        counts: Counter = Counter({rid: int(n) for rid, n in await self.session.execute(stmt)})
        serving = (
            select(appointments.c.researcher_id, func.count())
            .where(appointments.c.active)
            .group_by(appointments.c.researcher_id)
        )
        for rid, n in await self.session.execute(serving):
            counts[rid] += int(n)
        return counts

    async def declined(self, need_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
        """Researchers who declined each need, in any version (they are never proposed to it again)."""
        if not need_ids:
            return {}
        stmt = select(candidate_entries.c.need_id, candidate_entries.c.researcher_id).where(
            candidate_entries.c.need_id.in_(list(need_ids)), candidate_entries.c.state == EntryState.DECLINED.value
        )
        out: dict[uuid.UUID, set[uuid.UUID]] = {}
        for need_id, rid in await self.session.execute(stmt):
            out.setdefault(need_id, set()).add(rid)
        return out


class OverrideRepository(Repository[ResearcherOverride]):
    entity, table = ResearcherOverride, researcher_overrides

    async def get(self, researcher_id: uuid.UUID, rule_id: str) -> ResearcherOverride | None:  # type: ignore[override]
        return await self.session.get(ResearcherOverride, (researcher_id, rule_id))

    async def delete(self, override: ResearcherOverride) -> None:
        await self.session.delete(override)

    async def waived(self, rule_id: str) -> frozenset[str]:
        stmt = select(researcher_overrides.c.researcher_id).where(researcher_overrides.c.rule_id == rule_id)
        return frozenset(str(r) for r in (await self.session.execute(stmt)).scalars())

    async def list(self, page: PageParams) -> tuple[list[ResearcherOverride], int]:
        order = [researcher_overrides.c.granted_at.desc(), researcher_overrides.c.researcher_id]
        return await self.page(self.select(), page, order)


class AppointmentRepository:
    """Matching's view of who serves where (from the agreements service's events), for capacity."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def signed(self, agreement_id: uuid.UUID, researcher_id: uuid.UUID, need_id: uuid.UUID) -> None:
        stmt = pg_insert(appointments).values(
            agreement_id=agreement_id, researcher_id=researcher_id, need_id=need_id, active=True
        )
        # An agreement's events share its key (one partition, in order); a replayed signing never reactivates.
        await self.session.execute(stmt.on_conflict_do_nothing(index_elements=["agreement_id"]))

    async def terminated(self, agreement_id: uuid.UUID, researcher_id: uuid.UUID, need_id: uuid.UUID) -> None:
        stmt = pg_insert(appointments).values(
            agreement_id=agreement_id, researcher_id=researcher_id, need_id=need_id, active=False
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["agreement_id"], set_={"active": False, "updated_at": func.now()}
            )
        )

    async def active_count(self, researcher_id: uuid.UUID) -> int:
        stmt = select(func.count()).where(appointments.c.researcher_id == researcher_id, appointments.c.active)
        return int((await self.session.execute(stmt)).scalar_one())


class EvaluationMarkRepository:
    """Matching's copy of the evaluation results that rank: 优秀 (R-V4) and 末位淘汰 (R-V5)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def mark(
        self, researcher_id: uuid.UUID, kind: str, programme: str, year: int, until: date | None = None
    ) -> None:
        values = {"researcher_id": researcher_id, "kind": kind, "programme": programme, "year": year, "until": until}
        stmt = pg_insert(evaluation_marks).values(**values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["researcher_id", "kind", "programme"],
                set_={"year": stmt.excluded.year, "until": stmt.excluded.until, "updated_at": func.now()},
            )
        )

    async def unmark(self, researcher_id: uuid.UUID, kind: str, programme: str) -> None:
        await self.session.execute(
            delete(evaluation_marks).where(
                evaluation_marks.c.researcher_id == researcher_id,
                evaluation_marks.c.kind == kind,
                evaluation_marks.c.programme == programme,
            )
        )

    async def excellent(self) -> frozenset[uuid.UUID]:
        stmt = select(evaluation_marks.c.researcher_id).where(evaluation_marks.c.kind == "excellent")
        return frozenset((await self.session.execute(stmt)).scalars())

    async def eliminated(self, on: date) -> dict[tuple[uuid.UUID, str], date]:
        """(researcher, programme) → the last day of the exclusion, for exclusions still running on ``on``."""
        stmt = select(evaluation_marks.c.researcher_id, evaluation_marks.c.programme, evaluation_marks.c.until).where(
            evaluation_marks.c.kind == "eliminated", evaluation_marks.c.until >= on
        )
        return {(r, p): u for r, p, u in (await self.session.execute(stmt)).all()}
