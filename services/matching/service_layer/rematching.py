"""Matching again when the researcher pool outgrew a list (R-F2): a match that ran too early is redone.

A need reported while researcher registrations were still arriving (a new deployment, a unit importing its
staff after the needs) was ranked against the researchers matching knew then — possibly none. Every proposal
records the size of that pool; when researchers arrive, one sweep per ``debounce_s`` window (a durable timer,
so a burst of 1,000 registrations costs one sweep) queues a single run for every need whose list is not yet
pushed and is outgrown (``Proposal.outgrown_by``): short and anyone new arrived, or the pool grew by
``growth`` or more. While a run is queued or running the sweep looks again a window later: that run may
already rank against the new pool.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from services.matching.domain.run import MatchingRun, RunTrigger
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from shared.jobs.timers import Timer
from shared.timeutil import utcnow

REMATCH_SWEEP = "matching.rematch-sweep"


@dataclass(frozen=True)
class RematchPolicy:
    growth: float  # 0.2: the pool grew by a fifth since the list was ranked
    debounce_s: float  # one sweep per window of this length after researchers arrive


async def researcher_pool_changed(uow: MatchingUnitOfWork, policy: RematchPolicy | None) -> None:
    """A researcher copy changed: make sure a sweep is due at the end of the current window."""
    if policy is not None:
        await _schedule_sweep(uow, policy)


async def rematch_outgrown_needs(uow: MatchingUnitOfWork, timer: Timer) -> None:
    """The sweep (a timer handler, in the firing transaction): queue one run for the outgrown lists."""
    policy = RematchPolicy(**timer.payload)
    if await uow.runs.active_count():
        await _schedule_sweep(uow, policy)
        return
    pool_now = await uow.researchers.count()
    outgrown = [p.need_id for p in await uow.proposals.open_lists() if p.outgrown_by(pool_now, policy.growth)]
    if outgrown:
        uow.runs.add(MatchingRun.for_needs(outgrown, requested_by="system", trigger=RunTrigger.POOL_CHANGED))


async def _schedule_sweep(uow: MatchingUnitOfWork, policy: RematchPolicy) -> None:
    window = int(utcnow().timestamp() // policy.debounce_s) + 1  # the next window boundary, never one that fired
    due = datetime.fromtimestamp(window * policy.debounce_s, UTC)
    await uow.timers.schedule(REMATCH_SWEEP, f"window-{window}", due, asdict(policy))
