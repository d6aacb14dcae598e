"""Helpers for the system tests: tokens, polling, a handle on the running platform."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from devstack.inprocess import InProcessPlatform
from shared.auth import Bureau, Principal, Role, mint_token

TEST_JWT_SECRET = "test-secret-not-used-anywhere-else-0123456789"
T = TypeVar("T")


@contextlib.contextmanager
def server_data_dir(prefix: str) -> Iterator[Path]:
    """A folder for a PostgreSQL the tests start, outside pytest's own temporary tree.

    The embedded server runs as an unprivileged user that must reach its data folder; pytest makes
    ``/tmp/pytest-of-<user>`` private again whenever any pytest session starts, which would cut a running
    server off its files (it dies at its next file access). A folder of its own is unaffected."""
    path = Path(tempfile.mkdtemp(prefix=f"techbridge-{prefix}-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def token(role: Role | str, *, secret: str = TEST_JWT_SECRET, ttl_s: int = 3600, **claims: Any) -> str:
    role = Role(role)
    claims.setdefault("subject", f"user-{role.value}-{time.monotonic_ns()}")
    if role is Role.CITY_BUREAU:
        claims.setdefault("bureau", Bureau.SCIENCE_TECH)
    return mint_token(Principal(role=role, **claims), secret=secret, ttl_s=ttl_s)


def auth(role: Role | str, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, **claims)}"}


async def eventually(
    check: Callable[[], Awaitable[T | None]], *, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"
) -> T:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


Platform = InProcessPlatform


async def outbox_event_types(platform: InProcessPlatform, service: str, key: str) -> list[str]:
    """The types of the events ``service`` wrote to its outbox for aggregate ``key``, in commit order."""
    from sqlalchemy import select

    from shared.db import create_engine, session_factory

    tables = platform[service].runtime.tables
    engine = create_engine(platform[service].database_url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            stmt = (
                select(tables.outbox.c.event_type)
                .where(tables.outbox.c.message_key == key)
                .order_by(tables.outbox.c.seq)
            )
            return [t.rsplit(".", 2)[-2] for t in (await session.execute(stmt)).scalars()]
    finally:
        await engine.dispose()


async def assert_admits_exactly(
    client: Any, method: str, path: str, body: Any, admitted: set[str], roles: set[str], headers_for: Callable
) -> None:
    """The role × endpoint check of the access matrices: each admitted role passes the role check (whatever the
    request then answers, never a 5xx), every other role is 403 ROLE_FORBIDDEN, and no token is 401."""
    for role in sorted(roles):
        response = await client.request(method, path, json=body, headers=headers_for(role))
        if role in admitted:
            assert response.status_code != 401 and response.status_code < 500, (role, response.text)
            assert response.status_code != 403 or response.json()["code"] != "ROLE_FORBIDDEN", (role, response.text)
        else:
            assert response.status_code == 403, (role, response.status_code, response.text)
            assert response.json()["code"] == "ROLE_FORBIDDEN"
    assert (await client.request(method, path, json=body)).status_code == 401
