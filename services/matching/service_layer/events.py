"""Candidate-list events (R-F2, R-F3), built from the need and the entry they announce."""

from __future__ import annotations

from typing import Any, TypeVar

from services.matching.domain.model import NeedSnapshot
from services.matching.domain.proposal import CandidateEntry
from shared.events.envelope import EventPayload
from shared.timeutil import utcnow

E = TypeVar("E", bound=EventPayload)


def candidate_event(cls: type[E], need: NeedSnapshot, entry: CandidateEntry, version: int, **extra: Any) -> E:
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
        occurred_at=utcnow(),
        **extra,
    )
