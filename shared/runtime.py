"""A service's process: database engine, outbox relay, consumers, readiness — wired from settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from aiokafka.client import AIOKafkaClient
from sqlalchemy import text

from shared.db import create_engine, session_factory
from shared.messaging.consumer import EventConsumer, Subscription
from shared.messaging.kafka import make_producer
from shared.messaging.relay import OutboxRelay
from shared.messaging.tables import MessagingTables
from shared.settings import ServiceSettings
from shared.unit_of_work import SqlAlchemyUnitOfWork

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
        consumer_specs: list[ConsumerSpec],
        consumer_class: type[EventConsumer] = EventConsumer,
    ) -> None:
        self.settings = settings
        self.tables = tables
        self.uow_class = uow_class
        self.engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        self.session_factory = session_factory(self.engine)
        self.relay = OutboxRelay(settings, self.session_factory, tables, lambda: make_producer(settings))
        self.consumers = [
            consumer_class(
                settings=settings,
                name=spec.name,
                subscriptions=spec.subscriptions,
                topics=spec.topics,
                uow_factory=self.uow,
            )
            for spec in consumer_specs
        ]
        self.background: list[BackgroundWorker] = []
        self._tasks: list[asyncio.Task] = []

    def add_background_worker(self, worker: BackgroundWorker) -> None:
        """A service's own long-running loop (e.g. matching's job runner), run with the consumers."""
        self.background.append(worker)

    @property
    def source(self) -> str:
        return f"/techbridge/{self.settings.service_name}"

    def uow(self) -> SqlAlchemyUnitOfWork:
        return self.uow_class(
            self.session_factory, self.tables, source=self.source, on_commit_with_events=self.relay.wake
        )

    def start_workers(self, *, relay: bool = True, consumers: bool = True) -> None:
        if relay:
            self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.settings.service_name}-relay"))
        if consumers:
            for consumer in self.consumers:
                self._tasks.append(asyncio.create_task(consumer.run(), name=consumer.name))
            for worker in self.background:
                self._tasks.append(asyncio.create_task(worker.run(), name=worker.name))

    async def stop(self) -> None:
        self.relay.stop()
        for consumer in self.consumers:
            consumer.stop()
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

    async def readiness(self) -> dict[str, str]:
        """Each dependency: "ok" or the reason it is not."""
        checks: dict[str, Callable] = {"database": self.check_database, "broker": self.check_broker}
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check(), timeout=5)
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"unavailable: {exc!r}"[:300]
        return results
