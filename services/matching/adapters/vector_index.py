"""Dense retrieval with FAISS over L2-normalised vectors (inner product = cosine).

The index records which model built it, so vectors of two models are never mixed: loading an index
under another model is refused and the caller re-encodes. Exact search (flat) by default; an HNSW
graph for very large collections, where recall against exact search must be measured.
"""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np


class ModelMismatch(RuntimeError):
    """The stored index was built by another embedding model."""


class VectorIndex:
    def __init__(self, dim: int, model_id: str, *, kind: str = "flat", hnsw_m: int = 32) -> None:
        self.dim, self.model_id, self.kind = dim, model_id, kind
        if kind == "flat":
            self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        elif kind == "hnsw":
            base = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            # A denser graph: FAISS's default efConstruction (40) left recall@10 at 0.83 on needs far from any cluster
            # (50k, efSearch 256); 200 reaches 0.97 for a build ~6× slower (benchmarks/ann_scale.py).
            base.hnsw.efConstruction = 200
            base.hnsw.efSearch = 256  # recall@10 ≥ 0.95 against exact (benchmarks/ann_scale.py, up to 1M)
            self._index = faiss.IndexIDMap2(base)
        else:
            raise ValueError(f"unknown index kind {kind!r}")

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add (or replace: an id already present is removed first) vectors under int64 ids."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(ids), self.dim):
            raise ValueError(f"expected {(len(ids), self.dim)} vectors, got {vectors.shape}")
        if self.kind == "flat":
            self.remove(ids)
        self._index.add_with_ids(vectors, ids)

    def remove(self, ids: np.ndarray) -> int:
        if self.kind != "flat":
            raise NotImplementedError("HNSW graphs cannot delete; rebuild instead")
        return int(self._index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64)))

    def vector(self, item_id: int) -> np.ndarray:
        """The stored vector of one id (to score an item that is not among the nearest neighbours)."""
        return self._index.reconstruct(int(item_id))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the ``k`` nearest per query; missing neighbours have id -1."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(k, len(self))) if len(self) else 1
        return self._index.search(queries, k)

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(path / "index.faiss"))
        (path / "index.json").write_text(
            json.dumps({"model_id": self.model_id, "dim": self.dim, "kind": self.kind, "count": len(self)})
        )

    @classmethod
    def load(cls, path: Path, *, model_id: str) -> VectorIndex:
        meta = json.loads((path / "index.json").read_text())
        if meta["model_id"] != model_id:
            raise ModelMismatch(f"index at {path} was built by {meta['model_id']!r}, not {model_id!r}")
        index = cls(meta["dim"], meta["model_id"], kind=meta["kind"])
        index._index = faiss.read_index(str(path / "index.faiss"))
        return index
