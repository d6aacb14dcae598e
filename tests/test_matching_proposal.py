"""The candidate list's state machine and a run's life cycle (pure domain: no database, no broker)."""

from __future__ import annotations

import uuid

import pytest

from services.matching.domain.model import NeedSnapshot
from services.matching.domain.proposal import Answer, CandidateEntry, EntryRole, EntryState, Proposal
from services.matching.domain.run import MatchingRun, RunKind
from shared.domain import StateConflict
from shared.jobs.lifecycle import JobStatus


def _entry(role: EntryRole, rank: int) -> CandidateEntry:
    state = EntryState.PROPOSED if role is EntryRole.PROPOSED else EntryState.ALTERNATE
    return CandidateEntry(
        id=uuid.uuid4(),
        need_id=uuid.uuid4(),
        researcher_id=uuid.uuid4(),
        institution_id=uuid.uuid4(),
        researcher_name=f"r{rank}",
        role=role,
        rank=rank,
        score=1.0 / rank,
        explanation={},
        state=state,
    )


def _proposal(demand: int = 1, proposed: int = 1, alternates: int = 2) -> Proposal:
    p = Proposal(
        id=uuid.uuid4(),
        need_id=uuid.uuid4(),
        version=1,
        run_id=uuid.uuid4(),
        model="m",
        fusion="weighted",
        demand=demand,
        application_date="2026-12-31",
    )
    p.entries = [_entry(EntryRole.ALTERNATE, i) for i in range(1, alternates + 1)]
    p.entries += [_entry(EntryRole.PROPOSED, i) for i in range(1, proposed + 1)]
    return p


def test_R_F2_push_sends_only_the_proposed_candidates_once() -> None:
    proposal = _proposal(demand=2, proposed=2)
    pushed = proposal.push()
    assert [e.role for e in pushed] == [EntryRole.PROPOSED, EntryRole.PROPOSED]
    assert all(e.state is EntryState.PUSHED for e in pushed)
    assert [e.state for e in proposal.next_alternates()] == [EntryState.ALTERNATE] * 2
    with pytest.raises(StateConflict) as raised:
        proposal.push()
    assert raised.value.code == "LIST_ALREADY_PUSHED"


def test_an_empty_list_cannot_be_pushed() -> None:
    with pytest.raises(StateConflict) as raised:
        _proposal(proposed=0).push()
    assert raised.value.code == "NO_CANDIDATES_TO_PUSH"


def test_R_F3_answers_move_a_pushed_candidate_and_open_a_slot_when_declined() -> None:
    proposal = _proposal(demand=1)
    (entry,) = proposal.push()
    assert proposal.open_slots() == 0
    with pytest.raises(StateConflict):
        proposal.next_alternates()[0].answer(Answer.WILLING, None, "unit")  # an alternate was never asked
    entry.answer(Answer.UNWILLING, "教学任务", "unit")
    assert entry.state is EntryState.DECLINED and entry.answer_reason == "教学任务"
    assert proposal.open_slots() == 1
    with pytest.raises(StateConflict) as raised:
        entry.answer(Answer.WILLING, None, "unit")
    assert raised.value.code == "ILLEGAL_TRANSITION" and raised.value.extra["current_state"] == "declined"
    replacement = proposal.next_alternates()[0]
    replacement.push(replaces=entry.id)
    assert replacement.replaces_entry_id == entry.id and proposal.open_slots() == 0
    assert proposal.next_alternates()[0].rank == 2


def test_capacity_is_held_by_pending_and_accepted_candidacies_only() -> None:
    holding = {s for s in EntryState if s.holds_capacity}
    assert holding == {EntryState.PROPOSED, EntryState.PUSHED, EntryState.WILLING}


def test_a_run_reports_progress_and_a_stopped_run_is_not_a_failed_attempt() -> None:
    run = MatchingRun(id=uuid.uuid4(), kind=RunKind.BATCH, requested_by="p", trigger="api")
    run.start()
    run.advance("ranking", 3, 10)
    assert (run.status, run.phase, run.progress_done, run.attempts) == (JobStatus.RUNNING, "ranking", 3, 1)
    run.requeue()
    assert run.status is JobStatus.QUEUED and run.attempts == 0
    run.start()
    run.succeed({"needs_matched": 10})
    assert run.status is JobStatus.SUCCEEDED and run.progress_done == 10 and run.finished_at is not None


def test_R_E2_age_counts_at_the_batch_closing_date_else_today() -> None:
    from datetime import date

    need = NeedSnapshot(
        id=uuid.uuid4(),
        enterprise_id="x",
        city_code="230100",
        is_soe=False,
        programme="chief_technologist",
        title="t",
        description="d",
        keywords=[],
        submitted_at=None,
    )  # type: ignore[arg-type]
    assert need.application_date(date(2026, 11, 23)) == date(2026, 11, 23)
    need.batch_closes_on = date(2026, 12, 31)
    assert need.application_date(date(2026, 11, 23)) == date(2026, 12, 31)
