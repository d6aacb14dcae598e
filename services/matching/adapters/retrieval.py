"""Retrieval over matching's researcher copies: the dense (FAISS) and lexical (BM25) indexes, kept in step.

The index is derived data: it follows matching's researcher copies lazily. Before each match it compares
versions and re-encodes only the researchers that changed (incremental re-indexing); the database stays the
source of truth. Each researcher is represented by their profile (disciplines, research fields) and by each
achievement separately, so a match can point at the achievements that earned it (R-E5).
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from services.matching.adapters.lexical import TOKENIZER, LexicalIndex, tokenize
from services.matching.adapters.vector_index import ModelMismatch, VectorIndex
from services.matching.adapters.vector_store import text_key
from services.matching.domain.model import NeedSnapshot
from services.matching.domain.scoring import Hit
from shared.events.contracts import ResearcherSnapshot

log = logging.getLogger(__name__)

RETRIEVAL_DEPTH = 200  # index items fetched per retriever before aggregating into researchers


class Retrieved(NamedTuple):
    dense: list[Hit]  # cosine similarity of each passage found
    lexical: list[Hit]  # share of the need's keyword weight each passage holds, 0–1
    lexical_ceiling: float  # the BM25 value that share is relative to (for showing the raw value)


@dataclass(frozen=True)
class Item:
    """One indexed text: a researcher's profile (achievement_id None) or one achievement."""

    researcher_id: uuid.UUID
    achievement_id: uuid.UUID | None
    title: str
    text: str


def profile_text(r: ResearcherSnapshot) -> str:
    return f"{'、'.join(r.disciplines)}。{r.research_fields}"


def passages_of(r: ResearcherSnapshot) -> list[Item]:
    """What is indexed of a researcher: the profile (declared disciplines and fields) and each achievement."""
    own = [Item(r.researcher_id, None, "研究方向", profile_text(r))]
    return own + [Item(r.researcher_id, a.achievement_id, a.title, f"{a.title}。{a.summary}") for a in r.achievements]


def need_text(need: NeedSnapshot) -> str:
    parts = [need.title, need.description, "；".join(need.keywords), need.desired_expertise or ""]
    return "。".join(p for p in parts if p)


QUERY_CACHE = 1024  # needs' vectors kept per process
# Needs waiting to be pre-encoded; beyond it the oldest are left for their ranking to encode. Texts are small and
# encoding waits for a pause, so the bound only caps a flood: 16 dropped four of twenty needs filed in a row.
WARM_QUEUE = 256
WARM_QUIET_S = 1.0  # pre-encoding starts once no need has arrived for this long: a burst is not slowed by it
ENCODE_BATCH = 256  # passages per encoder call: each batch is stored before the next (progress survives a crash)


async def encode_and_store(
    encoder, store, todo: dict[bytes, str], batch_size: int = ENCODE_BATCH
) -> AsyncIterator[tuple[dict[bytes, np.ndarray], int]]:
    """Encode ``todo`` (text by key) in batches, each stored before the next (a crash keeps what was done), with
    progress in the log (done/total, rate, ETA); yields each batch's vectors and how many are done so far."""
    started, done, total = time.monotonic(), 0, len(todo)
    pending = list(todo.items())
    for start in range(0, total, batch_size):
        batch = pending[start : start + batch_size]
        encoded = await encoder.aencode_passages([t for _, t in batch])
        fresh = {k: v for (k, _), v in zip(batch, encoded, strict=True)}
        if store:
            await store.put(encoder.model_id, fresh)
        done += len(batch)
        rate = done / max(time.monotonic() - started, 1e-6)
        log.info(
            "encoding passages %d/%d (%.1f/s, ETA %.0f s)", done, total, rate, (total - done) / rate,
            extra={"model": encoder.model_id, "done": done, "total": total},
        )  # fmt: skip
        yield fresh, done


class RetrievalIndex:
    def __init__(self, encoder, store=None) -> None:
        self.encoder = encoder
        self.store = store  # VectorStore: vectors any process encoded, by (model, text); None = encode everything
        self.vectors = VectorIndex(encoder.dim, encoder.model_id)
        self.items: dict[int, Item] = {}
        self.by_researcher: dict[uuid.UUID, list[int]] = {}
        self.versions: dict[uuid.UUID, int] = {}
        self.snapshots: dict[uuid.UUID, ResearcherSnapshot] = {}
        self._lexical: LexicalIndex | None = None
        self._institutions: list[uuid.UUID] | None = None
        self._queries: OrderedDict[bytes, np.ndarray] = OrderedDict()  # a need's vector, by its text (LRU)
        self.encoding: tuple[int, int] | None = None  # (done, total) while passages are being encoded
        self._urgent = 0  # rankings waiting for the encoder: background warm-ups wait for them
        self.tokens: dict[int, list[str]] = {}  # each item's words for BM25 (segmented once, stored)
        self._next = 1
        self._lock = asyncio.Lock()

    def institution_ids(self) -> list[uuid.UUID]:
        """The units the indexed researchers belong to (computed once per change of the pool, not per ranking)."""
        if self._institutions is None:
            self._institutions = list({r.institution_id for r in self.snapshots.values()})
        return self._institutions

    async def sync(self, current: dict[uuid.UUID, int], load) -> int:
        """Bring the index to ``current`` versions; ``load(ids)`` gives snapshots. Returns how many were re-encoded."""
        async with self._lock:
            stale = [rid for rid, v in current.items() if self.versions.get(rid) != v]
            gone = [rid for rid in self.versions if rid not in current]
            self._drop(gone)
            if stale:
                snapshots = await load(stale)
                await self._upsert(list(snapshots.values()))
            unloaded = [
                rid for rid in current if rid not in self.snapshots
            ]  # after a restart: vectors kept, no snapshot yet
            if unloaded:
                self.snapshots.update(await load(unloaded))
            untokenized = [i for i in self.items if i not in self.tokens]  # e.g. an index loaded from disk
            if untokenized:
                texts = [self.items[i].text for i in untokenized]
                self.tokens.update(zip(untokenized, await self.passage_tokens(texts), strict=True))
                self._lexical = None
            if stale or gone:
                self._lexical = None
            if stale or gone or unloaded:
                self._institutions = None
            return len(stale)

    def save(self, directory: Path) -> None:
        """Persist vectors and their mapping (not the snapshots: the database has them)."""
        tmp = directory.with_name(directory.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        self.vectors.save(tmp / "vectors")
        items = {
            str(i): [str(it.researcher_id), str(it.achievement_id) if it.achievement_id else None, it.title, it.text]
            for i, it in self.items.items()
        }
        state = {"next": self._next, "versions": {str(k): v for k, v in self.versions.items()}, "items": items}
        (tmp / "items.json").write_text(json.dumps(state, ensure_ascii=False))
        shutil.rmtree(directory, ignore_errors=True)
        tmp.rename(directory)

    @classmethod
    def load(cls, directory: Path, encoder, store=None) -> RetrievalIndex:
        """The saved index, if it was built by ``encoder``'s model (else ModelMismatch: rebuild)."""
        index = cls(encoder, store)
        index.vectors = VectorIndex.load(directory / "vectors", model_id=encoder.model_id)
        state = json.loads((directory / "items.json").read_text())
        index._next = state["next"]
        index.versions = {uuid.UUID(k): v for k, v in state["versions"].items()}
        for i, (rid, aid, title, text) in state["items"].items():
            item = Item(uuid.UUID(rid), uuid.UUID(aid) if aid else None, title, text)
            index.items[int(i)] = item
            index.by_researcher.setdefault(item.researcher_id, []).append(int(i))
        return index

    def _drop(self, researcher_ids: Collection[uuid.UUID]) -> None:
        """Forget these researchers' passages — in one removal from FAISS (removing is a pass over the whole index:
        one per researcher made a changed pool of 10k cost minutes)."""
        ids = [i for rid in researcher_ids for i in self.by_researcher.pop(rid, [])]
        if ids:
            self.vectors.remove(np.asarray(ids))
        for i in ids:
            self.items.pop(i, None)
            self.tokens.pop(i, None)
        for rid in researcher_ids:
            self.versions.pop(rid, None)
            self.snapshots.pop(rid, None)

    async def _upsert(self, researchers: list[ResearcherSnapshot]) -> None:
        new_items: list[tuple[int, Item]] = []
        self._drop([r.researcher_id for r in researchers])
        for r in researchers:
            own = passages_of(r)
            ids = list(range(self._next, self._next + len(own)))
            self._next += len(own)
            self.by_researcher[r.researcher_id] = ids
            new_items += zip(ids, own, strict=True)
            self.versions[r.researcher_id] = r.version
            self.snapshots[r.researcher_id] = r
        if new_items:
            texts = [item.text for _, item in new_items]
            vectors = await self.passage_vectors(texts)
            self.vectors.add(np.asarray([i for i, _ in new_items]), vectors)
            self.items.update(new_items)
            self.tokens.update(zip([i for i, _ in new_items], await self.passage_tokens(texts), strict=True))

    async def passage_tokens(self, texts: list[str]) -> list[list[str]]:
        """The words of ``texts`` for BM25: stored ones loaded, the rest segmented (in a worker thread) and stored."""
        keys = [text_key(t) for t in texts]
        known = await self.store.tokens_many(TOKENIZER, keys) if self.store else {}
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in known}
        if todo:
            segmented = await asyncio.to_thread(lambda: [tokenize(t) for t in todo.values()])
            fresh = dict(zip(todo, segmented, strict=True))
            if self.store:
                await self.store.put_tokens(TOKENIZER, fresh)
            known.update(fresh)
        return [known[k] for k in keys]

    async def passage_vectors(self, texts: list[str]) -> np.ndarray:
        """The vectors of ``texts``: those stored by any process are loaded, only the rest encoded (in batches, each
        stored at once, with progress in the log: done/total, rate, ETA)."""
        keys = [text_key(t) for t in texts]
        known = await self.store.many(self.encoder.model_id, keys, self.encoder.dim) if self.store else {}
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in known}
        if todo:
            self.encoding = (0, len(todo))
            async for fresh, done in encode_and_store(self.encoder, self.store, todo):
                known.update(fresh)
                self.encoding = (done, len(todo))
            self.encoding = None
        return np.asarray([known[k] for k in keys], dtype=np.float32).reshape(len(texts), self.encoder.dim)

    async def query_vector(self, text: str, *, background: bool = False) -> np.ndarray:
        """A need's vector, encoded once per text: the text changes when the need does, so the cache follows its
        versions; the least recently used are forgotten beyond ``QUERY_CACHE``. A ``background`` encoding (the
        warm-up of a submitted need) gives way to any ranking waiting for the encoder."""
        key = text_key(text)
        if key in self._queries:
            self._queries.move_to_end(key)
            return self._queries[key]
        if background:
            while self._urgent:
                await asyncio.sleep(0.01)
        else:
            self._urgent += 1
        try:
            query = await self.encoder.aencode_queries([text])
        finally:
            if not background:
                self._urgent -= 1
        self._queries[key] = query
        while len(self._queries) > QUERY_CACHE:
            self._queries.popitem(last=False)
        return query

    def remember_queries(self, texts: list[str], vectors: np.ndarray) -> None:
        """Needs' vectors encoded elsewhere in one batch (a benchmark encodes thousands at once, far faster than one
        by one); the same cache as ``query_vector``."""
        for text, vector in zip(texts, vectors, strict=True):
            self._queries[text_key(text)] = vector.reshape(1, -1)
        while len(self._queries) > max(QUERY_CACHE, len(texts)):
            self._queries.popitem(last=False)

    def words(self, item_id: int) -> list[str]:
        """An item's words as BM25 sees them (stored with the index; segmented here only if missing)."""
        found = self.tokens.get(item_id)
        return found if found is not None else tokenize(self.items[item_id].text)

    def lexical(self) -> LexicalIndex:
        if self._lexical is None:  # BM25 statistics are global: rebuilt after changes, from the stored words
            ids = list(self.items)
            self._lexical = LexicalIndex(
                ids, [self.tokens[i] if i in self.tokens else tokenize(self.items[i].text) for i in ids]
            )
        return self._lexical

    async def search(self, text: str, include: Collection[uuid.UUID] = ()) -> Retrieved:
        """Dense and lexical hits for ``text``; researchers in ``include`` are scored even when they are not
        among the top hits (a unit's substitute must have its fit shown on the same scale). Lexical hits are the
        share of the need's keyword weight each passage holds (BM25 over its ceiling for the need, at most 1)."""
        if not self.items:
            return Retrieved([], [], 0.0)
        query = await self.query_vector(text)
        scores, ids = self.vectors.search(query, RETRIEVAL_DEPTH)
        dense = [
            Hit(self.items[int(i)].researcher_id, int(i), float(s))
            for s, i in zip(scores[0], ids[0], strict=True)
            if i >= 0
        ]
        lexical_index = self.lexical()
        raw = lexical_index.search(text, RETRIEVAL_DEPTH)
        seen_dense = {h.item_id for h in dense}
        extra = [i for rid in include for i in self.by_researcher.get(rid, [])]
        for i in (i for i in extra if i not in seen_dense):
            dense.append(Hit(self.items[i].researcher_id, i, float(self.vectors.vector(i) @ query[0])))
        raw |= lexical_index.scores_for(text, [i for i in extra if i not in raw])
        ceiling = lexical_index.ceiling(text) if raw else 0.0
        lexical = [Hit(self.items[i].researcher_id, i, min(1.0, s / ceiling)) for i, s in raw.items()]
        return Retrieved(dense, lexical, ceiling)


class MatchingEngine:
    """The service's matcher: the encoder is loaded on first use (it is large), the index kept in step
    with the database and saved in ``index_dir`` so a restart does not re-encode everything."""

    def __init__(self, model: str = "", index_dir: str | Path | None = None, store=None) -> None:
        self.model = model
        self.index_dir = Path(index_dir) if index_dir else None
        self.store = store  # the vectors shared by every process (VectorStore), or None
        self._index: RetrievalIndex | None = None
        self._watermark: object = None  # the copies' watermark the index was last brought in step with
        self._warm_queue: asyncio.Queue[str] = asyncio.Queue(maxsize=WARM_QUEUE)
        self._warmer: asyncio.Task | None = None
        self._last_warm = 0.0  # when the last need to pre-encode arrived (loop time)
        self._init_lock = asyncio.Lock()

    async def index(self) -> RetrievalIndex:
        async with self._init_lock:
            if self._index is None:
                from services.matching.adapters.encoder import Encoder

                encoder = await asyncio.to_thread(Encoder, self.model)
                self._index = RetrievalIndex(encoder, self.store)
                if self.index_dir and (self.index_dir / "items.json").exists():
                    try:
                        self._index = await asyncio.to_thread(RetrievalIndex.load, self.index_dir, encoder, self.store)
                        log.info("matching index loaded", extra={"items": len(self._index.items)})
                    except (ModelMismatch, ValueError, KeyError, OSError) as exc:
                        log.warning("saved matching index unusable; rebuilding", extra={"error": repr(exc)})
            return self._index

    def warm(self, text: str) -> None:
        """Encode a need's text in the background, before anyone ranks it (a need is submitted long before it is
        reported and matched) — only once the model is loaded (a consumer never loads it for this), only when needs
        stop arriving for a moment (the encoder takes both cores: during a burst it would slow everything else), one
        text at a time so a ranking waits for at most one, and the oldest dropped when many arrive at once."""
        if self._index is None:
            return
        if self._warm_queue.full():
            self._warm_queue.get_nowait()
        self._warm_queue.put_nowait(text)
        loop = asyncio.get_running_loop()
        self._last_warm = loop.time()
        if self._warmer is None or self._warmer.done():
            self._warmer = loop.create_task(self._warm_up())

    async def _warm_up(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._warm_queue.empty():
            while (quiet := loop.time() - self._last_warm) < WARM_QUIET_S:  # needs still arriving: wait for a pause
                await asyncio.sleep(min(WARM_QUIET_S - quiet, 0.1))
            text = self._warm_queue.get_nowait()
            try:
                assert self._index is not None
                await self._index.query_vector(text, background=True)
            except Exception:  # a cache: ranking encodes the need itself if this failed
                log.warning("need vector not pre-encoded", exc_info=True)

    def encoding_progress(self) -> tuple[int, int] | None:
        """(done, total) of the passages being encoded now, if any (a run shows it as its indexing progress)."""
        return self._index.encoding if self._index else None

    async def in_step(self, watermark: object, versions, load) -> RetrievalIndex:
        """The index in step with the researcher copies. ``watermark`` says whether they changed since the last sync:
        unchanged, nothing is read (a live ranking no longer reads every researcher's version per request);
        changed, ``versions()`` is read and only what changed is re-encoded."""
        index = await self.index()
        if watermark != self._watermark:
            index = await self.sync(await versions(), load)
            self._watermark = watermark  # read before the versions: a change in between only causes one more sync
        return index

    async def sync(self, current: dict[uuid.UUID, int], load) -> RetrievalIndex:
        index = await self.index()
        if await index.sync(current, load) and self.index_dir:
            try:
                await asyncio.to_thread(index.save, self.index_dir)
            except OSError as exc:  # derived data: matching goes on; a restart re-encodes what was not saved
                log.warning("matching index not saved", extra={"dir": str(self.index_dir), "error": repr(exc)})
        return index
