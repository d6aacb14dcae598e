"""Matching runs, their versioned proposals, and the candidate lists the dispatching units answer (R-F2, R-F3).

A *run* (匹配任务) matches one need or every reported need of a batch; it is a job with a status and
progress. Each run writes a new *proposal* version per need; the previous version stays for
comparison but only the newest is current. The current proposal's *entries* are the need's
candidate list (候选名单): proposed candidates, ranked alternates, and the substitutes units propose.

Entry states::

    proposed ──push──▶ pushed ──willing──▶ willing
    alternate ─(replaces a decliner)─▶ pushed ──unwilling──▶ declined   (next alternate is pushed)
                                       pushed ──propose_another──▶ substituted (+ a new entry: willing)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from shared.errors import Conflict


def now() -> datetime:
    return datetime.now(UTC)


class RunKind(StrEnum):
    NEED = "need"  # one or a few needs, e.g. when a need is reported to the province
    BATCH = "batch"  # every reported need of a batch, assigned jointly


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass
class MatchingRun:
    """A matching job. ``phase``/``progress_*`` are what the province's screen shows while it runs."""

    id: uuid.UUID
    kind: RunKind
    requested_by: str
    trigger: str  # "api" | "need_reported"
    batch_id: uuid.UUID | None = None
    need_ids: list[str] = field(default_factory=list)
    status: RunStatus = RunStatus.QUEUED
    phase: str = "queued"
    progress_done: int = 0
    progress_total: int = 0
    attempts: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    created_at: datetime = field(default_factory=now)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    not_before: datetime | None = None

    @property
    def progress_percent(self) -> float:
        if self.status is RunStatus.SUCCEEDED:
            return 100.0
        return round(100 * self.progress_done / self.progress_total, 1) if self.progress_total else 0.0

    def start(self) -> None:
        self.status, self.phase = RunStatus.RUNNING, "starting"
        self.attempts += 1
        self.started_at = self.heartbeat_at = now()
        self.progress_done = 0
        self.error = None

    def advance(self, phase: str, done: int, total: int) -> None:
        self.phase, self.progress_done, self.progress_total = phase, done, total
        self.heartbeat_at = now()

    def requeue(self) -> None:
        """The worker was stopped before finishing (nothing was written): queue it again; not a failed attempt."""
        self.status, self.phase = RunStatus.QUEUED, "queued"
        self.attempts = max(0, self.attempts - 1)

    def defer(self, until: datetime, reason: str) -> None:
        """Not runnable yet (e.g. the enterprise's record has not reached matching): queue it again for later."""
        self.status, self.phase, self.not_before = RunStatus.QUEUED, f"waiting: {reason}"[:40], until
        self.attempts = max(0, self.attempts - 1)

    def succeed(self, summary: dict[str, Any]) -> None:
        self.status, self.phase, self.summary = RunStatus.SUCCEEDED, "done", summary
        self.progress_done = self.progress_total
        self.finished_at = now()

    def fail(self, error: str) -> None:
        self.status, self.phase, self.error = RunStatus.FAILED, "failed", error[:2000]
        self.finished_at = now()


class EntryRole(StrEnum):
    PROPOSED = "proposed"  # chosen by the assignment
    ALTERNATE = "alternate"  # ranked reserve, pushed when a proposed candidate declines
    SUBSTITUTE = "substitute"  # proposed by the dispatching unit instead of its candidate (R-F3)


class EntryState(StrEnum):
    PROPOSED = "proposed"
    ALTERNATE = "alternate"
    PUSHED = "pushed"  # the unit is asking the researcher
    WILLING = "willing"
    DECLINED = "declined"
    SUBSTITUTED = "substituted"  # the unit proposed someone else instead

    @property
    def holds_capacity(self) -> bool:
        """Whether the researcher counts as proposed for capacity (a pending or accepted candidacy)."""
        return self in (EntryState.PROPOSED, EntryState.PUSHED, EntryState.WILLING)


class Answer(StrEnum):
    WILLING = "willing"
    UNWILLING = "unwilling"
    PROPOSE_ANOTHER = "propose_another"


@dataclass
class CandidateEntry:
    """One researcher on one need's candidate list, with the explanation of the fit."""

    id: uuid.UUID
    need_id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    researcher_name: str
    role: EntryRole
    rank: int
    score: float
    explanation: dict[str, Any]
    state: EntryState
    proposal_id: uuid.UUID | None = None
    replaces_entry_id: uuid.UUID | None = None
    answer_reason: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None
    updated_at: datetime = field(default_factory=now)

    def _require(self, *states: EntryState) -> None:
        if self.state not in states:
            raise Conflict(
                "该候选人当前状态不允许此操作",
                code="CANDIDATE_STATE_CONFLICT",
                extra={"current_state": self.state.value, "allowed_states": [s.value for s in states]},
            )

    def push(self, replaces: uuid.UUID | None = None) -> None:
        self._require(EntryState.PROPOSED, EntryState.ALTERNATE)
        self.state, self.replaces_entry_id, self.updated_at = EntryState.PUSHED, replaces, now()

    def answer(self, answer: Answer, reason: str | None, by: str) -> None:
        self._require(EntryState.PUSHED)
        self.state = {
            Answer.WILLING: EntryState.WILLING,
            Answer.UNWILLING: EntryState.DECLINED,
            Answer.PROPOSE_ANOTHER: EntryState.SUBSTITUTED,
        }[answer]
        self.answer_reason, self.answered_by = reason, by
        self.answered_at = self.updated_at = now()


@dataclass
class Proposal:
    """One version of a need's matching result; ``current`` is the list the province works with."""

    id: uuid.UUID
    need_id: uuid.UUID
    version: int
    run_id: uuid.UUID
    model: str
    fusion: str
    demand: int
    application_date: str  # ISO date the age rule (R-E2) was evaluated at
    excluded: list[dict[str, Any]] = field(default_factory=list)  # top hits a hard rule excluded, with the rule
    current: bool = True
    pushed_at: datetime | None = None
    created_at: datetime = field(default_factory=now)
    entries: list[CandidateEntry] = field(default_factory=list)

    def ordered(self) -> list[CandidateEntry]:
        order = {EntryRole.PROPOSED: 0, EntryRole.SUBSTITUTE: 1, EntryRole.ALTERNATE: 2}
        return sorted(self.entries, key=lambda e: (order[e.role], e.rank))

    def push(self) -> list[CandidateEntry]:
        """Send the proposed candidates to their units (R-F2 → R-F3); returns the entries pushed."""
        if self.pushed_at is not None:
            raise Conflict("该需求的候选名单已推送", code="LIST_ALREADY_PUSHED")
        pushed = [e for e in self.ordered() if e.state is EntryState.PROPOSED]
        if not pushed:
            raise Conflict("该需求没有可推送的候选人，请调整后重新匹配", code="NO_CANDIDATES_TO_PUSH")
        for entry in pushed:
            entry.push()
        self.pushed_at = now()
        return pushed

    def next_alternates(self) -> list[CandidateEntry]:
        """Alternates not yet used, best first (the caller re-checks hard rules before pushing one)."""
        return [e for e in self.ordered() if e.role is EntryRole.ALTERNATE and e.state is EntryState.ALTERNATE]

    def open_slots(self) -> int:
        """How many more candidates the need still wants: demand minus candidacies pending or accepted."""
        taken = sum(1 for e in self.entries if e.state in (EntryState.PUSHED, EntryState.WILLING))
        if self.pushed_at is None:
            taken = sum(1 for e in self.entries if e.state is EntryState.PROPOSED)
        return max(0, self.demand - taken)

    def has_researcher(self, researcher_id: uuid.UUID) -> bool:
        return any(e.researcher_id == researcher_id and e.state not in (EntryState.ALTERNATE,) for e in self.entries)
