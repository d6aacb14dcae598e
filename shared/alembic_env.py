"""What every service's ``migrations/env.py`` runs (async engine, naming convention, offline mode)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.settings import ServiceSettings


def run_env(target_metadata: MetaData, settings_class: type[ServiceSettings]) -> None:
    config = context.config
    url = config.get_main_option("sqlalchemy.url") or settings_class().database_url

    def do_run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    async def online() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(online())
