"""The lifecycle of a durable job, as a plain base class a service's job aggregate extends.

    queued ──start──▶ running ──succeed──▶ succeeded
      ▲                 │  ├──fail──▶ failed
      └──requeue/defer──┘  └──start (taken over after its lease expired)

A job is *leased*: the running worker heart-beats (``advance``); a job whose heartbeat is older than the
lease is claimed again by another worker (its worker died). Each claim increments ``attempts``, which is
also the fencing token: a worker whose job was taken over can no longer write its result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shared.statemachine import StateMachine, Transition
from shared.timeutil import utcnow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


_Q, _R, _S, _F = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED

JOB_LIFECYCLE: StateMachine[JobStatus] = StateMachine(
    "任务",
    {_Q: "排队中", _R: "执行中", _S: "已完成", _F: "已失败"},
    [
        Transition("start", "开始执行", {_Q, _R}, {_R}),  # from running: a take-over after the lease expired
        Transition("advance", "更新进度", {_R}, {_R}),
        Transition("requeue", "重新排队", {_R}, {_Q}),
        Transition("succeed", "标记完成", {_R}, {_S}),
        Transition("fail", "标记失败", {_Q, _R}, {_F}),
    ],
)


@dataclass(kw_only=True)
class Job:
    """Status, progress and lease of a job. ``phase`` and ``progress_*`` are what a user's screen shows."""

    status: JobStatus = JobStatus.QUEUED
    phase: str = "queued"
    progress_done: int = 0
    progress_total: int = 0
    attempts: int = 0
    error: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    not_before: datetime | None = None  # a deferred job waits until then

    @property
    def progress_percent(self) -> float:
        if self.status is JobStatus.SUCCEEDED:
            return 100.0
        return round(100 * self.progress_done / self.progress_total, 1) if self.progress_total else 0.0

    def start(self) -> None:
        JOB_LIFECYCLE.fire(self, "start")
        self.phase = "starting"
        self.attempts += 1
        self.started_at = self.heartbeat_at = utcnow()
        self.progress_done = 0
        self.error = None

    def advance(self, phase: str, done: int, total: int) -> None:
        JOB_LIFECYCLE.fire(self, "advance")
        self.phase, self.progress_done, self.progress_total = phase, done, total
        self.heartbeat_at = utcnow()

    def requeue(self) -> None:
        """The worker stopped before finishing (nothing was written): queue it again; not a failed attempt."""
        JOB_LIFECYCLE.fire(self, "requeue")
        self.phase = "queued"
        self.attempts = max(0, self.attempts - 1)

    def defer(self, until: datetime, reason: str) -> None:
        """Not runnable yet (its inputs are on their way): queue it again for ``until``; not a failed attempt."""
        JOB_LIFECYCLE.fire(self, "requeue")
        self.phase, self.not_before = f"waiting: {reason}"[:40], until
        self.attempts = max(0, self.attempts - 1)

    def succeed(self) -> None:
        JOB_LIFECYCLE.fire(self, "succeed")
        self.phase = "done"
        self.progress_done = self.progress_total
        self.finished_at = utcnow()

    def fail(self, error: str) -> None:
        JOB_LIFECYCLE.fire(self, "fail")
        self.phase, self.error = "failed", error[:2000]
        self.finished_at = utcnow()

    def held_by(self, attempt: int) -> bool:
        """Whether the worker that claimed attempt ``attempt`` still holds this job (nobody took it over)."""
        return self.status is JobStatus.RUNNING and self.attempts == attempt
