"""Matching runs (匹配任务): request one, execute it as a job with progress, write versioned proposals (R-F2).

A run matches every reported need of a batch jointly (one researcher is not proposed to every need)
or a single need when it arrives. Execution is crash-safe: results are written in one transaction at
the end, and a run whose worker stopped heart-beating is claimed again and re-executed from the start.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from services.matching.domain.assignment import assign
from services.matching.domain.model import NeedSnapshot
from services.matching.domain.proposal import (
    CandidateEntry,
    EntryRole,
    EntryState,
    MatchingRun,
    Proposal,
    RunKind,
    RunStatus,
    now,
)
from services.matching.service_layer.engine import (
    DEFAULT_FUSION,
    Candidate,
    MatchingEngine,
    RankingContext,
    RetrievalIndex,
    rank,
)
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events import contracts as c
from shared.timeutil import today_in_china

log = logging.getLogger(__name__)

REPORTED = "reported"
EXCLUDED_KEPT = 10  # excluded top hits stored with each proposal, for "why not X?" on request
FIT_DEPTH = 50  # eligible candidates per need handed to the assignment solver
REGISTRY_WAIT = timedelta(minutes=10)  # how long a single-need run waits for its enterprise's record
RETRY_AFTER = timedelta(seconds=2)
HEARTBEAT_SECONDS = 30  # well inside the lease (MATCHING_RUN_LEASE_SECONDS, default 300)


class RunDeferred(Exception):
    """The run cannot be done yet (its inputs are still on their way); it is queued again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class MatchingPolicy:
    capacity: int = 1  # active appointments + pending candidacies a researcher may hold
    alternates: int = 5  # ranked reserves stored per need


# ------------------------------------------------------------------ requesting runs
async def request_batch_run(batch_id: uuid.UUID, principal: Principal, uow: MatchingUnitOfWork) -> MatchingRun:
    needs = await uow.needs.reported_in_batch(batch_id)
    if not needs:
        raise Conflict("该批次没有已报送省科技厅的需求", code="NO_REPORTED_NEEDS")
    run = MatchingRun(id=uuid.uuid4(), kind=RunKind.BATCH, requested_by=principal.subject, trigger="api")
    run.batch_id, run.progress_total = batch_id, len(needs)
    uow.runs.add(run)
    await uow.record_audit(
        principal, "matching_run.requested", "matching_run", str(run.id), {"batch_id": str(batch_id)}
    )
    return run


async def request_need_run(need_ids: list[uuid.UUID], principal: Principal, uow: MatchingUnitOfWork) -> MatchingRun:
    found = {n.id: n for n in await uow.needs.many(need_ids)}
    for need_id in need_ids:
        need = found.get(need_id)
        if need is None:
            raise NotFound("该需求不存在", code="NEED_NOT_FOUND", extra={"need_id": str(need_id)})
        if need.status != REPORTED:
            raise Conflict(
                "需求报送省科技厅后才进行匹配（R-F1 → R-F2）",
                code="NEED_NOT_REPORTED",
                extra={"need_id": str(need_id), "current_state": need.status},
            )
    pushed = [str(n) for n, p in (await uow.proposals.current_for(need_ids)).items() if p.pushed_at]
    if pushed:
        raise Conflict(
            "候选名单已推送派出单位，不能重新匹配；请等待派出单位答复（婉拒者将由备选人递补）",
            code="LIST_ALREADY_PUSHED",
            extra={"need_ids": pushed},
        )
    run = queue_need_run(uow, need_ids, requested_by=principal.subject, trigger="api")
    await uow.record_audit(
        principal, "matching_run.requested", "matching_run", str(run.id), {"need_ids": [str(n) for n in need_ids]}
    )
    return run


def queue_need_run(
    uow: MatchingUnitOfWork, need_ids: list[uuid.UUID], *, requested_by: str, trigger: str
) -> MatchingRun:
    run = MatchingRun(id=uuid.uuid4(), kind=RunKind.NEED, requested_by=requested_by, trigger=trigger)
    run.need_ids, run.progress_total = [str(n) for n in need_ids], len(need_ids)
    uow.runs.add(run)
    return run


# ------------------------------------------------------------------ executing runs
@dataclass
class NeedResult:
    need: NeedSnapshot
    eligible: list[Candidate]
    excluded: list[Candidate]
    application_date: date


async def ranking_contexts(
    uow: MatchingUnitOfWork, needs: list[NeedSnapshot], *, policy: MatchingPolicy, include=()
) -> dict[uuid.UUID, RankingContext]:
    """The rule inputs for matching ``needs`` together, read once: R-E3 waivers, what every researcher holds
    outside these needs (capacity), who declined each need (R-F3), and each need's application date (R-E2)."""
    need_ids = [n.id for n in needs]
    holdings = await uow.proposals.holdings(excluding_needs=need_ids)
    declined = await uow.proposals.declined(need_ids)
    waived = await uow.overrides.waived("R-E3")
    today = today_in_china()
    return {
        n.id: RankingContext(
            on=n.application_date(today),
            r_e3_overrides=waived,
            holdings=holdings,
            capacity=policy.capacity,
            declined=frozenset(declined.get(n.id, ())),
            include=frozenset(include),
        )
        for n in needs
    }


async def ranking_context(
    uow: MatchingUnitOfWork, need: NeedSnapshot, *, policy: MatchingPolicy, include=()
) -> RankingContext:
    return (await ranking_contexts(uow, [need], policy=policy, include=include))[need.id]


@dataclass(frozen=True)
class Pool:
    """The researchers as matching knows them now: the synced index and their institutions."""

    index: RetrievalIndex
    institutions: dict


async def researcher_pool(uow: MatchingUnitOfWork, engine: MatchingEngine) -> Pool:
    """Bring the index up to date with matching's researcher copies (re-encoding only what changed)."""
    index = await engine.sync(await uow.researchers.versions(), uow.researchers.many)
    institutions = await uow.institutions.many(list({r.institution_id for r in index.snapshots.values()}))
    return Pool(index, institutions)


async def rank_need(
    uow: MatchingUnitOfWork,
    engine: MatchingEngine,
    need: NeedSnapshot,
    context: RankingContext,
    pool: Pool | None = None,
) -> tuple[list[Candidate], list[Candidate], RetrievalIndex]:
    """Rank one need; a batch run passes the ``pool`` it synced once instead of syncing per need."""
    enterprise = await uow.enterprises.get(need.enterprise_id)
    if enterprise is None:
        raise Conflict("企业信息尚未同步到匹配服务，请稍后重试", code="ENTERPRISE_NOT_SYNCED")
    pool = pool or await researcher_pool(uow, engine)
    eligible, excluded = await rank(pool.index, need, enterprise, pool.index.snapshots, pool.institutions, context)
    return eligible, excluded, pool.index


def explanation(candidate: Candidate) -> dict:
    """What the province sees for a candidate: the fused score's parts, evidence, soft priorities (R-E2, R-C4)."""
    return {
        "dense": round(candidate.dense, 4),
        "lexical": round(candidate.lexical, 4),
        "priorities": [{"rule_id": p.rule_id, "reason": p.reason, "bonus": p.bonus} for p in candidate.priorities],
        "evidence": [
            {
                "title": e.title,
                "achievement_id": str(e.achievement_id) if e.achievement_id else None,
                "similarity": e.similarity,
                "matched_keywords": e.matched_keywords,
            }
            for e in candidate.evidence
        ],
        "exclusions": [{"rule_id": x.rule_id, "reason": x.reason} for x in candidate.exclusions],
    }


def entry_for(
    need: NeedSnapshot, candidate: Candidate, role: EntryRole, rank_: int, state: EntryState
) -> CandidateEntry:
    r = candidate.researcher
    return CandidateEntry(
        id=uuid.uuid4(),
        need_id=need.id,
        researcher_id=r.researcher_id,
        institution_id=r.institution_id,
        researcher_name=r.name,
        role=role,
        rank=rank_,
        score=round(candidate.score, 4),
        explanation=explanation(candidate),
        state=state,
    )


def candidate_event(cls, need: NeedSnapshot, entry: CandidateEntry, version: int, **extra):
    return cls(
        need_id=need.id,
        entry_id=entry.id,
        researcher_id=entry.researcher_id,
        institution_id=entry.institution_id,
        enterprise_id=need.enterprise_id,
        city_code=need.city_code,
        is_soe=need.is_soe,
        programme=need.programme,
        proposal_version=version,
        occurred_at=now(),
        **extra,
    )


async def execute_run(
    run_id: uuid.UUID,
    uow_factory: Callable[[], MatchingUnitOfWork],
    engine: MatchingEngine,
    policy: MatchingPolicy,
) -> MatchingRun:
    """Execute a claimed run: rank every need (progress after each), assign jointly, write the proposals."""

    async def progress(phase: str, done: int, total: int) -> None:
        async with uow_factory() as uow:  # short transactions: the province's screen sees progress live
            run = await uow.runs.get(run_id, for_update=True)
            run.advance(phase, done, total)
            await uow.commit()

    async with uow_factory() as uow:
        run = await uow.runs.get(run_id)
        if run is None:
            raise LookupError(f"matching run {run_id} vanished")
        kind, batch_id, need_ids = run.kind, run.batch_id, [uuid.UUID(n) for n in run.need_ids]
        created_at = run.created_at
        needs = await uow.needs.reported_in_batch(batch_id) if kind is RunKind.BATCH else await uow.needs.many(need_ids)
        current = await uow.proposals.current_for([n.id for n in needs])
        skipped = [{"need_id": str(n.id), "reason": "not_reported"} for n in needs if n.status != REPORTED]
        skipped += [{"need_id": str(n), "reason": "list_already_pushed"} for n, p in current.items() if p.pushed_at]
        skipped_ids = {s["need_id"] for s in skipped}
        # Detached copies: the needs are read across several short transactions below.
        needs = [dataclasses.replace(n) for n in needs if str(n.id) not in skipped_ids]
        contexts = await ranking_contexts(uow, needs, policy=policy)
        holdings = contexts[needs[0].id].holdings if needs else {}  # one mapping, shared by every context
        results: list[NeedResult] = []
    await progress("indexing", 0, len(needs))

    async def heartbeat() -> None:  # a cold index takes minutes to encode: keep the lease while it does
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await progress("indexing", 0, len(needs))

    beating = asyncio.create_task(heartbeat())
    try:
        async with uow_factory() as uow:
            pool = await researcher_pool(uow, engine)  # once per run: every need is ranked against the same pool
    finally:
        beating.cancel()
        await asyncio.gather(beating, return_exceptions=True)
    index = pool.index
    await progress("ranking", 0, len(needs))

    for done, need in enumerate(needs, start=1):
        context = contexts[need.id]
        async with uow_factory() as uow:
            try:
                eligible, excluded, _ = await rank_need(uow, engine, need, context, pool)
            except Conflict as exc:
                # The enterprise's record travels on another topic and may arrive after the need: a need
                # matched on its own waits for it (a while); a batch run skips it and says why.
                if exc.code == "ENTERPRISE_NOT_SYNCED" and kind is RunKind.NEED and now() - created_at < REGISTRY_WAIT:
                    raise RunDeferred("enterprise_not_synced") from exc
                skipped.append({"need_id": str(need.id), "reason": exc.code})
                eligible, excluded = [], []
            results.append(NeedResult(need, eligible, excluded, context.on))
        await progress("ranking", done, len(needs))

    skipped_ids = {s["need_id"] for s in skipped}
    ranked = [r for r in results if str(r.need.id) not in skipped_ids]
    await progress("assigning", len(needs), len(needs))
    fit = {r.need.id: {c.researcher.researcher_id: c.score for c in r.eligible[:FIT_DEPTH]} for r in ranked}
    demand = {r.need.id: max(1, r.need.experts_wanted) for r in ranked}
    researchers = {rid for row in fit.values() for rid in row}
    capacity = {rid: max(0, policy.capacity - holdings.get(rid, 0)) for rid in researchers}
    assignment = assign(fit, demand, capacity, alternates=policy.alternates)

    model_id = index.encoder.model_id
    versions: dict[str, int] = {}
    async with uow_factory() as uow:
        run = await uow.runs.get(run_id, for_update=True)
        for result in ranked:
            need = await uow.needs.get_for_update(result.need.id)
            previous = await uow.proposals.current(need.id, for_update=True)
            if need.status != REPORTED or (previous is not None and previous.pushed_at is not None):
                skipped.append({"need_id": str(need.id), "reason": "changed_during_run"})
                continue
            by_id = {c.researcher.researcher_id: c for c in result.eligible}
            chosen = assignment[need.id]
            proposal = Proposal(
                id=uuid.uuid4(),
                need_id=need.id,
                version=await uow.proposals.latest_version(need.id) + 1,
                run_id=run_id,
                model=model_id,
                fusion=f"{DEFAULT_FUSION.method}(alpha={DEFAULT_FUSION.alpha})",
                demand=demand[need.id],
                application_date=result.application_date.isoformat(),
                excluded=[
                    {
                        "researcher_id": str(x.researcher.researcher_id),
                        "name": x.researcher.name,
                        "score": round(x.score, 4),
                        **explanation(x),
                    }
                    for x in result.excluded[:EXCLUDED_KEPT]
                ],
            )
            proposal.entries = [
                entry_for(need, by_id[rid], EntryRole.PROPOSED, i, EntryState.PROPOSED)
                for i, (rid, _) in enumerate(chosen.proposed, start=1)
            ] + [
                entry_for(need, by_id[rid], EntryRole.ALTERNATE, i, EntryState.ALTERNATE)
                for i, (rid, _) in enumerate(chosen.alternates, start=1)
            ]
            if previous is not None:
                previous.current = False
                await uow.proposals.flush()  # one current version per need (a partial unique index)
            uow.proposals.add(proposal)
            for entry in proposal.entries:
                if entry.role is EntryRole.PROPOSED:
                    uow.emit(
                        candidate_event(
                            c.CandidateProposedV1,
                            need,
                            entry,
                            proposal.version,
                            run_id=run_id,
                            rank=entry.rank,
                            score=entry.score,
                        )
                    )
            versions[str(need.id)] = proposal.version
        run.succeed(
            {
                "needs_matched": len(versions),
                "candidates_proposed": sum(len(assignment[n].proposed) for n in assignment if str(n) in versions),
                "needs_without_candidates": [
                    str(n) for n in assignment if str(n) in versions and not assignment[n].proposed
                ],
                "versions": versions,
                "skipped": skipped,
            }
        )
        await uow.commit()
        return run


MAX_ATTEMPTS = 3  # a run that crashed its worker this often is failed instead of crashing the next one


async def claim_next_run(uow_factory: Callable[[], MatchingUnitOfWork], lease) -> uuid.UUID | None:
    """Mark the next runnable run as running (committed at once, so the province sees it started)."""
    while True:
        async with uow_factory() as uow:
            run = await uow.runs.claim_next(lease)
            if run is None:
                return None
            if run.attempts >= MAX_ATTEMPTS:
                run.fail(f"匹配任务已尝试 {run.attempts} 次均未完成（进程中断），请检查日志后重新发起")
                await uow.commit()
                continue
            run.start()
            await uow.commit()
            return run.id


async def fail_run(uow_factory: Callable[[], MatchingUnitOfWork], run_id: uuid.UUID, error: str) -> None:
    async with uow_factory() as uow:
        run = await uow.runs.get(run_id, for_update=True)
        if run is not None and run.status is RunStatus.RUNNING:
            run.fail(error)
            await uow.commit()


async def defer_run(uow_factory: Callable[[], MatchingUnitOfWork], run_id: uuid.UUID, reason: str) -> None:
    async with uow_factory() as uow:
        run = await uow.runs.get(run_id, for_update=True)
        if run is not None and run.status is RunStatus.RUNNING:
            run.defer(now() + RETRY_AFTER, reason)
            await uow.commit()


async def requeue_run(uow_factory: Callable[[], MatchingUnitOfWork], run_id: uuid.UUID) -> None:
    async with uow_factory() as uow:
        run = await uow.runs.get(run_id, for_update=True)
        if run is not None and run.status is RunStatus.RUNNING:
            run.requeue()
            await uow.commit()


async def get_run(run_id: uuid.UUID, uow: MatchingUnitOfWork) -> MatchingRun:
    run = await uow.runs.get(run_id)
    if run is None:
        raise NotFound("匹配任务不存在", code="RUN_NOT_FOUND")
    return run
