"""Dense retrieval with FAISS over L2-normalised vectors (inner product = cosine).

The index records which model built it, so vectors of two models are never mixed: loading an index
under another model is refused and the caller re-encodes. Exact search (flat) by default; for very large
collections, where recall against exact search must be measured (``benchmarks/ann_scale.py``), an HNSW graph or
inverted lists of 8-bit codes re-scored exactly (``ivf``: at a million profiles recall@10 0.98 at p99 4.4 ms).
"""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np


class ModelMismatch(RuntimeError):
    """The stored index was built by another embedding model."""


IVF_LISTS = 4096  # k-means cells; trained on the first vectors added (the stored pool, at start)
IVF_NPROBE = 512  # cells scanned per query: recall@10 0.98 at a million (256: 0.93; benchmarks/ann_scale.py)
IVF_TRAINING_PER_LIST = 40  # training points per cell (FAISS warns below 39)
REFINE_FACTOR = 4  # the best k × 4 by their 8-bit codes are re-scored from the full vectors


class VectorIndex:
    def __init__(self, dim: int, model_id: str, *, kind: str = "flat", hnsw_m: int = 32) -> None:
        self.dim, self.model_id, self.kind = dim, model_id, kind
        if kind == "ivf":
            self._index = None  # its cells are learnt from the first vectors added
        elif kind == "flat":
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
        return int(self._index.ntotal) if self._index is not None else 0

    def _trained_ivf(self, vectors: np.ndarray) -> faiss.Index:
        """Inverted lists of 8-bit scalar codes (a quarter of float32's bytes to scan), the best candidates re-scored
        exactly from the full vectors kept beside them; cells learnt by k-means on a sample of ``vectors``, as many
        as the sample supports (a small pool gets few cells, each scanned)."""
        lists = max(1, min(IVF_LISTS, len(vectors) // IVF_TRAINING_PER_LIST))
        ivf = faiss.IndexIVFScalarQuantizer(
            faiss.IndexFlatIP(self.dim), self.dim, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        sample = np.random.default_rng(0).choice(
            len(vectors), min(len(vectors), lists * IVF_TRAINING_PER_LIST), replace=False
        )
        ivf.train(vectors[np.sort(sample)])
        index = faiss.IndexIDMap2(faiss.IndexRefineFlat(ivf))
        _tune_ivf(index)
        return index

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add (or replace: an id already present is removed first) vectors under int64 ids."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(ids), self.dim):
            raise ValueError(f"expected {(len(ids), self.dim)} vectors, got {vectors.shape}")
        if self.kind == "flat":
            self.remove(ids)
        if self._index is None:
            if not len(ids):
                return
            self._index = self._trained_ivf(vectors)
        self._index.add_with_ids(vectors, ids)

    def remove(self, ids: np.ndarray) -> int:
        if self.kind != "flat":
            raise NotImplementedError(f"{self.kind} indexes here cannot delete; rebuild instead")
        return int(self._index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64)))

    def vector(self, item_id: int) -> np.ndarray:
        """The stored vector of one id (to score an item that is not among the nearest neighbours)."""
        return self._index.reconstruct(int(item_id))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the ``k`` nearest per query; missing neighbours have id -1."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if self._index is None:
            return np.full((len(queries), k), -np.inf, dtype=np.float32), np.full((len(queries), k), -1, dtype=np.int64)
        k = max(1, min(k, len(self))) if len(self) else 1
        return self._index.search(queries, k)

    def save(self, path: Path) -> None:
        if self._index is None:
            raise ValueError("an empty ivf index has nothing to save")
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
        if index.kind == "ivf":
            _tune_ivf(index._index)
        return index


def _tune_ivf(index: faiss.Index) -> None:
    """Search settings; FAISS saves the cells scanned but neither how (``parallel_mode``) nor the re-scoring factor."""
    refined = faiss.downcast_index(faiss.downcast_index(index).index)
    refined.k_factor = REFINE_FACTOR
    ivf = faiss.extract_index_ivf(index)
    ivf.nprobe = min(IVF_NPROBE, ivf.nlist)
    ivf.parallel_mode = 1  # one need's cells split across the cores (the default splits a batch of needs)
