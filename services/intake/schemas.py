"""Intake's REST schemas (NeedCreate / NeedRead)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.intake.domain.model import NeedStatus
from shared.events.contracts import Programme


class NeedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    programme: Programme = Field(description="chief_technologist（科技总师）或 commissioner（企业科技特派员）")
    title: str = Field(min_length=2, max_length=200, description="需求名称")
    description: str = Field(min_length=10, max_length=5000, description="需解决的技术问题描述")
    keywords: list[str] = Field(min_length=1, max_length=20, description="关键词")

    @field_validator("title", "description")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("不能为空白")
        return value

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        if any(len(k.strip()) == 0 or len(k) > 50 for k in value):
            raise ValueError("关键词须为 1–50 个字符")
        return value


class NeedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    enterprise_id: str
    city_code: str
    is_soe: bool
    programme: Programme
    title: str
    description: str
    keywords: list[str]
    status: NeedStatus
    submitted_at: datetime
    version: int
