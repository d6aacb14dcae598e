"""Due-date timers: "do this once, at or after that moment" — a public notice's end, a term's end, a window opening.

A timer is a row of the service's ``timers`` table, keyed by ``(kind, key)``: scheduling the same timer
again moves it (until it has fired), so use cases may schedule idempotently. The worker fires a due timer
by running its handler **in the same transaction** that marks it fired, with the row locked
(``FOR UPDATE SKIP LOCKED``): with two workers only one fires it; a crash mid-handler rolls both back and the
timer stays due; a timer whose moment passed while no worker ran fires at the next start. A handler that
keeps failing is retried with back-off, then set aside (``failed_at``) for ops after ``max_attempts``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.jobs.loop import WakeableLoop
from shared.messaging.tables import MessagingTables
from shared.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timer:
    id: int
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]
    attempts: int = 0


TimerHandler = Callable[[Any, Timer], Awaitable[None]]  # (unit of work, timer); runs inside the firing transaction


class TimerRepository:
    """SQL of the ``timers`` table, on the session of a unit of work."""

    def __init__(self, session: AsyncSession, tables: MessagingTables) -> None:
        self.session, self.t = session, tables.timers
        self.scheduled = False  # a commit that scheduled timers wakes this process's timer worker

    async def schedule(self, kind: str, key: str, due_at: datetime, payload: Mapping[str, Any] | None = None) -> bool:
        """Schedule (or move) the timer ``(kind, key)``; False when it has already fired (it fires once)."""
        stmt = pg_insert(self.t).values(kind=kind, key=key, due_at=due_at, payload=dict(payload or {}))
        stmt = stmt.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={
                "due_at": due_at,
                "payload": stmt.excluded.payload,
                "attempts": 0,
                "last_error": None,
                "failed_at": None,
            },
            where=self.t.c.fired_at.is_(None),
        ).returning(self.t.c.id)
        moved = (await self.session.execute(stmt)).first() is not None
        self.scheduled = self.scheduled or moved
        return moved

    async def cancel(self, kind: str, key: str) -> bool:
        """Cancel a timer that has not fired; True if there was one."""
        result = await self.session.execute(
            delete(self.t).where(self.t.c.kind == kind, self.t.c.key == key, self.t.c.fired_at.is_(None))
        )
        return bool(result.rowcount)

    async def get(self, kind: str, key: str) -> dict | None:
        row = (await self.session.execute(select(self.t).where(self.t.c.kind == kind, self.t.c.key == key))).first()
        return dict(row._mapping) if row else None

    async def claim_due(self) -> Timer | None:
        """The most overdue pending timer, locked; concurrent workers skip each other's."""
        t = self.t
        stmt = (
            select(t.c.id, t.c.kind, t.c.key, t.c.due_at, t.c.payload, t.c.attempts)
            .where(t.c.fired_at.is_(None), t.c.failed_at.is_(None), t.c.due_at <= func.now())
            .order_by(t.c.due_at, t.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = (await self.session.execute(stmt)).first()
        return Timer(**row._mapping) if row else None

    async def mark_fired(self, timer: Timer) -> None:
        await self.session.execute(update(self.t).where(self.t.c.id == timer.id).values(fired_at=func.now()))

    async def record_failure(self, timer: Timer, error: str, *, retry_at: datetime | None) -> None:
        """Count a failed firing: due again at ``retry_at``, or set aside for ops when None."""
        values: dict[str, Any] = {"attempts": self.t.c.attempts + 1, "last_error": error[:2000]}
        if retry_at is None:
            values["failed_at"] = func.now()
        else:
            values["due_at"] = retry_at
        await self.session.execute(update(self.t).where(self.t.c.id == timer.id).values(**values))

    async def next_due(self) -> datetime | None:
        t = self.t
        stmt = select(func.min(t.c.due_at)).where(t.c.fired_at.is_(None), t.c.failed_at.is_(None))
        return (await self.session.execute(stmt)).scalar_one()

    async def failed(self, limit: int, offset: int) -> tuple[list[dict], int]:
        cond = self.t.c.failed_at.is_not(None)
        total = (await self.session.execute(select(func.count()).select_from(self.t).where(cond))).scalar_one()
        rows = await self.session.execute(
            select(self.t).where(cond).order_by(self.t.c.failed_at.desc()).limit(limit).offset(offset)
        )
        return [dict(r._mapping) for r in rows], int(total)

    async def retry(self, timer_id: int) -> bool:
        """Ops: give a set-aside timer another round of attempts, due now."""
        result = await self.session.execute(
            update(self.t)
            .where(self.t.c.id == timer_id, self.t.c.failed_at.is_not(None))
            .values(failed_at=None, attempts=0, due_at=func.now())
        )
        return bool(result.rowcount)


class TimerWorker(WakeableLoop):
    """Fires the due timers of one service. Handlers are looked up by the timer's ``kind``."""

    name = "timers"

    def __init__(
        self,
        uow_factory: Callable[[], Any],
        handlers: Mapping[str, TimerHandler],
        *,
        poll_seconds: float = 1.0,
        max_attempts: int = 5,
        retry_backoff_seconds: float = 5.0,
    ) -> None:
        super().__init__(poll_seconds)
        self.uow_factory, self.handlers = uow_factory, dict(handlers)
        self.max_attempts, self.backoff = max_attempts, retry_backoff_seconds

    async def fire_one(self) -> bool:
        """Fire the most overdue timer; False when none is due."""
        async with self.uow_factory() as uow:
            timer = await uow.timers.claim_due()
            if timer is None:
                return False
            handler = self.handlers.get(timer.kind)
            try:
                if handler is None:
                    raise LookupError(f"no handler for timers of kind {timer.kind!r}")
                async with uow.savepoint():  # the handler's writes and events, undone alone if it fails
                    await handler(uow, timer)
                await uow.timers.mark_fired(timer)
                log.info("timer fired", extra={"kind": timer.kind, "key": timer.key, "due_at": str(timer.due_at)})
            except Exception as exc:
                attempts = timer.attempts + 1
                give_up = handler is None or attempts >= self.max_attempts
                retry_at = None if give_up else utcnow() + timedelta(seconds=self.backoff * 2 ** (attempts - 1))
                await uow.timers.record_failure(timer, f"{type(exc).__name__}: {exc}", retry_at=retry_at)
                log.log(
                    logging.ERROR if give_up else logging.WARNING,
                    "timer handler failed" + ("; set aside for ops" if give_up else "; will retry"),
                    extra={"kind": timer.kind, "key": timer.key, "attempts": attempts, "error": repr(exc)},
                )
            await uow.commit()
            return True

    async def step(self) -> bool:
        return await self.fire_one()

    async def idle_seconds(self) -> float:
        """Until the next timer is due, at most the poll interval (a floor: no spinning on one another worker holds)."""
        async with self.uow_factory() as uow:
            due = await uow.timers.next_due()
        if due is None:
            return self.poll_seconds
        return min(self.poll_seconds, max(0.05, (due - utcnow()).total_seconds()))
