"""Durable jobs and due-date timers (``shared.jobs``) on a real PostgreSQL: nothing runs twice, nothing is lost.

Timers run in a quiet agreements database (the skeleton carries the shared ``timers`` table); jobs use
matching's run table with handlers of the test's own, so the lifecycle is tested apart from matching.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from devstack.services import SERVICES
from services.matching.adapters.orm import matching_runs
from services.matching.domain.run import MatchingRun, RunTrigger
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from shared.auth import Principal, Role
from shared.db import drop_database, with_database
from shared.jobs.lifecycle import JobStatus
from shared.jobs.timers import Timer, TimerWorker
from shared.jobs.worker import JobContext, JobDeferred, JobSpec, JobWorker
from shared.runtime import ServiceRuntime
from shared.service_cli import migrate
from shared.timeutil import utcnow
from shared.unit_of_work import SqlAlchemyUnitOfWork
from tests.conftest import service_settings
from tests.support import eventually

SPECS = {s.name: s for s in SERVICES}
SYSTEM = Principal(subject="timer-test", role=Role.OPS)


async def _quiet_runtime(pg_server_url: str, broker, name: str, service: str, **kwargs) -> ServiceRuntime:
    url = with_database(pg_server_url, name)
    await drop_database(url)
    await migrate(SPECS[service].directory, url)
    settings = service_settings(service, url, broker.bootstrap, tansu=broker.is_embedded)
    spec = SPECS[service]
    return ServiceRuntime(settings, spec.tables, spec.unit_of_work, **kwargs)


@pytest.fixture
async def timers_runtime(pg_server_url: str, broker):
    runtime = await _quiet_runtime(pg_server_url, broker, "test_timers", "agreements")
    yield runtime
    await runtime.engine.dispose()


class Recorder:
    """A timer handler that writes an audit entry in the firing transaction (what a real one would change)."""

    def __init__(self, *, fail_first: int = 0, hold_s: float = 0.0) -> None:
        self.calls: list[str] = []
        self.fail_first, self.hold_s = fail_first, hold_s

    async def __call__(self, uow: SqlAlchemyUnitOfWork, timer: Timer) -> None:
        self.calls.append(timer.key)
        await uow.record_audit(SYSTEM, "timer.fired", "timer", timer.key, {"due_at": timer.due_at.isoformat()})
        if self.hold_s:
            await asyncio.sleep(self.hold_s)  # hold the row lock while the other worker looks
        if len(self.calls) <= self.fail_first:
            raise RuntimeError("simulated handler failure")


async def _schedule(runtime: ServiceRuntime, key: str, due_in_s: float, kind: str = "test.ends") -> None:
    async with runtime.uow() as uow:
        await uow.timers.schedule(kind, key, utcnow() + timedelta(seconds=due_in_s), {"key": key})
        await uow.commit()


async def _audits(runtime: ServiceRuntime, key: str) -> int:
    async with runtime.uow() as uow:
        return len(await uow.audit_log.for_entity("timer", key))


async def _timer(runtime: ServiceRuntime, key: str, kind: str = "test.ends") -> dict | None:
    async with runtime.uow() as uow:
        return await uow.timers.get(kind, key)


def _worker(runtime: ServiceRuntime, handler, **kwargs) -> TimerWorker:
    kwargs.setdefault("poll_seconds", 0.05)
    kwargs.setdefault("retry_backoff_seconds", 0.05)
    return TimerWorker(runtime.uow, {"test.ends": handler}, **kwargs)


async def _run_until(workers: list, done, what: str, timeout: float = 30) -> None:
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        await eventually(done, timeout=timeout, what=what)
    finally:
        for w in workers:
            w.stop()
        await asyncio.gather(*tasks)


async def test_a_due_timer_fires_exactly_once_with_two_workers(timers_runtime: ServiceRuntime) -> None:
    keys = [f"notice-{i}-{uuid.uuid4().hex[:6]}" for i in range(12)]
    for key in keys:
        await _schedule(timers_runtime, key, due_in_s=-1)
    handler = Recorder(hold_s=0.05)
    workers = [_worker(timers_runtime, handler), _worker(timers_runtime, handler)]

    async def all_fired():
        return all([await _fired(timers_runtime, k) for k in keys])

    await _run_until(workers, all_fired, "every timer to fire")
    assert sorted(handler.calls) == sorted(keys)  # each handled once, across both workers
    assert [await _audits(timers_runtime, k) for k in keys] == [1] * len(keys)


async def test_a_timer_whose_moment_passed_while_no_worker_ran_fires_at_the_next_start(
    timers_runtime: ServiceRuntime,
) -> None:
    key = f"term-{uuid.uuid4().hex[:6]}"
    await _schedule(timers_runtime, key, due_in_s=0.3)
    before = Recorder()
    early = _worker(timers_runtime, before)
    task = asyncio.create_task(early.run())
    await asyncio.sleep(0.1)
    early.stop()  # the process stops before the moment …
    await task
    assert before.calls == [] and (await _timer(timers_runtime, key))["fired_at"] is None
    await asyncio.sleep(0.5)  # … which passes while nothing runs
    after = Recorder()

    async def fired():
        return (await _timer(timers_runtime, key))["fired_at"]

    await _run_until([_worker(timers_runtime, after)], fired, "the missed timer to fire after the restart")
    assert after.calls == [key] and await _audits(timers_runtime, key) == 1


async def test_a_failing_handler_is_retried_its_writes_undone_then_set_aside_for_ops(
    timers_runtime: ServiceRuntime,
) -> None:
    flaky_key, broken_key = f"flaky-{uuid.uuid4().hex[:6]}", f"broken-{uuid.uuid4().hex[:6]}"
    await _schedule(timers_runtime, flaky_key, due_in_s=-1)
    flaky = Recorder(fail_first=1)

    async def fired():
        return (await _timer(timers_runtime, flaky_key))["fired_at"]

    await _run_until([_worker(timers_runtime, flaky)], fired, "the flaky timer to fire on its retry")
    row = await _timer(timers_runtime, flaky_key)
    assert flaky.calls == [flaky_key, flaky_key] and row["attempts"] == 1 and "simulated" in row["last_error"]
    assert await _audits(timers_runtime, flaky_key) == 1  # the failed attempt's write was rolled back

    await _schedule(timers_runtime, broken_key, due_in_s=-1)
    broken = Recorder(fail_first=99)

    async def set_aside():
        return (await _timer(timers_runtime, broken_key))["failed_at"]

    await _run_until([_worker(timers_runtime, broken, max_attempts=3)], set_aside, "the broken timer set aside")
    assert len(broken.calls) == 3 and await _audits(timers_runtime, broken_key) == 0
    async with timers_runtime.uow() as uow:
        failed, total = await uow.timers.failed(limit=100, offset=0)
        assert broken_key in {t["key"] for t in failed} and total >= 1
        assert await uow.timers.retry(next(t["id"] for t in failed if t["key"] == broken_key))
        await uow.commit()
    assert (await _timer(timers_runtime, broken_key))["failed_at"] is None  # ops gave it another round


async def test_scheduling_again_moves_a_pending_timer_never_a_fired_one_and_cancel_removes_it(
    timers_runtime: ServiceRuntime,
) -> None:
    key = f"window-{uuid.uuid4().hex[:6]}"
    await _schedule(timers_runtime, key, due_in_s=3600)
    first = (await _timer(timers_runtime, key))["due_at"]
    await _schedule(timers_runtime, key, due_in_s=-1)  # moved earlier: the same timer, not a second one
    moved = await _timer(timers_runtime, key)
    assert moved["due_at"] < first
    handler = Recorder()

    async def fired():
        return (await _timer(timers_runtime, key))["fired_at"]

    await _run_until([_worker(timers_runtime, handler)], fired, "the moved timer to fire")
    async with timers_runtime.uow() as uow:
        assert await uow.timers.schedule("test.ends", key, utcnow()) is False  # once fired, it stays fired
        await uow.timers.schedule("test.ends", f"{key}-b", utcnow() + timedelta(hours=1))
        assert await uow.timers.cancel("test.ends", f"{key}-b") is True
        assert await uow.timers.cancel("test.ends", key) is False  # a fired timer is history, not cancelled
        await uow.commit()
    assert handler.calls == [key] and await _timer(timers_runtime, f"{key}-b") is None


async def test_a_timer_scheduled_in_this_process_wakes_the_worker(timers_runtime: ServiceRuntime) -> None:
    """The commit that schedules a timer wakes this process's worker: a timer due now does not wait for the poll."""
    handler = Recorder()
    runtime = ServiceRuntime(
        timers_runtime.settings.model_copy(update={"timer_poll_interval_s": 3600}),
        timers_runtime.tables,
        timers_runtime.uow_class,
        timer_handlers={"test.ends": handler},
    )
    task = asyncio.create_task(runtime.timer_worker.run())
    try:
        await asyncio.sleep(0.2)  # the worker is asleep (for an hour)
        key = f"now-{uuid.uuid4().hex[:6]}"
        await _schedule(runtime, key, due_in_s=0)
        await eventually(lambda: _fired(runtime, key), timeout=30, what="the woken worker to fire it")
    finally:
        runtime.timer_worker.stop()
        await task
        await runtime.engine.dispose()


async def _fired(runtime: ServiceRuntime, key: str) -> bool:
    row = await _timer(runtime, key)
    return bool(row and row["fired_at"])


# ------------------------------------------------------------------ jobs


@pytest.fixture
async def jobs_runtime(pg_server_url: str, broker):
    runtime = await _quiet_runtime(pg_server_url, broker, "test_jobs", "matching")
    yield runtime
    await runtime.engine.dispose()


def _spec(handler, **kwargs) -> JobSpec:
    kwargs.setdefault("poll_seconds", 0.05)
    return JobSpec(name="test-jobs", label="测试任务", queue=lambda uow: uow.runs, handler=handler, **kwargs)


async def _queue(runtime: ServiceRuntime) -> uuid.UUID:
    run = MatchingRun.for_needs([uuid.uuid4()], requested_by="test", trigger=RunTrigger.API)
    async with runtime.uow() as uow:
        uow.runs.add(run)
        await uow.commit()
    return run.id


async def _job(runtime: ServiceRuntime, job_id: uuid.UUID) -> MatchingRun:
    async with runtime.uow() as uow:
        return dataclasses.replace(await uow.runs.get(job_id))  # a copy: leaving the unit of work expires the row


async def _only_job_queued(runtime: ServiceRuntime, job_id: uuid.UUID) -> None:
    """Older jobs of other tests are finished, so a worker here can only claim this one."""
    async with runtime.uow() as uow:
        await uow.session.execute(
            update(matching_runs)
            .where(matching_runs.c.id != job_id, matching_runs.c.status.in_(["queued", "running"]))
            .values(status="failed")
        )
        await uow.commit()


async def test_a_slow_worker_whose_job_was_taken_over_cannot_write_its_result(jobs_runtime: ServiceRuntime) -> None:
    release, started = asyncio.Event(), asyncio.Event()

    async def slow(job: MatchingRun, ctx: JobContext) -> None:
        started.set()
        await release.wait()  # it stops heart-beating here: as if its process hung
        async with ctx.finish() as (_, locked):
            locked.succeed({"by": "slow"})

    async def fast(job: MatchingRun, ctx: JobContext) -> None:
        async with ctx.finish() as (_, locked):
            locked.succeed({"by": "fast"})

    job_id = await _queue(jobs_runtime)
    await _only_job_queued(jobs_runtime, job_id)
    slow_worker = JobWorker(_spec(slow, lease_seconds=0.2), jobs_runtime.uow)
    slow_task = asyncio.create_task(slow_worker.run_once())
    await asyncio.wait_for(started.wait(), 30)
    await asyncio.sleep(0.3)  # the lease expires
    assert await JobWorker(_spec(fast, lease_seconds=0.2), jobs_runtime.uow).run_once() is True
    release.set()
    assert await slow_task is True  # it ran, but its result was refused (JobLost)
    job = await _job(jobs_runtime, job_id)
    assert job.status is JobStatus.SUCCEEDED and job.summary == {"by": "fast"} and job.attempts == 2


async def test_a_deferred_job_waits_then_runs_and_a_failing_one_records_why(jobs_runtime: ServiceRuntime) -> None:
    seen: list[int] = []

    async def not_yet(job: MatchingRun, ctx: JobContext) -> None:
        seen.append(job.attempts)
        if len(seen) == 1:
            raise JobDeferred("inputs_not_synced", retry_after=timedelta(seconds=0.3))

    job_id = await _queue(jobs_runtime)
    await _only_job_queued(jobs_runtime, job_id)
    worker = JobWorker(_spec(not_yet), jobs_runtime.uow)
    assert await worker.run_once() is True
    waiting = await _job(jobs_runtime, job_id)
    assert waiting.status is JobStatus.QUEUED and waiting.phase == "waiting: inputs_not_synced"
    assert await worker.run_once() is False  # not before its moment

    async def finished():
        await worker.run_once()
        return (await _job(jobs_runtime, job_id)).status is JobStatus.SUCCEEDED

    await eventually(finished, timeout=30, what="the deferred job to run")
    assert seen == [1, 1]  # a deferral is not a failed attempt

    async def broken(job: MatchingRun, ctx: JobContext) -> None:
        raise ValueError("坏数据")

    failing_id = await _queue(jobs_runtime)
    assert await JobWorker(_spec(broken), jobs_runtime.uow).run_once() is True
    failed = await _job(jobs_runtime, failing_id)
    assert failed.status is JobStatus.FAILED and failed.error == "ValueError: 坏数据"


async def test_a_worker_stopped_mid_job_hands_it_back_at_once(jobs_runtime: ServiceRuntime) -> None:
    started = asyncio.Event()

    async def endless(job: MatchingRun, ctx: JobContext) -> None:
        started.set()
        await asyncio.sleep(3600)

    job_id = await _queue(jobs_runtime)
    await _only_job_queued(jobs_runtime, job_id)
    task = asyncio.create_task(JobWorker(_spec(endless), jobs_runtime.uow).run_once())
    await asyncio.wait_for(started.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    job = await _job(jobs_runtime, job_id)
    assert job.status is JobStatus.QUEUED and job.attempts == 0  # not after the lease: now


async def test_a_job_queued_in_this_process_starts_without_waiting_for_the_poll(jobs_runtime: ServiceRuntime) -> None:
    async def quick(job: MatchingRun, ctx: JobContext) -> None:
        async with ctx.finish() as (_, locked):
            locked.succeed({"woken": True})

    runtime = ServiceRuntime(
        jobs_runtime.settings,
        jobs_runtime.tables,
        MatchingUnitOfWork,
        job_specs=[_spec(quick, poll_seconds=3600, entity=MatchingRun)],
    )
    worker = runtime.job_workers["test-jobs"]
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0.2)  # asleep for an hour
        job_id = await _queue(runtime)  # the commit that adds a MatchingRun wakes it

        async def done():
            return (await _job(runtime, job_id)).status is JobStatus.SUCCEEDED

        await eventually(done, timeout=30, what="the woken worker to run the job")
    finally:
        worker.stop()
        await task
        await runtime.engine.dispose()


async def test_jobs_pages_by_status(jobs_runtime: ServiceRuntime) -> None:
    from shared.pagination import PageParams

    async with jobs_runtime.uow() as uow:
        failed, total_failed = await uow.runs.page_by_status(PageParams(page=1, page_size=2), JobStatus.FAILED)
        everything = (await uow.session.execute(select(func.count()).select_from(matching_runs))).scalar_one()
        _, total = await uow.runs.page_by_status(PageParams(page=1, page_size=2))
    assert len(failed) <= 2 and all(j.status is JobStatus.FAILED for j in failed)
    assert total == everything and total_failed <= total
