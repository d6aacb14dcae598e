"""Workers wake at other processes' commits (issue 14): a commit that scheduled a timer (or wrote events, or queued
a job) sends NOTIFY with it, and a listening process hears it; a rolled-back transaction sends nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from devstack.inprocess import service_settings
from shared.messaging.notify import TIMERS, WakeListener, payload
from shared.runtime import ServiceRuntime
from tests.support import TEST_JWT_SECRET, eventually


def test_the_payload_names_what_was_committed() -> None:
    class Run:  # a job entity
        pass

    assert payload(2, True, frozenset({Run})) == "outbox,timers,job:Run"
    assert payload(0, False, frozenset()) == ""


async def test_a_commit_in_one_process_wakes_the_listeners_of_another(service_databases) -> None:
    from services.intake.spec import SPEC

    settings = service_settings(
        SPEC, service_databases["intake"], "127.0.0.1:9", tansu=True, jwt_secret=TEST_JWT_SECRET
    )
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
