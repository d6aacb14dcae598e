"""Async SQLAlchemy engine/session helpers, the constraint naming convention, database creation."""

from __future__ import annotations

import time
from enum import Enum as PyEnum
from typing import Any

import asyncpg
from sqlalchemy import Enum, MetaData, event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# Deterministic constraint names, so Alembic migrations can name what they alter or drop.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def string_enum(enum_cls: type[PyEnum], *, name: str | None = None, length: int = 40, check: bool = False) -> Enum:
    """An enum column stored as its string values (no PostgreSQL enum type, so a new value needs no ALTER
    TYPE); ``check`` adds a CHECK constraint named ``name`` listing the allowed values."""
    return Enum(
        enum_cls,
        name=name or enum_cls.__name__.lower(),
        native_enum=False,
        create_constraint=check,
        length=length,
        values_callable=lambda e: [member.value for member in e],
    )


def checked_enum(enum_cls: type[PyEnum], name: str) -> Enum:
    """A state or kind column: text with a CHECK listing the values (no PG enum: a new value needs no ALTER TYPE)."""
    return string_enum(enum_cls, name=name, check=True)


PING_AFTER_IDLE_S = 5.0
_CHECKED_IN_AT = "techbridge.checked_in_at"


def create_engine(url: str, *, pool_size: int = 10, ping_after_idle_s: float = PING_AFTER_IDLE_S) -> AsyncEngine:
    """An engine whose pool hands out only live connections, without a round trip per request.

    SQLAlchemy's ``pool_pre_ping`` pings every checkout (BEGIN, a query, ROLLBACK: three round trips, about a
    tenth of a write request's CPU). Here a checkout checks the socket (free) and pings only a connection that sat
    idle for ``ping_after_idle_s`` — the ones a database restart during a quiet spell left behind. A connection that
    was busy until just now and still fails (the database restarted under load) fails its statement, which
    invalidates the whole pool: that request answers 503 with Retry-After and the next ones get fresh
    connections."""
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)
    _check_on_checkout(engine, ping_after_idle_s)
    return engine


def _check_on_checkout(engine: AsyncEngine, ping_after_idle_s: float) -> None:
    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        # DisconnectionError makes the pool discard this connection and check out another (a fresh one if need be).
        if dbapi_connection.driver_connection.is_closed():
            raise exc.DisconnectionError("the connection was closed")
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is not None and time.monotonic() - checked_in_at >= ping_after_idle_s:
            try:
                dbapi_connection.ping()
            except Exception as error:
                raise exc.DisconnectionError("the connection did not answer a ping") from error


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def asyncpg_connect_kwargs(url: str | URL, database: str | None = None) -> dict:
    """Connection kwargs for raw asyncpg from a SQLAlchemy URL (Unix-socket ``?host=/dir`` included)."""
    u = make_url(url) if isinstance(url, str) else url
    host = u.query.get("host") or u.host or "127.0.0.1"
    if isinstance(host, tuple):
        host = host[0]
    kwargs = {"host": host, "user": u.username or "postgres", "database": database or u.database}
    if u.port:
        kwargs["port"] = u.port
    if u.password:
        kwargs["password"] = u.password
    return kwargs


async def ensure_database(url: str) -> bool:
    """Create the URL's database if it is missing (dev and tests; compose's init script does it in prod)."""
    u = make_url(url)
    name = u.database
    conn = await asyncpg.connect(**asyncpg_connect_kwargs(u, database="postgres"))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        await conn.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        await conn.close()


async def drop_database(url: str) -> None:
    u = make_url(url)
    conn = await asyncpg.connect(**asyncpg_connect_kwargs(u, database="postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
    finally:
        await conn.close()


def with_database(url: str, database: str) -> str:
    """Same server, another database: used to give each service its own database."""
    return make_url(url).set(database=database).render_as_string(hide_password=False)
