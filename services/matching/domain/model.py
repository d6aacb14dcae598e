"""Matching's own copy of the needs it will match (fed by intake's events), and the province's R-E3 waivers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.timeutil import utcnow
from shared.vocabulary import NeedStatus, Programme


@dataclass
class NeedSnapshot:
    """A need as matching knows it; ``history`` lists the intake events that shaped it.

    ``status`` is intake's ``NeedStatus`` value as its last event said (kept as text: a state intake adds
    later must not break matching's copy)."""

    id: uuid.UUID
    enterprise_id: str
    city_code: str
    is_soe: bool
    programme: Programme
    title: str
    description: str
    keywords: list[str]
    submitted_at: datetime
    status: str = NeedStatus.SUBMITTED
    received_at: datetime = field(default_factory=utcnow)
    batch_id: uuid.UUID | None = None
    batch_year: int | None = None
    industry: str | None = None
    desired_expertise: str | None = None
    experts_wanted: int = 1
    batch_closes_on: date | None = None

    @property
    def is_reported(self) -> bool:
        """Reported to the province: only such needs are matched (R-F1 → R-F2)."""
        return self.status == NeedStatus.REPORTED

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
    granted_at: datetime = field(default_factory=utcnow)
