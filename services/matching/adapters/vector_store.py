"""Each passage's vector stored once in matching's database, keyed by (model, SHA-256 of the text), so every process
— the worker, each API replica, a restarted one — loads what any of them encoded instead of encoding it again; and
its words (jieba tokens for BM25), keyed by (tokenizer, text): segmenting 20k passages takes longer than loading
them.

Vectors are derived data, a cache in front of the encoder: they are written in short transactions of their own
(never inside a request's unit of work, which a read rolls back), a batch at a time so a long encoding keeps what it
has done if the process dies, and ``ON CONFLICT DO NOTHING`` makes two processes encoding the same text harmless.
Stored as float32 bytes (exact: the index sees bit-for-bit what the encoder produced).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from services.matching.adapters.orm import embeddings, passage_tokens
from shared.db import create_engine

CHUNK = 1000  # hashes per lookup
SEPARATOR = "\x1f"  # between stored tokens (a token never holds a control character)


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


class VectorStore:
    """The shared vector cache on the service's database (its own small connection pool)."""

    def __init__(self, database_url: str, *, engine: AsyncEngine | None = None) -> None:
        self.database_url = database_url
        self._engine = engine

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            self._engine = create_engine(self.database_url, pool_size=2)
        return self._engine

    async def many(self, model_id: str, keys: Iterable[bytes], dim: int) -> dict[bytes, np.ndarray]:
        keys = list(dict.fromkeys(keys))
        found: dict[bytes, np.ndarray] = {}
        async with self.engine.connect() as connection:
            for start in range(0, len(keys), CHUNK):
                rows = await connection.execute(
                    select(embeddings.c.text_sha256, embeddings.c.vector).where(
                        embeddings.c.model_id == model_id, embeddings.c.text_sha256.in_(keys[start : start + CHUNK])
                    )
                )
                for key, raw in rows:
                    vector = np.frombuffer(raw, dtype=np.float32)
                    if vector.shape == (dim,):  # a row of another shape is ignored (and re-encoded)
                        found[bytes(key)] = vector
        return found

    async def missing(self, model_id: str, keys: Iterable[bytes]) -> list[bytes]:
        """Which of ``keys`` have no vector of ``model_id`` yet (only the keys are read)."""
        keys = list(dict.fromkeys(keys))
        stored: set[bytes] = set()
        async with self.engine.connect() as connection:
            for start in range(0, len(keys), CHUNK):
                rows = await connection.execute(
                    select(embeddings.c.text_sha256).where(
                        embeddings.c.model_id == model_id, embeddings.c.text_sha256.in_(keys[start : start + CHUNK])
                    )
                )
                stored.update(bytes(r[0]) for r in rows)
        return [k for k in keys if k not in stored]

    async def put(self, model_id: str, rows: dict[bytes, np.ndarray]) -> None:
        if not rows:
            return
        values = [
            {"model_id": model_id, "text_sha256": key, "vector": np.ascontiguousarray(v, dtype=np.float32).tobytes()}
            for key, v in rows.items()
        ]
        async with self.engine.begin() as connection:
            await connection.execute(pg_insert(embeddings).values(values).on_conflict_do_nothing())

    async def tokens_many(self, tokenizer: str, keys: Iterable[bytes]) -> dict[bytes, list[str]]:
        keys = list(dict.fromkeys(keys))
        found: dict[bytes, list[str]] = {}
        async with self.engine.connect() as connection:
            for start in range(0, len(keys), CHUNK):
                rows = await connection.execute(
                    select(passage_tokens.c.text_sha256, passage_tokens.c.tokens).where(
                        passage_tokens.c.tokenizer == tokenizer,
                        passage_tokens.c.text_sha256.in_(keys[start : start + CHUNK]),
                    )
                )
                found.update((bytes(key), tokens.split(SEPARATOR) if tokens else []) for key, tokens in rows)
        return found

    async def put_tokens(self, tokenizer: str, rows: dict[bytes, list[str]]) -> None:
        values = [{"tokenizer": tokenizer, "text_sha256": k, "tokens": SEPARATOR.join(t)} for k, t in rows.items()]
        for start in range(0, len(values), CHUNK):
            async with self.engine.begin() as connection:
                insert = pg_insert(passage_tokens).values(values[start : start + CHUNK])
                await connection.execute(insert.on_conflict_do_nothing())

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
