"""The job runner: claims queued matching runs and executes them, one at a time per process.

Several processes may run it: a run is claimed with ``FOR UPDATE SKIP LOCKED`` and heart-beats as it
progresses; a run whose worker died is taken over after the lease expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from services.matching.service_layer import runs
from services.matching.service_layer.engine import MatchingEngine
from services.matching.service_layer.runs import MatchingPolicy
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork

log = logging.getLogger(__name__)


class RunWorker:
    name = "matching-run-worker"

    def __init__(
        self,
        uow_factory: Callable[[], MatchingUnitOfWork],
        engine: MatchingEngine,
        policy: MatchingPolicy,
        *,
        poll_seconds: float = 0.25,
        lease_seconds: float = 300,
    ) -> None:
        self.uow_factory, self.engine, self.policy = uow_factory, engine, policy
        self.poll_seconds, self.lease = poll_seconds, timedelta(seconds=lease_seconds)
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Called when a run is requested in this process, so it starts without waiting for the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run_once(self) -> bool:
        """Claim and execute one run; False when there was none."""
        run_id = await runs.claim_next_run(self.uow_factory, self.lease)
        if run_id is None:
            return False
        log.info("matching run started", extra={"run_id": str(run_id)})
        try:
            await runs.execute_run(run_id, self.uow_factory, self.engine, self.policy)
            log.info("matching run finished", extra={"run_id": str(run_id)})
        except runs.RunDeferred as deferred:
            log.info("matching run deferred", extra={"run_id": str(run_id), "reason": deferred.reason})
            await runs.defer_run(self.uow_factory, run_id, deferred.reason)
            return True  # other runs may be runnable now; this one waits until its not_before
        except asyncio.CancelledError:
            # Shutting down mid-run: hand the run back at once rather than after the lease expires.
            await asyncio.shield(runs.requeue_run(self.uow_factory, run_id))
            raise
        except Exception as exc:
            log.exception("matching run failed", extra={"run_id": str(run_id)})
            await runs.fail_run(self.uow_factory, run_id, f"{type(exc).__name__}: {exc}")
        return True

    async def run(self) -> None:
        while not self._stopping:
            try:
                if await self.run_once():
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:  # database briefly unreachable: keep the loop alive
                log.exception("matching run worker error")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
