"""What agreements' use cases are asked to do: plain, frozen commands (the REST schemas build them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from services.agreements.domain.model import ObjectionStatus
from shared.vocabulary import CooperationForm


# ------------------------------------------------------------------ negotiation (R-F5)
@dataclass(frozen=True)
class ScheduleMeeting:
    pair_ids: tuple[uuid.UUID, ...]
    starts_at: datetime
    place: str | None = None
    online_link: str | None = None


@dataclass(frozen=True)
class RescheduleMeeting:
    starts_at: datetime
    reason: str
    place: str | None = None
    online_link: str | None = None


@dataclass(frozen=True)
class RecordIntent:
    cooperation_content: str
    cooperation_forms: tuple[CooperationForm, ...]
    planned_start: date


# ------------------------------------------------------------------ the list and its notice (R-F6, R-F7)
@dataclass(frozen=True)
class ApproveList:
    meeting_date: date
    minutes_reference: str


@dataclass(frozen=True)
class OpenNotice:
    starts_on: date | None = None  # today when omitted
    working_days: int = 5


@dataclass(frozen=True)
class PublishFinalList:
    document_number: str
    published_on: date


@dataclass(frozen=True)
class FileObjection:
    pair_id: uuid.UUID
    text: str
    objector_name: str
    contact: str


@dataclass(frozen=True)
class ResolveObjection:
    outcome: ObjectionStatus
    reason: str


@dataclass(frozen=True)
class LoadCalendarYear:
    """The State Council's arrangement of one year's holidays and adjusted working days."""

    year: int
    reference: str
    holidays: tuple[tuple[date, str], ...]
    adjusted_working_days: tuple[tuple[date, str], ...]
