"""Executing a matching run (R-F2): the job handler the worker runs (``shared.jobs``).

Each step reads as a sentence: plan which needs to match and with which rule inputs; sync the researcher
pool once; rank every need (progress after each); assign all of them jointly within capacity; write the
proposals in one final transaction. Nothing is written before that last step, so a crash or a take-over
leaves no half-written result; the worker claims the run again and it starts from the top.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from services.matching.adapters.retrieval import MatchingEngine
from services.matching.domain.assignment import NeedAssignment, assign
from services.matching.domain.candidate import Candidate
from services.matching.domain.eligibility import RankingContext
from services.matching.domain.model import NeedSnapshot
from services.matching.domain.proposal import CandidateEntry, EntryRole, EntryState, Proposal
from services.matching.domain.run import MatchingRun, RunKind
from services.matching.service_layer.events import candidate_event
from services.matching.service_layer.ranking import (
    EnterpriseNotSynced,
    MatchingPolicy,
    Pool,
    fusion_label,
    rank_need,
    ranking_contexts,
    researcher_pool,
)
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from shared.events import contracts as c
from shared.jobs.worker import JobContext, JobDeferred
from shared.timeutil import utcnow

EXCLUDED_KEPT = 10  # excluded top hits stored with each proposal, for "why not X?" on request
FIT_DEPTH = 50  # eligible candidates per need handed to the assignment solver
REGISTRY_WAIT = timedelta(minutes=10)  # how long a single-need run waits for its enterprise's record

RunContext = JobContext[MatchingRun, MatchingUnitOfWork]


@dataclass
class RunPlan:
    """What a run matches, read once at its start."""

    needs: list[NeedSnapshot]  # detached copies: the run spans several short transactions
    contexts: dict[uuid.UUID, RankingContext]
    holdings: Mapping[uuid.UUID, int]  # what each researcher holds outside these needs (capacity)
    skipped: list[dict[str, str]] = field(default_factory=list)


@dataclass
class NeedResult:
    need: NeedSnapshot
    eligible: list[Candidate]
    excluded: list[Candidate]
    application_date: date


async def execute_run(run: MatchingRun, job: RunContext, *, engine: MatchingEngine, policy: MatchingPolicy) -> None:
    plan = await plan_run(run, job, policy)
    total = len(plan.needs)
    await job.progress("indexing", 0, total)
    indexing = job.heartbeat_while("indexing", 0, total, live=engine.encoding_progress)  # a cold index takes minutes
    async with indexing, job.reading() as uow:
        pool = await researcher_pool(uow, engine)  # once per run: every need is ranked against the same pool
    results = await rank_planned_needs(run, job, plan, engine, pool)
    await job.progress("assigning", total, total)
    assignment = assign_jointly(results, plan, policy)
    async with job.finish() as (uow, locked):
        summary = await write_proposals(uow, locked, results, assignment, plan, pool)
        locked.succeed(summary)


async def plan_run(run: MatchingRun, job: RunContext, policy: MatchingPolicy) -> RunPlan:
    """The needs to match (reported, list not yet pushed) and their rule inputs, read in one transaction."""
    async with job.reading() as uow:
        if run.kind is RunKind.BATCH:
            needs = await uow.needs.reported_in_batch(run.batch_id)
        else:
            needs = await uow.needs.many([uuid.UUID(n) for n in run.need_ids])
        current = await uow.proposals.current_for([n.id for n in needs])
        skipped = [{"need_id": str(n.id), "reason": "not_reported"} for n in needs if not n.is_reported]
        skipped += [{"need_id": str(n), "reason": "list_already_pushed"} for n, p in current.items() if p.pushed_at]
        skipped_ids = {s["need_id"] for s in skipped}
        kept = [dataclasses.replace(n) for n in needs if str(n.id) not in skipped_ids]
        contexts = await ranking_contexts(uow, kept, policy=policy)
    holdings = contexts[kept[0].id].holdings if kept else {}  # one mapping, shared by every context
    return RunPlan(kept, contexts, holdings, skipped)


async def rank_planned_needs(
    run: MatchingRun, job: RunContext, plan: RunPlan, engine: MatchingEngine, pool: Pool
) -> list[NeedResult]:
    """Rank each planned need against the pool, reporting progress after each.

    The enterprise's record travels on another topic and may reach matching after the need: a need matched
    on its own waits for it (for a while, the run is deferred); a batch run skips it and says why."""
    results: list[NeedResult] = []
    await job.progress("ranking", 0, len(plan.needs))
    for done, need in enumerate(plan.needs, start=1):
        context = plan.contexts[need.id]
        async with job.reading() as uow:
            try:
                eligible, excluded, _ = await rank_need(uow, engine, need, context, pool)
                results.append(NeedResult(need, eligible, excluded, context.on))
            except EnterpriseNotSynced as exc:
                if run.kind is RunKind.NEED and utcnow() - run.created_at < REGISTRY_WAIT:
                    raise JobDeferred("enterprise_not_synced") from exc
                plan.skipped.append({"need_id": str(need.id), "reason": exc.code})
        await job.progress("ranking", done, len(plan.needs))
    return results


def assign_jointly(results: list[NeedResult], plan: RunPlan, policy: MatchingPolicy) -> dict[uuid.UUID, NeedAssignment]:
    """One researcher is not proposed to every need: an exact b-matching within each one's remaining capacity."""
    fit = {r.need.id: {x.researcher_id: x.score for x in r.eligible[:FIT_DEPTH]} for r in results}
    demand = {r.need.id: _demand(r.need) for r in results}
    researchers = {rid for row in fit.values() for rid in row}
    capacity = {rid: max(0, policy.capacity - plan.holdings.get(rid, 0)) for rid in researchers}
    return assign(fit, demand, capacity, alternates=policy.alternates)


async def write_proposals(
    uow: MatchingUnitOfWork,
    run: MatchingRun,
    results: list[NeedResult],
    assignment: dict[uuid.UUID, NeedAssignment],
    plan: RunPlan,
    pool: Pool,
) -> dict[str, Any]:
    """A new current proposal version per need (CandidateProposed for each proposed entry); the run's summary."""
    versions: dict[str, int] = {}
    for result in results:
        need = await uow.needs.get_for_update(result.need.id)
        previous = await uow.proposals.current(need.id, for_update=True)
        if not need.is_reported or (previous is not None and previous.pushed_at is not None):
            plan.skipped.append({"need_id": str(need.id), "reason": "changed_during_run"})
            continue
        version = await uow.proposals.latest_version(need.id) + 1
        proposal = _proposal(run, need, result, assignment[need.id], version, pool)
        await uow.proposals.replace_current(previous, proposal)
        for entry in proposal.entries:
            if entry.role is EntryRole.PROPOSED:
                uow.emit(
                    candidate_event(
                        c.CandidateProposedV1,
                        need,
                        entry,
                        proposal.version,
                        run_id=run.id,
                        rank=entry.rank,
                        score=entry.score,
                    )
                )
        versions[str(need.id)] = proposal.version
    written = [n for n in assignment if str(n) in versions]
    return {
        "needs_matched": len(versions),
        "candidates_proposed": sum(len(assignment[n].proposed) for n in written),
        "needs_without_candidates": [str(n) for n in written if not assignment[n].proposed],
        "versions": versions,
        "skipped": plan.skipped,
    }


def _demand(need: NeedSnapshot) -> int:
    return max(1, need.experts_wanted)


def _proposal(
    run: MatchingRun, need: NeedSnapshot, result: NeedResult, chosen: NeedAssignment, version: int, pool: Pool
) -> Proposal:
    by_id = {x.researcher_id: x for x in result.eligible}
    proposal = Proposal(
        id=uuid.uuid4(),
        need_id=need.id,
        version=version,
        run_id=run.id,
        model=pool.index.encoder.model_id,
        pool_size=len(pool.index.snapshots),
        fusion=fusion_label(),
        demand=_demand(need),
        application_date=result.application_date.isoformat(),
        excluded=[
            {
                "researcher_id": str(x.researcher_id),
                "name": x.researcher.name,
                "score": round(x.score, 4),
                **x.explanation(),
            }
            for x in result.excluded[:EXCLUDED_KEPT]
        ],
    )
    proposal.entries = [
        CandidateEntry.of(need.id, by_id[rid], EntryRole.PROPOSED, i, EntryState.PROPOSED)
        for i, (rid, _) in enumerate(chosen.proposed, start=1)
    ] + [
        CandidateEntry.of(need.id, by_id[rid], EntryRole.ALTERNATE, i, EntryState.ALTERNATE)
        for i, (rid, _) in enumerate(chosen.alternates, start=1)
    ]
    return proposal
