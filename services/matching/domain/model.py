"""Matching's own copy of the needs it will match (fed by intake's events)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.events.contracts import Programme


@dataclass
class NeedSnapshot:
    """A need as matching knows it; ``history`` lists the intake events that shaped it."""

    id: uuid.UUID
    enterprise_id: str
    city_code: str
    is_soe: bool
    programme: Programme
    title: str
    description: str
    keywords: list[str]
    submitted_at: datetime
    status: str = "submitted"
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    batch_id: uuid.UUID | None = None
    batch_year: int | None = None
    industry: str | None = None
    desired_expertise: str | None = None
    experts_wanted: int = 1


@dataclass
class NeedHistoryEntry:
    need_id: uuid.UUID
    event_id: str
    event_type: str
    occurred_at: datetime
