"""The loop every background worker runs: one step at a time, a nap when idle, woken early by its own process."""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)


class WakeableLoop:
    """Subclasses set ``name`` and implement ``step`` (True: it did something, so go on at once)."""

    name = "worker"

    def __init__(self, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Something to do was committed in this process: do not wait for the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def step(self) -> bool:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    async def idle_seconds(self) -> float:
        """How long to nap when there was nothing to do (a timer worker naps until the next due moment)."""
        return self.poll_seconds

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()  # before the step: a wake that arrives during it is not lost
            try:
                if await self.step():
                    continue
                nap = await self.idle_seconds()
            except asyncio.CancelledError:
                raise
            except Exception:  # e.g. the database is briefly unreachable: keep the loop alive
                log.exception("background worker error", extra={"worker": self.name})
                nap = self.poll_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=nap)
