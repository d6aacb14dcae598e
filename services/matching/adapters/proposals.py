"""Repositories of matching runs, proposals and candidate lists, rule overrides and appointments."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters.orm import (
    appointments,
    candidate_entries,
    matching_runs,
    needs,
    proposals,
    researcher_overrides,
)
from services.matching.adapters.repository import scoped
from services.matching.domain.model import ResearcherOverride
from services.matching.domain.proposal import CandidateEntry, EntryState, MatchingRun, Proposal, RunStatus
from shared.auth import NeedScope

HOLDING_STATES = [s.value for s in EntryState if s.holds_capacity]


class RunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, run: MatchingRun) -> None:
        self.session.add(run)

    async def get(self, run_id: uuid.UUID, *, for_update: bool = False) -> MatchingRun | None:
        stmt = select(MatchingRun).where(matching_runs.c.id == run_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list(self, *, limit: int, offset: int, status: str | None = None) -> tuple[list[MatchingRun], int]:
        where = [matching_runs.c.status == status] if status else []
        total = (await self.session.execute(select(func.count()).select_from(matching_runs).where(*where))).scalar_one()
        stmt = (
            select(MatchingRun)
            .where(*where)
            .order_by(matching_runs.c.created_at.desc(), matching_runs.c.id)
            .limit(limit)
            .offset(offset)
        )
        return list((await self.session.execute(stmt)).scalars()), int(total)

    async def claim_next(self, lease: timedelta) -> MatchingRun | None:
        """The oldest queued run, or a running one whose worker stopped heart-beating (it crashed), locked
        so that concurrent workers never take the same run."""
        stale = datetime.now(UTC) - lease
        stmt = (
            select(MatchingRun)
            .where(
                (
                    (matching_runs.c.status == RunStatus.QUEUED.value)
                    & (matching_runs.c.not_before.is_(None) | (matching_runs.c.not_before <= func.now()))
                )
                | ((matching_runs.c.status == RunStatus.RUNNING.value) & (matching_runs.c.heartbeat_at < stale))
            )
            .order_by(matching_runs.c.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()


class ProposalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, proposal: Proposal) -> None:
        self.session.add(proposal)

    async def flush(self) -> None:
        """Write pending changes now (the previous version must lose ``current`` before the new one is inserted)."""
        await self.session.flush()

    async def current(self, need_id: uuid.UUID, *, for_update: bool = False) -> Proposal | None:
        stmt = select(Proposal).where(proposals.c.need_id == need_id, proposals.c.current)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def current_for(self, need_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Proposal]:
        if not need_ids:
            return {}
        stmt = select(Proposal).where(proposals.c.need_id.in_(list(need_ids)), proposals.c.current)
        return {p.need_id: p for p in (await self.session.execute(stmt)).scalars()}

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
        scope: NeedScope,
        *,
        institution_id: uuid.UUID | None,
        need_id: uuid.UUID | None,
        state: str | None,
        limit: int,
        offset: int,
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

        def build(stmt):
            stmt = stmt.select_from(joined).where(*where)
            return scoped(stmt, scope) if scope.visible else stmt

        total = (await self.session.execute(build(select(func.count())))).scalar_one()
        stmt = build(select(CandidateEntry)).order_by(candidate_entries.c.updated_at.desc(), candidate_entries.c.id)
        return list((await self.session.execute(stmt.limit(limit).offset(offset))).scalars()), int(total)

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


class OverrideRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, researcher_id: uuid.UUID, rule_id: str) -> ResearcherOverride | None:
        return await self.session.get(ResearcherOverride, (researcher_id, rule_id))

    def add(self, override: ResearcherOverride) -> None:
        self.session.add(override)

    async def delete(self, override: ResearcherOverride) -> None:
        await self.session.delete(override)

    async def waived(self, rule_id: str) -> frozenset[str]:
        stmt = select(researcher_overrides.c.researcher_id).where(researcher_overrides.c.rule_id == rule_id)
        return frozenset(str(r) for r in (await self.session.execute(stmt)).scalars())

    async def list(self, *, limit: int, offset: int) -> tuple[list[ResearcherOverride], int]:
        total = (await self.session.execute(select(func.count()).select_from(researcher_overrides))).scalar_one()
        stmt = select(ResearcherOverride).order_by(researcher_overrides.c.granted_at.desc()).limit(limit).offset(offset)
        return list((await self.session.execute(stmt)).scalars()), int(total)


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
