"""SQL of a job queue: any table carrying the ``job_columns()`` of a mapped ``Job`` subclass."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text, func, select

from shared.db import string_enum
from shared.jobs.lifecycle import Job, JobStatus
from shared.pagination import PageParams
from shared.repository import Repository
from shared.timeutil import utcnow

J = TypeVar("J", bound=Job)


def job_columns() -> list[Column]:
    """The lifecycle columns of ``Job`` for a service's job table (status, progress, lease)."""
    ts = DateTime(timezone=True)
    return [
        Column("status", string_enum(JobStatus, length=20), nullable=False),
        Column("phase", String(40), nullable=False),
        Column("progress_done", Integer, nullable=False),
        Column("progress_total", Integer, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("error", Text),
        Column("created_at", ts, nullable=False),
        Column("started_at", ts),
        Column("finished_at", ts),
        Column("heartbeat_at", ts),
        Column("not_before", ts),
    ]


def job_index(table: Table) -> Index:
    """What ``claim_next`` scans: jobs by status, oldest first."""
    return Index(f"ix_{table.name}_status_created_at", table.c.status, table.c.created_at)


class JobRepository(Repository[J]):
    """Claiming and listing jobs of one kind; subclasses set ``entity`` and ``table``."""

    async def claim_next(self, lease: timedelta) -> J | None:
        """The oldest runnable job — queued and due, or running with a heartbeat older than ``lease`` (its
        worker died) — locked with SKIP LOCKED so that concurrent workers never take the same job."""
        t = self.table
        stale = utcnow() - lease
        queued = (t.c.status == JobStatus.QUEUED.value) & (t.c.not_before.is_(None) | (t.c.not_before <= func.now()))
        orphaned = (t.c.status == JobStatus.RUNNING.value) & (t.c.heartbeat_at < stale)
        stmt = self.select().where(queued | orphaned).order_by(t.c.created_at).limit(1)
        return await self.one_or_none(stmt.with_for_update(skip_locked=True))

    async def active_count(self) -> int:
        """Jobs queued or running."""
        t = self.table
        active = t.c.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value])
        return int((await self.session.execute(select(func.count()).select_from(t).where(active))).scalar_one())

    async def page_by_status(self, page: PageParams, status: JobStatus | None = None) -> tuple[list[J], int]:
        stmt = self.select()
        if status is not None:
            stmt = stmt.where(self.table.c.status == status.value)
        return await self.page(stmt, page, [self.table.c.created_at.desc(), *self.table.primary_key.columns])
