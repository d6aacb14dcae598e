"""Intake's domain model: plain Python, no framework."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from shared.events.contracts import Programme


class NeedStatus(StrEnum):
    """Review states of a need (R-F1). Later states arrive with the review flow."""

    SUBMITTED = "submitted"


@dataclass
class Need:
    """技术需求: what an enterprise asks the programme for."""

    id: uuid.UUID
    enterprise_id: str
    city_code: str
    is_soe: bool
    programme: Programme
    title: str
    description: str
    keywords: list[str]
    status: NeedStatus = NeedStatus.SUBMITTED
    submitted_by: str = ""
    submitted_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    version: int = 1

    @classmethod
    def submit(
        cls,
        *,
        enterprise_id: str,
        city_code: str,
        is_soe: bool,
        programme: Programme,
        title: str,
        description: str,
        keywords: list[str],
        submitted_by: str,
    ) -> Need:
        return cls(
            id=uuid.uuid4(),
            enterprise_id=enterprise_id,
            city_code=city_code,
            is_soe=is_soe,
            programme=programme,
            title=title.strip(),
            description=description.strip(),
            keywords=normalise_keywords(keywords),
            submitted_by=submitted_by,
        )


def normalise_keywords(keywords: list[str]) -> list[str]:
    """Trim, drop empties and duplicates, keep the enterprise's order."""
    seen: dict[str, None] = {}
    for keyword in keywords:
        k = keyword.strip()
        if k and k.casefold() not in {s.casefold() for s in seen}:
            seen[k] = None
    return list(seen)
