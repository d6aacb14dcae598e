"""What matching's use cases are asked to do: plain, frozen commands (the REST schemas build them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.matching.domain.proposal import Answer


@dataclass(frozen=True)
class RequestRun:
    """Match every reported need of ``batch_id`` jointly, or the listed needs (exactly one of the two)."""

    batch_id: uuid.UUID | None = None
    need_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class AnswerCandidate:
    """The dispatching unit's answer for one candidate (R-F3)."""

    entry_id: uuid.UUID
    answer: Answer
    reason: str | None = None
    substitute_id: uuid.UUID | None = None  # answer=propose_another: the unit's researcher proposed instead


@dataclass(frozen=True)
class GrantOverride:
    """The province waives an "in principle" rule (R-E3) for one researcher, with its reason."""

    researcher_id: uuid.UUID
    rule_id: str
    reason: str
