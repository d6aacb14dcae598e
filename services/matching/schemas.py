from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class NeedHistoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event_id: str
    event_type: str
    occurred_at: datetime


class NeedSnapshotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    enterprise_id: str
    city_code: str
    is_soe: bool
    programme: str
    title: str
    description: str
    keywords: list[str]
    submitted_at: datetime
    status: str
    received_at: datetime


class NeedSnapshotDetail(NeedSnapshotRead):
    """One need with the intake events that shaped it (lists leave the history out)."""

    history: list[NeedHistoryRead]


class RuleRead(BaseModel):
    rule_id: str
    reason: str


class PriorityRead(RuleRead):
    bonus: float


class EvidenceRead(BaseModel):
    title: str
    achievement_id: uuid.UUID | None
    similarity: float
    matched_keywords: list[str]


class CandidateRead(BaseModel):
    researcher_id: uuid.UUID
    name: str
    institution_id: uuid.UUID
    score: float
    dense: float
    lexical: float
    priorities: list[PriorityRead]
    evidence: list[EvidenceRead]
    exclusions: list[RuleRead]


class CandidateList(BaseModel):
    need_id: uuid.UUID
    model: str
    fusion: str
    candidates: list[CandidateRead]
    excluded: list[CandidateRead] | None = None
