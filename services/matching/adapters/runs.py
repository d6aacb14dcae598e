"""Matching runs as a job queue (``shared.jobs``): claiming, take-over and listing come from the shared base."""

from __future__ import annotations

from services.matching.adapters.orm import matching_runs
from services.matching.domain.run import MatchingRun
from shared.jobs.queue import JobRepository


class RunRepository(JobRepository[MatchingRun]):
    entity, table = MatchingRun, matching_runs
