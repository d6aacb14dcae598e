"""Switching the embedding model without a cold start (issue 14: "a model change re-encodes in the background while
the old vectors keep serving"): a preparation job encodes every indexed passage with the next model into the shared
store; the serving model keeps answering; a process started on the next model then loads vectors and encodes
nothing."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from pathlib import Path

import httpx
import numpy as np
import pytest

from services.matching.adapters.e5_model import ensure_model
from services.matching.adapters.retrieval import RetrievalIndex, passages_of
from services.matching.adapters.vector_store import text_key
from services.matching.domain.preparation import EmbeddingPreparation
from services.matching.service_layer.preparations import prepare_embeddings, request_preparation
from services.matching.spec import SPEC as MATCHING
from shared.auth import Principal
from shared.db import drop_database, with_database
from shared.errors import Conflict
from shared.service import bootstrap
from shared.service_cli import migrate
from shared.vocabulary import Role
from tests.conftest import service_settings
from tests.fakes import FakeRepository, FakeUnitOfWork
from tests.support import auth, eventually
from tests.test_matching_vectors import CountingEncoder, MemoryStore, researcher

PROVINCE = Principal(subject="province-ops", role=Role.PROVINCE)


class _Preparations(FakeRepository):
    async def active_for(self, model: str):
        return next((p for p in self.items.values() if p.model == model and p.status in ("queued", "running")), None)


class FakeJob:
    """What the job worker gives a handler: reads, progress, the final transaction."""

    def __init__(self, job: EmbeddingPreparation, people) -> None:
        self.job, self.progress_seen = job, []
        self.uow = FakeUnitOfWork(researchers=FakeRepository("researcher_id", people))

        async def everyone():
            return people

        self.uow.researchers.all = everyone

    async def progress(self, phase: str, done: int, total: int) -> None:
        self.progress_seen.append((phase, done, total))

    def reading(self):
        return self.uow

    @contextlib.asynccontextmanager
    async def finish(self):
        yield self.uow, self.job


async def test_a_preparation_encodes_only_passages_the_next_model_has_no_vector_for() -> None:
    """Resumable: what an interrupted attempt (or the platform before) stored is skipped; progress is passages."""
    people = [researcher("寒地作物"), researcher("大豆育种", 3)]  # 2 profiles + 5 papers
    store, next_model = MemoryStore(), CountingEncoder()
    next_model.model_id = "next-model"
    earlier = [item.text for item in passages_of(people[0])]
    vectors = await CountingEncoder().aencode_passages(earlier)
    await store.put("next-model", dict(zip(map(text_key, earlier), vectors, strict=True)))
    await store.put("serving-model", {text_key("大豆育种"): np.ones(8, dtype=np.float32)})  # another model's: no use
    job = EmbeddingPreparation.of("/models/next", requested_by="ops")
    job.start()

    async def load(model: str):
        assert model == "/models/next"
        return next_model

    context = FakeJob(job, people)
    await prepare_embeddings(job, context, store=store, encoder_for=load)
    assert sorted(next_model.encoded) == sorted(item.text for item in passages_of(people[1]))  # 4 new, 3 skipped
    assert context.progress_seen[0] == ("loading_model", 0, 0) and context.progress_seen[-1] == ("encoding", 4, 4)
    assert job.status == "succeeded" and job.model_id == "next-model"
    assert job.summary == {"passages": 7, "already_stored": 3, "encoded": 4}
    assert await store.missing("next-model", [text_key(i.text) for r in people for i in passages_of(r)]) == []


async def test_asking_twice_gives_the_same_job_and_a_model_must_be_named_and_new() -> None:
    uow = FakeUnitOfWork(preparations=_Preparations())
    first = await request_preparation("/models/next", "", PROVINCE, uow)
    again = await request_preparation("/models/next", "", PROVINCE, uow)
    assert again is first and len(uow.preparations.items) == 1
    with pytest.raises(Conflict) as unset:
        await request_preparation("", "", PROVINCE, uow)
    assert unset.value.code == "NO_NEXT_MODEL"
    with pytest.raises(Conflict) as same:
        await request_preparation("/models/e5", "/models/e5", PROVINCE, uow)
    assert same.value.code == "MODEL_ALREADY_SERVING"


@pytest.fixture
def renamed_model(tmp_path: Path) -> Path:
    """The default model's files under another folder without its marker: the same weights, another identity —
    to the platform a different model, whose vectors must be prepared."""
    target = tmp_path / "next-e5"
    target.mkdir()
    for item in ensure_model().iterdir():
        if item.name != "techbridge-model.json":
            (target / item.name).symlink_to(item)
    return target


@contextlib.contextmanager
def next_model_configured(handle, model: str):
    app = handle.service.app
    configured = app.state.dependencies
    app.state.dependencies = dataclasses.replace(configured, next_model=model)
    try:
        yield
    finally:
        app.state.dependencies = configured


@pytest.fixture
async def matching_to_switch(pg_server_url: str, broker, renamed_model: Path):
    """A matching service of its own (its own database: the preparation encodes every researcher there, only this
    test's) whose next model is ``renamed_model``; of its background work only the preparation worker runs (its
    consumers would join the platform's groups)."""
    url = with_database(pg_server_url, "test_matching_model_switch")
    await drop_database(url)
    await migrate(MATCHING.directory, url)
    settings = service_settings(
        "matching", url, broker.bootstrap, tansu=broker.is_embedded, embedding_model_next=str(renamed_model)
    )
    service = bootstrap(MATCHING, settings, role="api")
    worker = service.runtime.job_workers["matching-embedding-preparation-worker"]
    task = asyncio.create_task(worker.run())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app), base_url="http://matching")
    try:
        yield service, client
    finally:
        worker.stop()
        await asyncio.wait_for(task, 30)
        await client.aclose()
        await service.dependencies.engine.store.close()
        await service.runtime.stop()


async def test_the_next_model_is_prepared_in_the_background_and_a_process_on_it_encodes_nothing(
    matching_to_switch, renamed_model: Path
) -> None:
    service, client = matching_to_switch
    province = auth(Role.PROVINCE)
    engine = service.dependencies.engine
    people = [researcher(f"寒地作物{uuid.uuid4().hex[:6]}") for _ in range(2)]
    async with service.runtime.uow() as uow:
        for snapshot in people:
            await uow.researchers.upsert(snapshot)
        await uow.commit()
    serving = await engine.index()  # the serving model, loaded before (its vectors stay its own)

    assert (await client.post("/matching/v1/embedding-preparations", headers=auth(Role.SASAC))).status_code == 403
    response = await client.post("/matching/v1/embedding-preparations", headers=province)
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/matching/v1/embedding-preparations/{response.json()['id']}"
    preparation = response.json()

    async def done():
        found = (await client.get(response.headers["location"], headers=province)).json()
        return found if found["status"] in ("succeeded", "failed") else None

    finished = await eventually(done, timeout=600)
    assert finished["status"] == "succeeded", finished["error"]
    assert finished["progress_percent"] == 100.0 and finished["model"] == str(renamed_model)
    model_id = finished["model_id"]
    assert model_id and model_id != serving.encoder.model_id
    texts = [item.text for r in people for item in passages_of(r)]
    assert finished["summary"] == {"passages": len(texts), "already_stored": 0, "encoded": len(texts)}

    assert await engine.store.missing(model_id, map(text_key, texts)) == []  # every passage has its vector
    prepared = await engine.store.many(model_id, [text_key(texts[0])], serving.encoder.dim)
    current = await serving.encoder.aencode_passages([texts[0]])  # same weights: the same vector, really encoded
    assert float(prepared[text_key(texts[0])] @ current[0]) > 0.999

    class MustNotEncode(CountingEncoder):
        dim = serving.encoder.dim

        async def aencode_passages(self, texts: list[str]) -> np.ndarray:
            raise AssertionError(f"a process on the prepared model encoded {len(texts)} passages")

    switched = MustNotEncode()
    switched.model_id = model_id
    after_switch = RetrievalIndex(switched, engine.store)
    await after_switch.sync({r.researcher_id: r.version for r in people}, _loader(people))
    assert len(after_switch.items) == len(texts)
    assert engine.model == "" and (await engine.index()) is serving  # the serving model never stopped serving

    again = await client.post("/matching/v1/embedding-preparations", headers=auth(Role.OPS))
    assert again.status_code == 202 and again.json()["id"] != preparation["id"]  # the first one is done: a new one

    async def second_done():
        found = (await client.get(f"/matching/v1/embedding-preparations/{again.json()['id']}", headers=province)).json()
        return found if found["status"] == "succeeded" else None

    assert (await eventually(second_done, timeout=600))["summary"]["encoded"] == 0  # all stored: nothing to encode
    listed = (await client.get("/matching/v1/embedding-preparations?page_size=50", headers=auth(Role.OPS))).json()
    assert {preparation["id"], again.json()["id"]} <= {p["id"] for p in listed["items"]}


def _loader(people):
    async def load(ids):
        return {r.researcher_id: r for r in people if r.researcher_id in ids}

    return load


@pytest.mark.system
async def test_a_preparation_needs_a_configured_new_model_and_unknown_ones_are_404(platform) -> None:
    matching = platform["matching"]
    client, province = matching.client, auth(Role.PROVINCE)
    unset = await client.post("/matching/v1/embedding-preparations", headers=province)
    assert unset.status_code == 409 and unset.headers["content-type"].startswith("application/problem+json")
    assert unset.json()["code"] == "NO_NEXT_MODEL" and "MATCHING_EMBEDDING_MODEL_NEXT" in unset.json()["detail"]
    with next_model_configured(matching, matching.service.dependencies.engine.model):
        same = await client.post("/matching/v1/embedding-preparations", headers=province)
    assert same.status_code == 409 and same.json()["code"] == "NO_NEXT_MODEL"  # the default model is "": unset
    missing = await client.get(f"/matching/v1/embedding-preparations/{uuid.uuid4()}", headers=province)
    assert missing.status_code == 404 and missing.json()["code"] == "PREPARATION_NOT_FOUND"
    assert (await client.get("/matching/v1/embedding-preparations/x", headers=province)).status_code == 422
    assert (await client.get("/matching/v1/embedding-preparations", headers=auth(Role.SASAC))).status_code == 403
