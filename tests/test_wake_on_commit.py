"""Workers wake at other processes' commits (issue 14): a commit that scheduled a timer (or wrote events, or queued
a job) sends NOTIFY with it, and a listening process hears it; a rolled-back transaction sends nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from devstack.inprocess import service_settings
from shared.db import drop_database, with_database
from shared.messaging.notify import TIMERS, WakeListener, payload
from shared.runtime import ServiceRuntime
from shared.service_cli import migrate
from tests.support import TEST_JWT_SECRET, eventually


def test_the_payload_names_what_was_committed() -> None:
    class Run:  # a job entity
        pass

    assert payload(2, True, frozenset({Run})) == "outbox,timers,job:Run"
    assert payload(0, False, frozenset()) == ""


async def test_a_commit_in_one_process_wakes_the_listeners_of_another(pg_server_url: str) -> None:
    from services.intake.spec import SPEC

    # A database of its own: the session's services commit to theirs, and this listener must hear only this test.
    url = with_database(pg_server_url, "test_wake_on_commit")
    await drop_database(url)
    await migrate(SPEC.directory, url)
    settings = service_settings(SPEC, url, "127.0.0.1:9", tansu=True, jwt_secret=TEST_JWT_SECRET)
    writer = ServiceRuntime(settings, SPEC.tables, SPEC.unit_of_work)  # "another process": nothing started
    heard: list[set[str]] = []
    listener = WakeListener(settings.database_url, heard.append)
    task = asyncio.create_task(listener.run())
    try:
        await asyncio.wait_for(listener.listening.wait(), timeout=30)
        heard.clear()  # the listener looks once when it (re)connects

        async with writer.uow() as uow:  # rolled back: no notification
            await uow.timers.schedule("test.wake", uuid.uuid4().hex, datetime(2099, 1, 1, tzinfo=UTC))
        async with writer.uow() as uow:
            await uow.timers.schedule("test.wake", uuid.uuid4().hex, datetime(2099, 1, 1, tzinfo=UTC))
            await uow.commit()

        await eventually(lambda: _ready(heard), timeout=30, what="the listener hears the commit")
        assert heard == [{TIMERS}]  # one commit, one notification
    finally:
        listener.stop()
        await asyncio.wait_for(task, timeout=10)
        await writer.engine.dispose()


async def _ready(heard: list) -> bool:
    await asyncio.sleep(0)
    return bool(heard)
