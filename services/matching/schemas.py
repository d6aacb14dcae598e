from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.matching.domain import commands as cmd
from services.matching.domain.proposal import Answer


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


# ------------------------------------------------------------------ runs, proposals, candidate lists
class RunCreate(BaseModel):
    """Either a batch (every reported need of it, assigned jointly) or explicit needs."""

    model_config = ConfigDict(extra="forbid")

    batch_id: uuid.UUID | None = None
    need_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _one_target(self) -> RunCreate:
        if (self.batch_id is None) == (self.need_ids is None):
            raise ValueError("须且只能指定 batch_id 或 need_ids 之一")
        return self

    def command(self) -> cmd.RequestRun:
        return cmd.RequestRun(batch_id=self.batch_id, need_ids=tuple(self.need_ids or ()))


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    status: str
    phase: str
    progress_done: int
    progress_total: int
    progress_percent: float
    batch_id: uuid.UUID | None
    need_ids: list[uuid.UUID]
    trigger: str
    requested_by: str
    attempts: int
    summary: dict[str, Any]
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class EntryRead(BaseModel):
    """One researcher on a need's candidate list, with the explanation of the fit."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    need_id: uuid.UUID
    researcher_id: uuid.UUID
    researcher_name: str
    institution_id: uuid.UUID
    role: str
    rank: int
    state: str
    score: float
    explanation: dict[str, Any]
    replaces_entry_id: uuid.UUID | None
    answer_reason: str | None
    answered_at: datetime | None
    updated_at: datetime


class ProposalSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    need_id: uuid.UUID
    version: int
    run_id: uuid.UUID
    current: bool
    model: str
    fusion: str
    demand: int
    application_date: str
    pushed_at: datetime | None
    created_at: datetime


class ProposalRead(ProposalSummary):
    entries: list[EntryRead]
    excluded: list[dict[str, Any]] | None = Field(
        default=None, description="被硬性规则排除的高分者及排除依据（include_excluded=true 时给出）"
    )


class CandidateListRead(BaseModel):
    need_id: uuid.UUID
    programme: str
    city_code: str
    is_soe: bool
    version: int
    pushed_at: datetime | None
    demand: int
    open_slots: int = Field(description="仍需补充的人数（需求人数减去已推送待答复与已同意者）")
    entries: list[EntryRead]


class CandidateAnswer(BaseModel):
    """The dispatching unit's answer for one candidate (R-F3)."""

    model_config = ConfigDict(extra="forbid")

    answer: Answer
    reason: str | None = Field(default=None, max_length=500)
    researcher_id: uuid.UUID | None = Field(default=None, description="answer=propose_another: 推荐的本单位科研人员")

    @model_validator(mode="after")
    def _complete(self) -> CandidateAnswer:
        if self.answer is Answer.UNWILLING and not (self.reason and self.reason.strip()):
            raise ValueError("不愿意时须说明理由（R-F3）")
        if self.answer is Answer.PROPOSE_ANOTHER and self.researcher_id is None:
            raise ValueError("推荐其他人选时须给出 researcher_id（R-F3）")
        if self.answer is not Answer.PROPOSE_ANOTHER and self.researcher_id is not None:
            raise ValueError("只有推荐其他人选时才填写 researcher_id")
        return self

    def command(self, entry_id: uuid.UUID) -> cmd.AnswerCandidate:
        return cmd.AnswerCandidate(entry_id, self.answer, self.reason, self.researcher_id)


class AnswerResult(BaseModel):
    entry: EntryRead
    follow_up: EntryRead | None = Field(description="婉拒后递补推送的备选人，或派出单位推荐的人选")


class OverrideCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=4, max_length=1000, description="豁免理由（记录在案）")

    def command(self, researcher_id: uuid.UUID, rule_id: str) -> cmd.GrantOverride:
        return cmd.GrantOverride(researcher_id, rule_id, self.reason)


class OverrideRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    researcher_id: uuid.UUID
    rule_id: str
    reason: str
    granted_by: str
    granted_at: datetime


class PushResult(BaseModel):
    run_id: uuid.UUID
    pushed_needs: list[uuid.UUID]
    skipped_needs: list[uuid.UUID] = Field(description="已推送过或没有候选人的需求")
