"""CloudEvents 1.0 envelope (structured JSON mode) used on every TechBridge topic.

``type`` reads ``cn.gov.hlj.techbridge.<service>.<aggregate>.<event>.v<major>``; ``subject`` and the
Kafka message key are the aggregate id, so one aggregate's events stay ordered in one partition.
Additive payload changes keep the major version; breaking ones publish a new ``.v2`` type.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

TYPE_PREFIX = "cn.gov.hlj.techbridge."
CONTENT_TYPE = "application/cloudevents+json"


class EventPayload(BaseModel):
    """Base of every public event payload. Subclasses set the ClassVars below."""

    model_config = ConfigDict(extra="allow", frozen=True)  # extra=allow: consumers tolerate additive changes

    event_type: ClassVar[str]
    topic: ClassVar[str]
    aggregate: ClassVar[str]
    summary: ClassVar[str]

    def aggregate_id(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


class CloudEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(pattern=r"^cn\.gov\.hlj\.techbridge\.[a-z_]+\.[a-z_]+\.[a-z_]+\.v\d+$")
    subject: str = Field(min_length=1)
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    correlationid: str | None = None
    causationid: str | None = None
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        payload: EventPayload,
        *,
        source: str,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> CloudEvent:
        return cls(
            id=str(uuid.uuid4()),
            source=source,
            type=payload.event_type,
            subject=payload.aggregate_id(),
            time=datetime.now(UTC),
            dataschema=f"urn:techbridge:schema:{payload.event_type}",
            correlationid=correlation_id,
            causationid=causation_id,
            data=payload.model_dump(mode="json"),
        )

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> CloudEvent:
        return cls.model_validate_json(raw)
