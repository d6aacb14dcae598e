"""A matching run (匹配任务): one need, or every reported need of a batch, matched as a durable job (R-F2).

Its lifecycle (queued → running → succeeded/failed, lease and take-over) is the platform's ``Job``; the run
adds what it matches and the summary the province reads when it is done.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shared.jobs.lifecycle import Job


class RunKind(StrEnum):
    NEED = "need"  # one or a few needs, e.g. when a need is reported to the province
    BATCH = "batch"  # every reported need of a batch, assigned jointly


class RunTrigger(StrEnum):
    API = "api"  # the province asked
    NEED_REPORTED = "need_reported"  # a need reached the province (matched on its own at once)
    POOL_CHANGED = "pool_changed"  # the researcher pool outgrew a list not yet pushed (re-match rule)


LABELS: dict[type[StrEnum], dict[StrEnum, str]] = {
    RunKind: {
        RunKind.NEED: "指定需求",
        RunKind.BATCH: "整个批次联合分配",
    },
    RunTrigger: {
        RunTrigger.API: "省科技厅发起",
        RunTrigger.NEED_REPORTED: "需求报送后自动匹配",
        RunTrigger.POOL_CHANGED: "科研人员库变化后自动重新匹配",
    },
}


@dataclass
class MatchingRun(Job):
    """A matching job. ``phase``/``progress_*`` (from ``Job``) are what the province's screen shows while it runs."""

    id: uuid.UUID
    kind: RunKind
    requested_by: str
    trigger: str  # a RunTrigger value
    batch_id: uuid.UUID | None = None
    need_ids: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_needs(cls, need_ids: list[uuid.UUID], *, requested_by: str, trigger: RunTrigger) -> MatchingRun:
        return cls(
            id=uuid.uuid4(),
            kind=RunKind.NEED,
            requested_by=requested_by,
            trigger=trigger,
            need_ids=[str(n) for n in need_ids],
            progress_total=len(need_ids),
        )

    @classmethod
    def for_batch(cls, batch_id: uuid.UUID, needs: int, *, requested_by: str) -> MatchingRun:
        return cls(
            id=uuid.uuid4(),
            kind=RunKind.BATCH,
            requested_by=requested_by,
            trigger=RunTrigger.API,
            batch_id=batch_id,
            progress_total=needs,
        )

    def succeed(self, summary: dict[str, Any] | None = None) -> None:  # type: ignore[override]
        if summary is not None:
            self.summary = summary
        super().succeed()
