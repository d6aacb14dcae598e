"""Versioned proposals and the candidate lists the dispatching units answer (R-F2, R-F3).

Each matching run writes a new *proposal* version per need; the previous version stays for comparison
but only the newest is current. The current proposal's *entries* are the need's candidate list (候选名单):
proposed candidates, ranked alternates, and the substitutes units propose.

Entry states::

    proposed ──push──▶ pushed ──willing──▶ willing
    alternate ─(replaces a decliner)─▶ pushed ──unwilling──▶ declined   (next alternate is pushed)
                                       pushed ──propose_another──▶ substituted (+ a new entry: willing)
    alternate ──(the unit proposed this person as a substitute)──▶ substituted
    willing ──(the negotiation reached no intent, R-F5)──▶ no_intent   (next alternate is pushed)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.matching.domain.candidate import Candidate
from shared.domain import StateConflict
from shared.statemachine import StateMachine, Transition
from shared.timeutil import utcnow as now


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
    NO_INTENT = "no_intent"  # willing, but the negotiation reached no intent (R-F5): free again

    @property
    def holds_capacity(self) -> bool:
        """Whether the researcher counts as proposed for capacity (a pending or accepted candidacy)."""
        return self in (EntryState.PROPOSED, EntryState.PUSHED, EntryState.WILLING)


class Answer(StrEnum):
    WILLING = "willing"
    UNWILLING = "unwilling"
    PROPOSE_ANOTHER = "propose_another"


_ANSWERED = {
    Answer.WILLING: EntryState.WILLING,
    Answer.UNWILLING: EntryState.DECLINED,
    Answer.PROPOSE_ANOTHER: EntryState.SUBSTITUTED,
}

ENTRY_LIFECYCLE: StateMachine[EntryState] = StateMachine(
    "该候选人",
    {
        EntryState.PROPOSED: "已推荐",
        EntryState.ALTERNATE: "备选",
        EntryState.PUSHED: "已推送、待派出单位答复",
        EntryState.WILLING: "愿意",
        EntryState.DECLINED: "不愿意",
        EntryState.SUBSTITUTED: "已由派出单位改荐他人",
        EntryState.NO_INTENT: "对接洽谈未达成意向",
    },
    [
        Transition("push", "推送", {EntryState.PROPOSED, EntryState.ALTERNATE}, {EntryState.PUSHED}),
        Transition("answer", "答复", {EntryState.PUSHED}, set(_ANSWERED.values())),
        Transition("retire", "移出备选", {EntryState.ALTERNATE}, {EntryState.SUBSTITUTED}),
        Transition("release", "释放（洽谈未达成意向）", {EntryState.WILLING}, {EntryState.NO_INTENT}),
    ],
    field="state",
)


LABELS: dict[type[StrEnum], dict[StrEnum, str]] = {
    EntryRole: {
        EntryRole.PROPOSED: "推荐人选",
        EntryRole.ALTERNATE: "备选",
        EntryRole.SUBSTITUTE: "派出单位改荐的人选",
    },
    Answer: {
        Answer.WILLING: "愿意",
        Answer.UNWILLING: "不愿意（须说明理由）",
        Answer.PROPOSE_ANOTHER: "推荐本单位其他人选",
    },
    EntryState: dict(ENTRY_LIFECYCLE.states),
}


class ListAlreadyPushed(StateConflict):
    code = "LIST_ALREADY_PUSHED"


class NoCandidatesToPush(StateConflict):
    code = "NO_CANDIDATES_TO_PUSH"


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

    @classmethod
    def of(
        cls, need_id: uuid.UUID, candidate: Candidate, role: EntryRole, rank: int, state: EntryState
    ) -> CandidateEntry:
        """A ranked candidate placed on a need's list, keeping the explanation of the fit."""
        r = candidate.researcher
        return cls(
            id=uuid.uuid4(),
            need_id=need_id,
            researcher_id=r.researcher_id,
            institution_id=r.institution_id,
            researcher_name=r.name,
            role=role,
            rank=rank,
            score=round(candidate.score, 4),
            explanation=candidate.explanation(),
            state=state,
        )

    def push(self, replaces: uuid.UUID | None = None) -> None:
        ENTRY_LIFECYCLE.fire(self, "push")
        self.replaces_entry_id, self.updated_at = replaces, now()

    def answer(self, answer: Answer, reason: str | None, by: str) -> None:
        ENTRY_LIFECYCLE.fire(self, "answer", to=_ANSWERED[answer])
        self.answer_reason, self.answered_by = reason, by
        self.answered_at = self.updated_at = now()

    def release(self, reason: str) -> None:
        """The negotiation reached no intent (R-F5): the researcher no longer holds this place."""
        ENTRY_LIFECYCLE.fire(self, "release")
        self.answer_reason, self.updated_at = reason, now()

    def retire(self) -> None:
        """An alternate the unit proposed as a substitute is not also kept in reserve."""
        ENTRY_LIFECYCLE.fire(self, "retire")
        self.updated_at = now()


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
    pool_size: int | None = None  # researchers matching knew when it ranked (None: written before this was kept)

    def ordered(self) -> list[CandidateEntry]:
        order = {EntryRole.PROPOSED: 0, EntryRole.SUBSTITUTE: 1, EntryRole.ALTERNATE: 2}
        return sorted(self.entries, key=lambda e: (order[e.role], e.rank))

    @property
    def short(self) -> bool:
        """Fewer candidates proposed than the need asks for (none at all, typically: no one eligible yet)."""
        return sum(1 for e in self.entries if e.role is EntryRole.PROPOSED) < self.demand

    def outgrown_by(self, pool_now: int, growth: float) -> bool:
        """Re-match rule (R-F2): a list not yet pushed is matched again when the researcher pool it was ranked
        against has changed meaningfully — it is short and anyone new arrived, or the pool grew by ``growth``
        (0.2: a fifth) or more. A pushed list is never re-matched: the units are already asking people."""
        if self.pushed_at is not None or self.pool_size is None or pool_now <= self.pool_size:
            return False
        return self.short or pool_now >= self.pool_size * (1 + growth)

    def push(self) -> list[CandidateEntry]:
        """Send the proposed candidates to their units (R-F2 → R-F3); returns the entries pushed."""
        if self.pushed_at is not None:
            raise ListAlreadyPushed("该需求的候选名单已推送")
        pushed = [e for e in self.ordered() if e.state is EntryState.PROPOSED]
        if not pushed:
            raise NoCandidatesToPush("该需求没有可推送的候选人，请调整后重新匹配")
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

    def supersede(self) -> None:
        """A newer version of the need's matching result replaces this one (kept for comparison)."""
        self.current = False
