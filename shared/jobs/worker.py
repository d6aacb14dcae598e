"""The job worker: claims one job at a time, runs its handler with heart-beats, and records the outcome.

Crash-safety, in one place for every service:

- a claim is committed at once (the user sees "running"); the handler reads in short transactions and
  writes its result in one final transaction (``JobContext.finish``), so a crash leaves nothing half-written;
- a worker that dies stops heart-beating; after the lease another worker claims the job again;
- a job that crashed its worker ``max_attempts`` times is failed with a message instead of crashing the next;
- each claim increments ``attempts``, the fencing token: a slow worker whose job was taken over is refused
  when it reports progress or tries to write its result (``JobLost``);
- a handler that cannot run yet raises ``JobDeferred``; a worker stopped mid-job hands the job back at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

from shared.jobs.lifecycle import Job, JobStatus
from shared.jobs.loop import WakeableLoop
from shared.jobs.queue import JobRepository
from shared.timeutil import utcnow
from shared.unit_of_work import SqlAlchemyUnitOfWork

log = logging.getLogger(__name__)

J = TypeVar("J", bound=Job)
U = TypeVar("U", bound=SqlAlchemyUnitOfWork)


class JobDeferred(Exception):
    """The job cannot run yet (its inputs are still on their way): queue it again after ``retry_after``."""

    def __init__(self, reason: str, retry_after: timedelta = timedelta(seconds=2)) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


class JobLost(Exception):
    """Another worker took the job over (this one missed its lease): stop without writing anything."""


@dataclass(frozen=True)
class JobSpec(Generic[J, U]):
    """One kind of job a service runs: where its rows are and what runs it."""

    name: str  # the worker's name, e.g. "matching-runs"
    label: str  # Chinese, used in messages: "匹配任务"
    queue: Callable[[U], JobRepository[J]]  # the job repository of a unit of work
    handler: Callable[[J, JobContext[J, U]], Awaitable[None]]
    lease_seconds: float = 300
    heartbeat_seconds: float = 30  # well inside the lease
    poll_seconds: float = 0.25  # fallback when nothing wakes the worker
    max_attempts: int = 3
    entity: type | None = None  # the Job subclass: a commit that adds one wakes the worker at once


class JobContext(Generic[J, U]):
    """What a running handler may do: read, report progress (committed at once), and write its result once."""

    def __init__(self, spec: JobSpec[J, U], uow_factory: Callable[[], U], job_id: Any, attempt: int) -> None:
        self.spec, self.uow_factory, self.job_id, self.attempt = spec, uow_factory, job_id, attempt
        self.finished = False

    def reading(self) -> U:
        """A unit of work for reads (nothing it does is committed)."""
        return self.uow_factory()

    @contextlib.asynccontextmanager
    async def _held(self) -> AsyncIterator[tuple[U, J]]:
        async with self.uow_factory() as uow:
            job = await self.spec.queue(uow).get(self.job_id, for_update=True)
            if job is None or not job.held_by(self.attempt):
                raise JobLost(f"{self.spec.label} {self.job_id} was taken over")
            yield uow, job
            await uow.commit()

    async def progress(self, phase: str, done: int, total: int) -> None:
        """Show progress (and renew the lease): a short transaction of its own, so the user sees it live."""
        async with self._held() as (_, job):
            job.advance(phase, done, total)

    @contextlib.asynccontextmanager
    async def heartbeat_while(
        self, phase: str, done: int = 0, total: int = 0, *, live: Callable[[], tuple[int, int] | None] | None = None
    ) -> AsyncIterator[None]:
        """Keep the lease during one long step (e.g. encoding a cold index); ``live()``, when given, says how far the
        step is (done, total) at each beat, so the job's progress moves during it."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(self.spec.heartbeat_seconds)
                now = live() if live else None
                await self.progress(phase, *(now or (done, total)))

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    @contextlib.asynccontextmanager
    async def finish(self) -> AsyncIterator[tuple[U, J]]:
        """The final transaction: the job locked and still ours; the handler writes its result and calls
        ``job.succeed(...)``; everything commits together (or nothing, on an exception)."""
        async with self._held() as (uow, job):
            yield uow, job
            if job.status is JobStatus.RUNNING:
                job.succeed()
        self.finished = True


class JobWorker(WakeableLoop, Generic[J, U]):
    """Runs the jobs of one ``JobSpec``, one at a time per process; several processes may run it."""

    def __init__(self, spec: JobSpec[J, U], uow_factory: Callable[[], U]) -> None:
        super().__init__(spec.poll_seconds)
        self.spec, self.uow_factory = spec, uow_factory
        self.name = spec.name
        self.lease = timedelta(seconds=spec.lease_seconds)

    async def claim(self) -> tuple[J, int] | None:
        """Mark the next runnable job running (committed at once); None when there is none."""
        while True:
            async with self.uow_factory() as uow:
                job = await self.spec.queue(uow).claim_next(self.lease)
                if job is None:
                    return None
                if job.attempts >= self.spec.max_attempts:
                    job.fail(f"{self.spec.label}已尝试 {job.attempts} 次均未完成（进程中断），请检查日志后重新发起")
                    await uow.commit()
                    continue
                job.start()
                await uow.commit()
                return job, job.attempts

    async def _settle(self, job_id: Any, attempt: int, change: Callable[[J], None]) -> None:
        """Record an outcome the handler did not write itself (fail, defer, requeue) — if the job is still ours."""
        async with self.uow_factory() as uow:
            job = await self.spec.queue(uow).get(job_id, for_update=True)
            if job is not None and job.held_by(attempt):
                change(job)
                await uow.commit()

    async def run_once(self) -> bool:
        """Claim and run one job; False when there was none."""
        claimed = await self.claim()
        if claimed is None:
            return False
        job, attempt = claimed
        job_id = job.id  # type: ignore[attr-defined]  # every job aggregate has an ``id`` primary key
        context: JobContext[J, U] = JobContext(self.spec, self.uow_factory, job_id, attempt)
        extra = {"job": self.spec.name, "job_id": str(job_id), "attempt": attempt}
        log.info("job started", extra=extra)
        try:
            await self.spec.handler(job, context)
            if not context.finished:
                async with context.finish():
                    pass
            log.info("job finished", extra=extra)
        except JobDeferred as deferred:
            log.info("job deferred", extra=extra | {"reason": deferred.reason})
            until, reason = utcnow() + deferred.retry_after, deferred.reason
            await self._settle(job_id, attempt, lambda j: j.defer(until, reason))
        except JobLost:
            log.warning("job taken over by another worker; result discarded", extra=extra)
        except asyncio.CancelledError:
            # Shutting down mid-job: hand it back at once rather than after the lease expires.
            await asyncio.shield(self._settle(job_id, attempt, lambda j: j.requeue()))
            raise
        except Exception as exc:
            log.exception("job failed", extra=extra)
            error = f"{type(exc).__name__}: {exc}"
            await self._settle(job_id, attempt, lambda j: j.fail(error))
        return True

    async def step(self) -> bool:
        return await self.run_once()
