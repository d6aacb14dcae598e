"""A new API process readies what its first request would wait for before it reports ready (issue 14): matching
loads the model and builds its index from the stored vectors and words; /readyz answers 503 "warming up" meanwhile,
so no traffic reaches a replica that would make it wait; a failed warm-up never keeps a replica out."""

from __future__ import annotations

import asyncio

import pytest

from services.intake.spec import SPEC as INTAKE
from services.matching.spec import SPEC as MATCHING
from shared.service import bootstrap
from tests.factories import researcher_snapshot
from tests.support import Platform

UNREACHABLE = dict(
    database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none",
    kafka_bootstrap_servers="127.0.0.1:1",
    auth_hs256_secret="s" * 40,
)


async def test_readiness_waits_for_the_warm_up_and_not_for_a_failed_one() -> None:
    runtime = bootstrap(INTAKE, INTAKE.settings(**UNREACHABLE), role="api").runtime
    assert "warm_up" not in await runtime.readiness()  # no warm-up configured: no such check
    release = asyncio.Event()

    async def slow() -> None:
        await release.wait()

    runtime.start_warm_up(slow)
    assert (await runtime.readiness())["warm_up"].startswith("warming up")
    release.set()
    await asyncio.sleep(0)
    await asyncio.wait_for(runtime._warm_up, timeout=60)
    assert (await runtime.readiness())["warm_up"] == "ok"

    async def broken() -> None:
        raise RuntimeError("model missing")

    runtime.start_warm_up(broken)
    await asyncio.wait_for(runtime._warm_up, timeout=60)  # logged, not raised
    assert (await runtime.readiness())["warm_up"] == "ok"  # requests load what they need themselves
    await runtime.stop()


def test_only_api_processes_of_a_service_with_a_warm_up_start_one() -> None:
    settings = MATCHING.settings(**UNREACHABLE)
    assert MATCHING.warm_up is not None and INTAKE.warm_up is None
    assert settings.warm_up_on_start  # the default: a replica takes traffic warm


@pytest.mark.system
async def test_matching_warm_up_loads_the_model_and_builds_the_index(platform: Platform) -> None:
    matching = platform["matching"]
    engine = matching.service.dependencies.engine
    async with matching.runtime.uow() as uow:  # a researcher in the pool (matching's copy, as its consumer keeps it)
        await uow.researchers.upsert(researcher_snapshot())
        await uow.commit()
    await MATCHING.warm_up(matching.runtime, matching.service.dependencies)
    index = await engine.index()
    assert engine._watermark is not None  # in step with the researcher copies
    assert index._lexical is not None  # BM25 built: the first ranking does not build it
