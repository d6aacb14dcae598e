"""The matching service as the composition root sees it (``shared.service``)."""

import asyncio
from functools import partial
from pathlib import Path

from services.matching.adapters.lexical import tokenize
from services.matching.adapters.orm import messaging
from services.matching.domain import proposal, run
from services.matching.domain.preparation import EmbeddingPreparation
from services.matching.domain.run import MatchingRun
from services.matching.entrypoints.consumers import consumer_specs
from services.matching.entrypoints.deps import MatchingDependencies
from services.matching.entrypoints.routes import candidates, needs, overrides, preparations, proposals, runs
from services.matching.service_layer.preparations import prepare_embeddings
from services.matching.service_layer.ranking import researcher_pool
from services.matching.service_layer.rematching import REMATCH_SWEEP, rematch_outgrown_needs
from services.matching.service_layer.run_execution import execute_run
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from services.matching.settings import MatchingSettings
from shared.jobs.worker import JobSpec
from shared.service import ServiceSpec


async def warm_up(runtime, deps: MatchingDependencies) -> None:
    """A new API replica loads the model and brings its index in step with the researcher copies (stored vectors,
    stored words) before it takes traffic: its first ranking is then as fast as any other."""
    async with runtime.uow() as uow:
        pool = await researcher_pool(uow, deps.engine)
    if pool.index.items:  # BM25 over every passage's stored words (about a second at 10k)
        await asyncio.to_thread(pool.index.lexical)
    await asyncio.to_thread(tokenize, "预热")  # jieba loads its dictionary at its first segmentation (~0.7 s)
    await pool.index.encoder.aencode_queries(["预热"])  # the first encoding allocates what later ones reuse


def job_specs(settings: MatchingSettings, deps: MatchingDependencies) -> list[JobSpec]:
    """Matching runs (R-F2) and embedding-model preparations as durable jobs; one requested in this process starts
    at once."""
    return [
        JobSpec(
            name="matching-run-worker",
            label="匹配任务",
            queue=lambda uow: uow.runs,
            handler=partial(execute_run, engine=deps.engine, policy=deps.policy),
            entity=MatchingRun,
            lease_seconds=settings.run_lease_seconds,
            poll_seconds=settings.run_poll_seconds,
        ),
        JobSpec(
            name="matching-embedding-preparation-worker",
            label="向量模型预编码任务",
            queue=lambda uow: uow.preparations,
            handler=partial(prepare_embeddings, store=deps.engine.store),
            entity=EmbeddingPreparation,
            lease_seconds=settings.run_lease_seconds,
            poll_seconds=max(settings.run_poll_seconds, 5.0),  # rare: a commit in this process wakes it anyway
        ),
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
    routers=[r.router for r in (needs, runs, proposals, candidates, overrides, preparations)],
    dependencies=MatchingDependencies.from_settings,
    consumers=consumer_specs,
    jobs=job_specs,
    timers={REMATCH_SWEEP: rematch_outgrown_needs},
    warm_up=warm_up,
    labels=[proposal.LABELS, run.LABELS],
)
