"""The audit trail of one entity as the API shows it (``GET …/{id}/history``): who did what, when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.unit_of_work import SqlAlchemyUnitOfWork


class AuditEntryRead(BaseModel):
    at: datetime = Field(description="时间")
    actor: str = Field(description="操作者（令牌的 sub；公众提交为 public）")
    actor_role: str = Field(description="操作者角色")
    action: str = Field(description="操作，例如 need.approved")
    changes: dict[str, Any] | None = Field(description="变化内容（字段：from / to）")
    correlation_id: str | None = Field(description="关联标识，可据此查日志与事件")


async def audit_trail(uow: SqlAlchemyUnitOfWork, entity: str, entity_id: str) -> list[AuditEntryRead]:
    """Who changed what and when; callers check the entity is visible to the caller first."""
    return [AuditEntryRead(**row) for row in await uow.audit_log.for_entity(entity, entity_id)]
