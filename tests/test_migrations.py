"""Each service's Alembic tree: upgrades a fresh database, downgrades to nothing, and matches the ORM."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from devstack.services import SERVICES
from shared.db import create_engine, drop_database, with_database
from shared.service_cli import alembic_config, migrate


@pytest.mark.parametrize("svc", SERVICES, ids=lambda s: s.name)
async def test_migrations_match_the_models_and_downgrade_cleanly(pg_server_url: str, svc) -> None:
    url = with_database(pg_server_url, f"test_migrations_{svc.name}")
    await drop_database(url)
    await migrate(svc.directory, url)
    metadata = svc.tables.outbox.metadata
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), metadata)
            )
        assert diff == [], f"{svc.name}: the migrations and the ORM disagree: {diff}"

        from alembic import command

        await asyncio.to_thread(command.downgrade, alembic_config(svc.directory, url), "base")
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        assert set(tables) <= {"alembic_version"}
        await asyncio.to_thread(command.upgrade, alembic_config(svc.directory, url), "head")
    finally:
        await engine.dispose()
        await drop_database(url)
