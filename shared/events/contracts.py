"""Payload models of every public event. JSON Schemas in ``docs/events/`` are exported from these.

Change rules: adding an optional field keeps ``.v1``; removing, renaming or retyping a field needs
a new class with ``.v2`` (and both are published during the migration window).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from shared.events.envelope import TYPE_PREFIX, EventPayload
from shared.events.topics import INTAKE_NEED


class Programme(StrEnum):
    """The two programmes (RULES.md): 科技总师 and 企业科技特派员."""

    CHIEF_TECHNOLOGIST = "chief_technologist"
    COMMISSIONER = "commissioner"


class NeedSubmittedV1(EventPayload):
    """An enterprise submitted a technology need (技术需求) — R-F1."""

    event_type = TYPE_PREFIX + "intake.need.submitted.v1"
    topic = INTAKE_NEED.name
    aggregate = "need"
    summary = "企业提交了技术需求"

    need_id: uuid.UUID
    enterprise_id: str
    city_code: str = Field(description="市（地）行政区划代码; the reviewing city (R-F1)")
    is_soe: bool = Field(description="province-owned SOE: reviewed by SASAC instead of the city (R-F1)")
    programme: Programme
    title: str
    description: str
    keywords: list[str]
    submitted_at: datetime

    def aggregate_id(self) -> str:
        return str(self.need_id)


ALL_EVENTS: tuple[type[EventPayload], ...] = (NeedSubmittedV1,)

EVENTS_BY_TYPE: dict[str, type[EventPayload]] = {cls.event_type: cls for cls in ALL_EVENTS}
