"""A service's process: database engine, unit-of-work factory, and its background work — the outbox relay,
the inbox consumers, the job workers and the timer worker — wired from settings by the composition root."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from aiokafka.client import AIOKafkaClient
from sqlalchemy import text

from shared.db import create_engine, session_factory
from shared.jobs.timers import TimerHandler, TimerWorker
from shared.jobs.worker import JobSpec, JobWorker
from shared.messaging.consumer import EventConsumer, Subscription
from shared.messaging.kafka import make_producer
from shared.messaging.notify import JOB, OUTBOX, TIMERS, WakeListener
from shared.messaging.relay import OutboxRelay
from shared.messaging.tables import MessagingTables
from shared.settings import ServiceSettings
from shared.unit_of_work import Committed, SqlAlchemyUnitOfWork

log = logging.getLogger(__name__)


class BackgroundWorker(Protocol):
    name: str

    async def run(self) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer group of this service: which topics it reads and which event types it handles."""

    name: str
    topics: list[str]
    subscriptions: dict[str, Subscription] = field(default_factory=dict)


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        tables: MessagingTables,
        uow_class: type[SqlAlchemyUnitOfWork],
        consumer_specs: Sequence[ConsumerSpec] = (),
        job_specs: Sequence[JobSpec] = (),
        timer_handlers: Mapping[str, TimerHandler] | None = None,
    ) -> None:
        self.settings = settings
        self.tables = tables
        self.uow_class = uow_class
        self.engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        self.session_factory = session_factory(self.engine)
        self.relay = OutboxRelay(settings, self.session_factory, tables, lambda: make_producer(settings))
        self.consumers = [
            EventConsumer(
                settings=settings,
                name=spec.name,
                subscriptions=spec.subscriptions,
                topics=spec.topics,
                uow_factory=self.uow,
            )
            for spec in consumer_specs
        ]
        self.job_workers = {spec.name: JobWorker(spec, self.uow) for spec in job_specs}
        self._wakes_on_new = {spec.entity: self.job_workers[spec.name] for spec in job_specs if spec.entity}
        self.timer_worker = TimerWorker(
            self.uow,
            timer_handlers or {},
            poll_seconds=settings.timer_poll_interval_s,
            max_attempts=settings.timer_max_attempts,
            retry_backoff_seconds=settings.timer_retry_backoff_s,
        )
        self.wake_listener = WakeListener(settings.database_url, self._woken)
        self._tasks: list[asyncio.Task] = []
        self._warm_up: asyncio.Task | None = None

    @property
    def source(self) -> str:
        return f"/techbridge/{self.settings.service_name}"

    @property
    def background(self) -> list[BackgroundWorker]:
        """Everything this process runs besides the API, once started."""
        return [*self.consumers, *self.job_workers.values(), self.timer_worker]

    def uow(self) -> SqlAlchemyUnitOfWork:
        return self.uow_class(self.session_factory, self.tables, source=self.source, on_commit=self._committed)

    def _committed(self, committed: Committed) -> None:
        """React at once to what a commit in this process wrote (the workers poll as a fallback)."""
        if committed.events:
            self.relay.wake()
        if committed.timers_scheduled:
            self.timer_worker.wake()
        for entity in committed.new_entities:
            worker = self._wakes_on_new.get(entity)
            if worker is not None:
                worker.wake()

    def _woken(self, words: set[str]) -> None:
        """Another process committed something for this process's workers (``shared.messaging.notify``)."""
        if OUTBOX in words:
            self.relay.wake()
        if TIMERS in words:
            self.timer_worker.wake()
        for entity, worker in self._wakes_on_new.items():
            if JOB + entity.__name__ in words:
                worker.wake()

    def start_workers(self, *, relay: bool = True, background: bool = True) -> None:
        if self.settings.wake_on_notify and (relay or background):
            self._tasks.append(asyncio.create_task(self.wake_listener.run(), name=f"{self.settings.service_name}-wake"))
        if relay:
            self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.settings.service_name}-relay"))
        if background:
            for worker in self.background:
                self._tasks.append(asyncio.create_task(worker.run(), name=worker.name))

    async def stop(self) -> None:
        self.wake_listener.stop()
        self.relay.stop()
        for worker in self.background:
            worker.stop()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=15)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self._tasks.clear()
        await self.engine.dispose()

    async def check_database(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def check_broker(self) -> None:
        client = AIOKafkaClient(bootstrap_servers=self.settings.kafka_bootstrap_servers, request_timeout_ms=3000)
        try:
            await client.bootstrap()
        finally:
            await client.close()

    def start_warm_up(self, warm_up: Callable[[], Awaitable[None]]) -> None:
        """Ready what the first request would wait for, in the background (``ServiceSpec.warm_up``)."""

        async def run() -> None:
            started = time.monotonic()
            try:
                await warm_up()
                log.info("warmed up", extra={"seconds": round(time.monotonic() - started, 2)})
            except Exception:  # the first request does it itself then: a failed warm-up never blocks readiness
                log.warning("warm-up failed; requests will load what they need", exc_info=True)

        self._warm_up = asyncio.create_task(run(), name=f"{self.settings.service_name}-warm-up")
        self._tasks.append(self._warm_up)

    async def readiness(self) -> dict[str, str]:
        """Each dependency: "ok" or the reason it is not; and the warm-up, while it runs."""
        checks: dict[str, Callable] = {"database": self.check_database, "broker": self.check_broker}
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check(), timeout=5)
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"unavailable: {exc!r}"[:300]
        if self._warm_up is not None:
            results["warm_up"] = "ok" if self._warm_up.done() else "warming up (model and index loading)"
        return results
