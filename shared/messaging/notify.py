"""Waking other processes' workers on commit: PostgreSQL ``LISTEN``/``NOTIFY`` on the service's own database.

A commit that wrote outbox rows, scheduled timers or queued a job sends ``NOTIFY techbridge_wake`` in the same
transaction (PostgreSQL delivers it only if the transaction commits). Every process running background work
listens and wakes the matching worker at once — the API process's events reach the worker's relay without
waiting for its next poll. Polling stays, as the fallback for a notification lost while a listener reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

CHANNEL = "techbridge_wake"
OUTBOX, TIMERS, JOB = "outbox", "timers", "job:"  # payload words: what was committed


def payload(events: int, timers: bool, new_entities: frozenset[type]) -> str:
    words = ([OUTBOX] if events else []) + ([TIMERS] if timers else [])
    words += sorted(JOB + entity.__name__ for entity in new_entities)
    return ",".join(words)


def asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class WakeListener:
    """Holds one listening connection to the service's database; reconnects after ``retry_s`` when it drops."""

    name = "wake-listener"

    def __init__(self, database_url: str, on_wake: Callable[[set[str]], None], *, retry_s: float = 2.0) -> None:
        self.dsn = asyncpg_dsn(database_url)
        self.on_wake = on_wake
        self.retry_s = retry_s
        self.listening = asyncio.Event()  # set while a connection listens (tests and readiness may wait for it)
        self._stop = asyncio.Event()
        self._dropped = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    def _terminated(self, connection: object) -> None:
        self._dropped.set()

    def _notified(self, connection: object, pid: int, channel: str, message: str) -> None:
        self.on_wake({w for w in message.split(",") if w})

    async def run(self) -> None:
        while not self._stop.is_set():
            connection = None
            try:
                connection = await asyncpg.connect(self.dsn)
                self._dropped = asyncio.Event()
                connection.add_termination_listener(self._terminated)
                await connection.add_listener(CHANNEL, self._notified)
                self.listening.set()
                self.on_wake({OUTBOX, TIMERS})  # anything committed while nobody listened is looked at now
                stop, dropped = asyncio.create_task(self._stop.wait()), asyncio.create_task(self._dropped.wait())
                await asyncio.wait({stop, dropped}, return_when=asyncio.FIRST_COMPLETED)
                for task in (stop, dropped):
                    task.cancel()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: the workers keep polling meanwhile
                log.warning("wake listener disconnected", extra={"error": repr(exc)})
            finally:
                self.listening.clear()
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=2)
            if not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), timeout=self.retry_s)
