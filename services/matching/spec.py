"""The matching service as the composition root sees it (``shared.service``)."""

from functools import partial
from pathlib import Path

from services.matching.adapters.orm import messaging
from services.matching.domain import proposal, run
from services.matching.domain.run import MatchingRun
from services.matching.entrypoints.consumers import consumer_specs
from services.matching.entrypoints.deps import MatchingDependencies
from services.matching.entrypoints.routes import candidates, needs, overrides, proposals, runs
from services.matching.service_layer.rematching import REMATCH_SWEEP, rematch_outgrown_needs
from services.matching.service_layer.run_execution import execute_run
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from services.matching.settings import MatchingSettings
from shared.jobs.worker import JobSpec
from shared.service import ServiceSpec


def job_specs(settings: MatchingSettings, deps: MatchingDependencies) -> list[JobSpec]:
    """Matching runs (R-F2) as durable jobs; a run requested in this process starts at once."""
    return [
        JobSpec(
            name="matching-run-worker",
            label="匹配任务",
            queue=lambda uow: uow.runs,
            handler=partial(execute_run, engine=deps.engine, policy=deps.policy),
            entity=MatchingRun,
            lease_seconds=settings.run_lease_seconds,
            poll_seconds=settings.run_poll_seconds,
        )
    ]


SPEC = ServiceSpec(
    name="matching",
    port=8002,
    title="TechBridge 智能匹配服务 (matching)",
    description="技术需求与科研人员的智能匹配（R-F2）。",
    settings=MatchingSettings,
    tables=messaging,
    unit_of_work=MatchingUnitOfWork,
    directory=Path(__file__).parent,
    routers=[r.router for r in (needs, runs, proposals, candidates, overrides)],
    dependencies=MatchingDependencies.from_settings,
    consumers=consumer_specs,
    jobs=job_specs,
    timers={REMATCH_SWEEP: rematch_outgrown_needs},
    labels=[proposal.LABELS, run.LABELS],
)
