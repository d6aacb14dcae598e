"""The re-match rule (R-F2) on a fake unit of work: a list ranked against a pool that has since grown
meaningfully is matched again — never a pushed one — and a burst of registrations costs one sweep."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.matching.domain.proposal import CandidateEntry, EntryRole, EntryState, Proposal
from services.matching.domain.run import MatchingRun, RunTrigger
from services.matching.service_layer.rematching import (
    REMATCH_SWEEP,
    RematchPolicy,
    rematch_outgrown_needs,
    researcher_pool_changed,
)
from shared.jobs.timers import Timer
from tests.factories import researcher_snapshot
from tests.fakes import matching_uow

POLICY = RematchPolicy(growth=0.2, debounce_s=30)


def entry(need_id: uuid.UUID, rank: int) -> CandidateEntry:
    return CandidateEntry(
        id=uuid.uuid4(), need_id=need_id, researcher_id=uuid.uuid4(), institution_id=uuid.uuid4(),
        researcher_name="孙冰", role=EntryRole.PROPOSED, rank=rank, score=0.8, explanation={},
        state=EntryState.PROPOSED,
    )  # fmt: skip


def proposal(*, pool_size: int | None, proposed: int, demand: int = 1, pushed: bool = False) -> Proposal:
    need_id = uuid.uuid4()
    entries = [entry(need_id, rank) for rank in range(1, proposed + 1)]
    return Proposal(
        id=uuid.uuid4(), need_id=need_id, version=1, run_id=uuid.uuid4(), model="m", fusion="f", demand=demand,
        application_date="2026-12-31", entries=entries, pool_size=pool_size,
        pushed_at=datetime.now(UTC) if pushed else None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("pool_size", "proposed", "demand", "pushed", "pool_now", "outgrown"),
    [
        (0, 0, 1, False, 1, True),  # matched before any researcher arrived: anyone new is worth a look
        (10, 1, 2, False, 11, True),  # short list, someone new
        (10, 0, 1, False, 10, False),  # short, but nobody new: the same pool gives the same answer
        (100, 1, 1, False, 119, False),  # full list, pool grew by less than a fifth
        (100, 1, 1, False, 120, True),  # full list, pool grew by a fifth
        (0, 0, 1, True, 50, False),  # pushed: the units are already asking people
        (None, 0, 1, False, 50, False),  # written before pools were recorded: unknown, left alone
    ],
)
def test_R_F2_a_list_is_outgrown_when_the_pool_changed_meaningfully(
    pool_size: int | None, proposed: int, demand: int, pushed: bool, pool_now: int, outgrown: bool
) -> None:
    p = proposal(pool_size=pool_size, proposed=proposed, demand=demand, pushed=pushed)
    assert p.outgrown_by(pool_now, growth=0.2) is outgrown


async def test_a_burst_of_registrations_schedules_one_sweep_per_window() -> None:
    uow = matching_uow()
    for _ in range(50):
        await researcher_pool_changed(uow, POLICY)
    assert len(uow.timers.scheduled) == 1
    ((kind, _key), (due_at, payload)) = next(iter(uow.timers.scheduled.items()))
    assert kind == REMATCH_SWEEP and due_at > datetime.now(UTC) and payload == {"growth": 0.2, "debounce_s": 30}
    await researcher_pool_changed(matching_uow(), None)  # turned off: nothing to schedule


def sweep_timer() -> Timer:
    return Timer(id=1, kind=REMATCH_SWEEP, key="window-1", due_at=datetime.now(UTC), payload={"growth": 0.2,
                 "debounce_s": 30})  # fmt: skip


async def test_R_F2_the_sweep_queues_one_run_for_the_outgrown_lists_only() -> None:
    early = proposal(pool_size=0, proposed=0)
    fine = proposal(pool_size=3, proposed=1)
    pushed = proposal(pool_size=0, proposed=1, pushed=True)
    uow = matching_uow(early, fine, pushed)
    for _ in range(3):
        await _add_researcher(uow)

    await rematch_outgrown_needs(uow, sweep_timer())

    (run,) = uow.runs.items.values()
    assert run.trigger is RunTrigger.POOL_CHANGED and run.need_ids == [str(early.need_id)]


async def test_the_sweep_waits_while_a_run_is_queued_and_looks_again_a_window_later() -> None:
    early = proposal(pool_size=0, proposed=0)
    uow = matching_uow(early)
    await _add_researcher(uow)
    busy = MatchingRun.for_needs([uuid.uuid4()], requested_by="province", trigger=RunTrigger.API)
    uow.runs.add(busy)

    await rematch_outgrown_needs(uow, sweep_timer())

    assert list(uow.runs.items) == [busy.id]
    assert [kind for kind, _ in uow.timers.scheduled] == [REMATCH_SWEEP]


async def _add_researcher(uow) -> None:
    uow.researchers.add(researcher_snapshot())
