"""Matching's job queues (``shared.jobs``): matching runs and embedding-model preparations; claiming, take-over and
listing come from the shared base."""

from __future__ import annotations

from services.matching.adapters.orm import embedding_preparations, matching_runs
from services.matching.domain.preparation import EmbeddingPreparation
from services.matching.domain.run import MatchingRun
from shared.jobs.lifecycle import JobStatus
from shared.jobs.queue import JobRepository


class RunRepository(JobRepository[MatchingRun]):
    entity, table = MatchingRun, matching_runs


class PreparationRepository(JobRepository[EmbeddingPreparation]):
    entity, table = EmbeddingPreparation, embedding_preparations

    async def active_for(self, model: str) -> EmbeddingPreparation | None:
        """The preparation of ``model`` queued or running, if any (asking twice does not start two)."""
        t = self.table
        active = t.c.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value])
        return await self.one_or_none(self.select().where(t.c.model == model, active).limit(1))
