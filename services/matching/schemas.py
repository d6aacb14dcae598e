"""Matching's REST schemas. Scores are the fused fit (dense and lexical evidence plus soft-priority bonuses)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.matching.domain import commands as cmd
from services.matching.domain.proposal import Answer, EntryRole, EntryState
from shared.jobs.schemas import JobRead
from shared.types import Text
from shared.vocabulary import Programme


class NeedHistoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event_id: str = Field(description="intake 事件的标识（CloudEvent id）")
    event_type: str = Field(description="事件类型，例如 cn.gov.hlj.techbridge.intake.need.reported_to_province.v1")
    occurred_at: datetime = Field(description="事件时间")


class NeedSnapshotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="需求标识（与 intake 相同）")
    enterprise_id: str = Field(description="企业统一社会信用代码")
    city_code: str = Field(description="企业所在市（地）")
    is_soe: bool = Field(description="省属国有企业（由省国资委审核）")
    programme: str = Field(description="项目：chief_technologist（科技总师）或 commissioner（企业科技特派员）")
    title: str = Field(description="需求名称")
    description: str = Field(description="需解决的技术问题")
    keywords: list[str] = Field(description="关键词")
    submitted_at: datetime = Field(description="企业提交时间")
    status: str = Field(description="intake 中的审核状态：submitted、approved、reported（已报送省科技厅，可匹配）等")
    received_at: datetime = Field(description="匹配服务收到该需求的时间")


class NeedSnapshotDetail(NeedSnapshotRead):
    """One need with the intake events that shaped it (lists leave the history out)."""

    history: list[NeedHistoryRead] = Field(description="影响该需求的 intake 事件（按时间）")


class RuleRead(BaseModel):
    rule_id: str = Field(description="规则编号（R-…；CAPACITY：已达承担上限；DECLINED：已婉拒该需求）")
    reason: str = Field(description="中文说明")


class PriorityRead(RuleRead):
    bonus: float = Field(description="加到得分上的优先加分（“同等条件下优先”）")


class EvidenceRead(BaseModel):
    title: str = Field(description="依据的成果名称（“研究方向”为科研人员的学科与研究方向）")
    achievement_id: uuid.UUID | None = Field(description="成果标识；依据为研究方向时为 null")
    similarity: float = Field(description="该成果与需求的语义相似度（余弦，-1–1）")
    matched_keywords: list[str] = Field(description="需求与该成果共有的词")


class CandidateRead(BaseModel):
    researcher_id: uuid.UUID = Field(description="科研人员标识")
    name: str = Field(description="姓名")
    institution_id: uuid.UUID = Field(description="派出单位")
    score: float = Field(
        description="综合得分 (R-E5)：最相关成果的语义相似度，加关键词覆盖度与学科支持度的小额加权（见 fusion），"
        "再加优先加分"
    )
    dense: float = Field(description="语义部分：与最相关成果（或研究方向）的余弦相似度 0–1")
    lexical: float = Field(
        description="关键词部分：0–1，人选成果覆盖本需求关键词权重的比例"
        "（BM25 除以其上限：一篇平均长度的成果各含一次全部关键词时为 1）"
    )
    lexical_bm25: float = Field(description="关键词部分对应的 BM25 值")
    priorities: list[PriorityRead] = Field(description="软性优先（R-E2 青年、R-C4 平台）及其加分")
    evidence: list[EvidenceRead] = Field(description="得分的依据：最相关的几项成果")
    exclusions: list[RuleRead] = Field(description="排除该人选的硬性规则（可被推荐者为空）")


class CandidateList(BaseModel):
    need_id: uuid.UUID = Field(description="需求标识")
    model: str = Field(description="向量模型（及其版本）")
    fusion: str = Field(description="融合方法及参数，例如 evidence(alpha=0.07,top_k=1,weight_best=1.0,field=0.045)")
    candidates: list[CandidateRead] = Field(description="可推荐的人选，得分从高到低")
    excluded: list[CandidateRead] | None = Field(
        default=None, description="被硬性规则排除的高分者（include_excluded=true 时给出）"
    )


# ------------------------------------------------------------------ runs, proposals, candidate lists
class RunCreate(BaseModel):
    """Either a batch (every reported need of it, assigned jointly) or explicit needs."""

    model_config = ConfigDict(extra="forbid")

    batch_id: uuid.UUID | None = Field(default=None, description="批次：该批次全部已报送需求联合分配")
    need_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=500, description="或指定的需求")

    @model_validator(mode="after")
    def _one_target(self) -> RunCreate:
        if (self.batch_id is None) == (self.need_ids is None):
            raise ValueError("须且只能指定 batch_id 或 need_ids 之一")
        return self

    def command(self) -> cmd.RequestRun:
        return cmd.RequestRun(batch_id=self.batch_id, need_ids=tuple(self.need_ids or ()))


class RunRead(JobRead):
    id: uuid.UUID = Field(description="匹配任务标识")
    kind: str = Field(description="need（指定需求）或 batch（整个批次联合分配）")
    phase: str = Field(description="当前阶段：queued、indexing、ranking、assigning、done、failed，或 waiting: <原因>")
    progress_done: int = Field(description="已完成的需求数")
    progress_total: int = Field(description="需求总数")
    batch_id: uuid.UUID | None = Field(description="批次任务的批次")
    need_ids: list[uuid.UUID] = Field(description="指定需求任务的需求")
    trigger: str = Field(
        description="发起方式：api（省科技厅发起）、need_reported（需求报送后自动匹配）、"
        "pool_changed（科研人员库变化后自动重新匹配）"
    )
    requested_by: str = Field(description="发起者（令牌的 sub；自动匹配为 system）")
    summary: dict[str, Any] = Field(description="完成后的摘要：各需求的新版本号、推荐人数、跳过的需求及原因")


class PreparationRead(JobRead):
    """A preparation of the next embedding model (模型切换预编码)."""

    id: uuid.UUID = Field(description="预编码任务标识")
    model: str = Field(description="待切换的向量模型（文件夹或名称）")
    model_id: str = Field(description="该模型向量的标识（模型加载后得出；完成前可能为空）")
    phase: str = Field(description="当前阶段：queued、loading_model、encoding、done、failed")
    progress_done: int = Field(description="已编码的段落数")
    progress_total: int = Field(description="需编码的段落数（已有该模型向量的段落不计）")
    requested_by: str = Field(description="发起者（令牌的 sub）")
    summary: dict[str, Any] = Field(description="完成后的摘要：passages（段落总数）、already_stored、encoded")


class EntryRead(BaseModel):
    """One researcher on a need's candidate list, with the explanation of the fit."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="候选条目标识（答复时使用）")
    need_id: uuid.UUID = Field(description="需求")
    researcher_id: uuid.UUID = Field(description="科研人员")
    researcher_name: str = Field(description="姓名")
    institution_id: uuid.UUID = Field(description="派出单位（负责答复）")
    role: EntryRole = Field(description="在名单中的角色")
    rank: int = Field(description="在同一角色中的名次，1 为最优（推荐、改荐、备选各自从 1 起）")
    position: int | None = Field(
        default=None, description="在整份名单中的位次（推荐在前、改荐、备选在后；名单内唯一，1 为最前）"
    )
    state: EntryState = Field(description="状态 (R-F3)")
    score: float = Field(description="综合得分")
    explanation: dict[str, Any] = Field(
        description="得分构成：dense（0–1）、lexical（0–1）、lexical_bm25、priorities、evidence、exclusions"
    )
    replaces_entry_id: uuid.UUID | None = Field(description="递补或改荐时：被替换的条目")
    answer_reason: str | None = Field(description="派出单位答复的理由")
    answered_at: datetime | None = Field(description="答复时间")
    updated_at: datetime = Field(description="最近变化时间")


class ProposalSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    need_id: uuid.UUID = Field(description="需求")
    version: int = Field(description="版本号（每次匹配一个新版本）")
    run_id: uuid.UUID = Field(description="产生该版本的匹配任务")
    current: bool = Field(description="是否为当前版本")
    model: str = Field(description="向量模型")
    fusion: str = Field(description="融合方法及参数")
    demand: int = Field(description="需要的人数")
    application_date: str = Field(description="计算年龄的日期（批次截止日，R-E2）")
    pushed_at: datetime | None = Field(description="推送至派出单位的时间")
    created_at: datetime = Field(description="生成时间")


class ProposalRead(ProposalSummary):
    entries: list[EntryRead] = Field(description="名单条目：推荐、改荐、备选（依次）")
    excluded: list[dict[str, Any]] | None = Field(
        default=None, description="被硬性规则排除的高分者及排除依据（include_excluded=true 时给出）"
    )


class CandidateListRead(BaseModel):
    need_id: uuid.UUID = Field(description="需求")
    programme: Programme = Field(description="项目")
    city_code: str = Field(description="需求所在市（地）")
    is_soe: bool = Field(description="省属国有企业")
    version: int = Field(description="当前版本号")
    pushed_at: datetime | None = Field(description="推送时间")
    demand: int = Field(description="需要的人数")
    open_slots: int = Field(description="仍需补充的人数（需求人数减去已推送待答复与已同意者）")
    entries: list[EntryRead] = Field(description="名单条目（派出单位只看到本单位的）")


class CandidateAnswer(BaseModel):
    """The dispatching unit's answer for one candidate (R-F3)."""

    model_config = ConfigDict(extra="forbid")

    answer: Answer = Field(description="答复 (R-F3)")
    reason: Text(500) | None = Field(default=None, description="理由；不愿意时必填")
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
    entry: EntryRead = Field(description="答复后的条目")
    follow_up: EntryRead | None = Field(description="婉拒后递补推送的备选人，或派出单位推荐的人选")


class OverrideCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text(1000, min_length=4) = Field(description="豁免理由（记录在案）")

    def command(self, researcher_id: uuid.UUID, rule_id: str) -> cmd.GrantOverride:
        return cmd.GrantOverride(researcher_id, rule_id, self.reason)


class OverrideRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    researcher_id: uuid.UUID = Field(description="科研人员")
    rule_id: str = Field(description="豁免的规则（目前只有 R-E3）")
    reason: str = Field(description="理由")
    granted_by: str = Field(description="记录者（令牌的 sub）")
    granted_at: datetime = Field(description="记录时间")


class PushResult(BaseModel):
    run_id: uuid.UUID = Field(description="匹配任务")
    pushed_needs: list[uuid.UUID] = Field(description="本次推送了名单的需求")
    skipped_needs: list[uuid.UUID] = Field(description="已推送过或没有候选人的需求")
