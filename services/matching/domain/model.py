"""Matching's own copy of the needs it will match (fed by intake's events)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

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
    batch_closes_on: date | None = None

    def application_date(self, today: date) -> date:
        """The date age counts at (R-E2): the batch's closing date, the latest day anyone could apply;
        today when the batch is unknown."""
        return self.batch_closes_on or today


@dataclass
class NeedHistoryEntry:
    need_id: uuid.UUID
    event_id: str
    event_type: str
    occurred_at: datetime


@dataclass
class ResearcherOverride:
    """The province waived an "in principle" rule for one researcher, with its reason (R-E3)."""

    researcher_id: uuid.UUID
    rule_id: str
    reason: str
    granted_by: str
    granted_at: datetime = field(default_factory=lambda: datetime.now(UTC))
