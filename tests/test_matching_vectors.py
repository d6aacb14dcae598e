"""Encode once, share the vectors (issue 14): a passage's vector is stored by (model, text) and every process — the
worker, an API replica, a restarted one — loads it instead of encoding it again; a changed text is encoded alone."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from services.matching.adapters import retrieval
from services.matching.adapters.retrieval import RetrievalIndex
from services.matching.adapters.vector_store import VectorStore, text_key
from shared.events.contracts import AchievementSnapshot
from tests.factories import researcher_snapshot


class CountingEncoder:
    """Stands in for the model: a deterministic vector per text, and a count of what it was asked to encode."""

    dim, model_id = 8, "test-model"

    def __init__(self) -> None:
        self.encoded: list[str] = []

    async def aencode_passages(self, texts: list[str]) -> np.ndarray:
        self.encoded += texts
        rows = [np.random.default_rng(int.from_bytes(text_key(t)[:8], "big")).normal(size=self.dim) for t in texts]
        return np.asarray([r / np.linalg.norm(r) for r in rows], dtype=np.float32)


class MemoryStore:
    """The store's contract in memory (the PostgreSQL one is tested below on the real database)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, bytes], np.ndarray] = {}

    async def many(self, model_id, keys, dim):
        return {k: self.rows[(model_id, k)] for k in keys if (model_id, k) in self.rows}

    async def put(self, model_id, rows):
        for k, v in rows.items():
            self.rows.setdefault((model_id, k), v)

    async def missing(self, model_id, keys):
        return [k for k in keys if (model_id, k) not in self.rows]

    async def tokens_many(self, tokenizer, keys):
        return {k: self.rows[(tokenizer, k)] for k in keys if (tokenizer, k) in self.rows}

    async def put_tokens(self, tokenizer, rows):
        for k, v in rows.items():
            self.rows.setdefault((tokenizer, k), v)


def researcher(field: str, n_papers: int = 2):
    papers = [
        AchievementSnapshot(achievement_id=uuid.uuid4(), kind="paper", title=f"{field}研究{i}", summary="摘要",
                            year=2024, keywords=["寒地"])
        for i in range(n_papers)
    ]  # fmt: skip
    return researcher_snapshot(disciplines=["作物学"], research_fields=field, achievements=papers)


async def test_a_second_process_loads_the_stored_vectors_and_encodes_only_what_changed(monkeypatch) -> None:
    store, people = MemoryStore(), [researcher("寒地作物"), researcher("大豆育种", 3)]
    versions = {r.researcher_id: r.version for r in people}

    async def load(ids):
        return {r.researcher_id: r for r in people if r.researcher_id in ids}

    first = RetrievalIndex(CountingEncoder(), store)
    await first.sync(versions, load)
    assert len(first.encoder.encoded) == 7  # two profiles and five papers, encoded once
    twin = RetrievalIndex(CountingEncoder(), MemoryStore())
    await twin.sync({people[0].researcher_id: 1}, load)
    await twin.passage_vectors(["同一文本", "同一文本"])
    assert twin.encoder.encoded.count("同一文本") == 1  # the same text twice is encoded once

    replica = RetrievalIndex(CountingEncoder(), store)  # another process, same database
    segmented: list[str] = []
    monkeypatch.setattr(retrieval, "tokenize", lambda text: segmented.append(text) or [])
    await replica.sync(versions, load)
    assert replica.encoder.encoded == [] and segmented == []  # neither encoded nor segmented again
    assert replica.lexical().search("寒地作物研究", 3)  # BM25 built from the stored words
    query = first.vectors.vector(1)
    assert np.array_equal(replica.vectors.search(query, 3)[1], first.vectors.search(query, 3)[1])

    changed = people[0].model_copy(update={"research_fields": "寒地作物抗寒育种", "version": 2})
    people[0] = changed
    await replica.sync({**versions, changed.researcher_id: 2}, load)
    assert replica.encoder.encoded == ["作物学。寒地作物抗寒育种"]  # the profile text changed; its papers did not


async def test_the_database_store_keeps_vectors_exactly_and_ignores_a_second_writer(service_databases) -> None:
    store = VectorStore(service_databases["matching"])
    try:
        key, other = text_key(f"文本{uuid.uuid4()}"), text_key(f"文本{uuid.uuid4()}")
        vector = np.random.default_rng(7).normal(size=384).astype(np.float32)
        await store.put("model-a", {key: vector})
        await store.put("model-a", {key: np.zeros(384, dtype=np.float32)})  # a racing process: first write wins
        found = await store.many("model-a", [key, other], 384)
        assert list(found) == [key] and np.array_equal(found[key], vector)  # bit for bit
        assert await store.many("model-b", [key], 384) == {}  # vectors of two models never mix
        assert await store.many("model-a", [key], 768) == {}  # a stored vector of another shape is not used
        await store.put_tokens("jieba-test", {key: ["寒地", "秸秆"], other: []})
        assert await store.tokens_many("jieba-test", [key, other]) == {key: ["寒地", "秸秆"], other: []}
        assert await store.tokens_many("jieba-other", [key]) == {}  # another tokenizer's words are not reused
    finally:
        await store.close()


async def test_a_need_is_encoded_once_per_text_and_again_when_it_changes() -> None:
    class QueryEncoder(CountingEncoder):
        async def aencode_queries(self, texts: list[str]) -> np.ndarray:
            vectors = await super().aencode_passages(texts)
            self.encoded[-len(texts) :] = [f"query:{t}" for t in texts]
            return vectors

    index = RetrievalIndex(QueryEncoder(), MemoryStore())
    first = await index.query_vector("寒地玉米秸秆低温发酵")
    again = await index.query_vector("寒地玉米秸秆低温发酵")
    assert np.array_equal(first, again) and index.encoder.encoded == ["query:寒地玉米秸秆低温发酵"]
    await index.query_vector("寒地玉米秸秆低温发酵。耐寒菌种")  # the need was edited: a new text
    assert len(index.encoder.encoded) == 2


async def test_the_live_ranking_reads_no_versions_while_the_copies_are_unchanged() -> None:
    from services.matching.adapters.retrieval import MatchingEngine

    people = [researcher("寒地作物")]
    reads: list[str] = []

    async def versions():
        reads.append("versions")
        return {r.researcher_id: r.version for r in people}

    async def load(ids):
        return {r.researcher_id: r for r in people if r.researcher_id in ids}

    engine = MatchingEngine(store=MemoryStore())
    engine._index = RetrievalIndex(CountingEncoder(), engine.store)  # the model itself is not needed here
    await engine.in_step((1, 1), versions, load)
    await engine.in_step((1, 1), versions, load)
    assert reads == ["versions"]  # one read while nothing changed
    people.append(researcher("大豆育种"))
    index = await engine.in_step((2, 2), versions, load)
    assert reads == ["versions", "versions"] and len(index.snapshots) == 2


async def test_encoding_reports_its_progress_batch_by_batch_and_stores_each_batch() -> None:
    store = MemoryStore()
    seen: list = []

    class Watching(CountingEncoder):
        async def aencode_passages(self, texts: list[str]) -> np.ndarray:
            seen.append((index.encoding, len(store.rows)))  # before this batch: progress so far, batches stored
            return await super().aencode_passages(texts)

    index = RetrievalIndex(Watching(), store)
    await index.passage_vectors([f"成果{i}" for i in range(600)])
    assert seen == [((0, 600), 0), ((256, 600), 256), ((512, 600), 512)]
    assert index.encoding is None and len(store.rows) == 600


async def test_a_submitted_need_is_encoded_in_the_background_once_submissions_pause(monkeypatch) -> None:
    import asyncio

    from services.matching.adapters.retrieval import MatchingEngine

    class QueryEncoder(CountingEncoder):
        async def aencode_queries(self, texts: list[str]) -> np.ndarray:
            self.encoded += [f"query:{t}" for t in texts]
            return np.ones((len(texts), self.dim), dtype=np.float32)

    cold = MatchingEngine(store=MemoryStore())
    cold.warm("寒地玉米秸秆低温发酵")  # no model loaded yet: a consumer never loads it for this
    assert cold._index is None
    engine = MatchingEngine(store=MemoryStore())
    engine._index = RetrievalIndex(QueryEncoder(), engine.store)
    monkeypatch.setattr(retrieval, "WARM_QUIET_S", 3600)  # needs keep arriving: no pause yet
    burst = retrieval.WARM_QUEUE + 4  # a burst: at most the queue's length is kept, the oldest dropped
    for i in range(burst):
        engine.warm(f"需求{i}")
        await asyncio.sleep(0)
    engine.warm("寒地玉米秸秆低温发酵")
    await asyncio.sleep(0.3)
    assert engine._index.encoder.encoded == []  # nothing encoded during the burst: it would slow it down
    monkeypatch.setattr(retrieval, "WARM_QUIET_S", 0)  # the pause came
    await asyncio.wait_for(engine._warmer, timeout=10)
    await engine._index.query_vector("寒地玉米秸秆低温发酵")  # the ranking finds it ready
    encoded = engine._index.encoder.encoded
    assert encoded[-1] == "query:寒地玉米秸秆低温发酵" and len(encoded) == retrieval.WARM_QUEUE
    assert "query:需求4" not in encoded and f"query:需求{burst - 1}" in encoded
    assert retrieval.WARM_QUEUE >= 100  # needs filed in a row (an enterprise's list) are all ready when reported


@pytest.mark.system
async def test_copies_are_read_in_chunks_so_a_pool_beyond_32767_researchers_loads(platform, monkeypatch) -> None:
    """PostgreSQL takes at most 32,767 parameters per statement: at 100k researchers one IN (…) list failed and the
    index never loaded (issue 14's 100k benchmark). Chunks of ``MANY_CHUNK`` keys; shown here with chunks of 2."""
    import shared.copies

    monkeypatch.setattr(shared.copies, "MANY_CHUNK", 2)
    snapshots = [researcher_snapshot() for _ in range(5)]
    async with platform["matching"].runtime.uow() as uow:
        for snapshot in snapshots:
            await uow.researchers.upsert(snapshot)
        found = await uow.researchers.many([s.researcher_id for s in snapshots] + [uuid.uuid4()])
    assert set(found) == {s.researcher_id for s in snapshots}
    assert found[snapshots[3].researcher_id] == snapshots[3]
