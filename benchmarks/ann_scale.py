"""Approximate search at a million profiles: do the service's approximate indexes — inverted lists of 8-bit codes
re-scored exactly (IVF4096,SQ8 + refine) and an HNSW graph — keep recall@10 ≥ 0.95 against exact search at
p99 ≤ 10 ms per need (issue 14)?

Vectors: points between two real passage embeddings (CSL titles + abstracts, encoded by the served model, random
weights) plus small noise, normalised — a continuum in the region real profiles occupy (uniform random vectors have no
neighbourhoods; noisy copies of a few hundred vectors make thousands of near-ties no index orders exactly); queries are
real needs' vectors. Exact answers come from a flat inner-product index (batched); the approximate ones are the
service's ``VectorIndex(kind="ivf")`` at several ``nprobe`` and ``VectorIndex(kind="hnsw")`` (M 32) at several
``efSearch``, searched one need at a time as the API does. Prints a table and writes bench-results/ann-scale.{json,md}.

    python -m benchmarks.ann_scale [--profiles 1000000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import faiss
import numpy as np

from benchmarks.matching_speed import pct
from benchmarks.stack import publish
from devstack.demo import load_papers
from services.matching.adapters.encoder import Encoder
from services.matching.adapters.vector_index import IVF_LISTS, VectorIndex

EF_SEARCH = (256, 512, 1024)
NPROBE = (128, 256, 512)
TIE = 0.001  # cosine: a neighbour this close to the exact 10th is as good as it (near-ties at a million points)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(profiles: int, queries_n: int = 200) -> dict:
    papers = load_papers()
    encoder = Encoder()
    real = encoder.encode_passages([p["title"] + "。" + p["abstract"] for p in papers[:300]])
    queries = encoder.encode_queries(["技术需求：" + "；".join(p["keywords"]) for p in papers[300 : 300 + queries_n]])
    rng = np.random.default_rng(0)
    vectors = np.empty((profiles, encoder.dim), dtype=np.float32)
    for start in range(0, profiles, 100_000):  # in slices: the noise of a million rows at once doubles the peak
        n = min(100_000, profiles - start)
        weight = rng.random((n, 1), dtype=np.float32)  # a point between two real passages: a continuum, not copies
        v = weight * real[rng.integers(0, len(real), n)] + (1 - weight) * real[rng.integers(0, len(real), n)]
        v += 0.02 * rng.normal(size=(n, encoder.dim)).astype(np.float32)
        vectors[start : start + n] = v / np.linalg.norm(v, axis=1, keepdims=True)
    exact = faiss.IndexFlatIP(encoder.dim)
    exact.add(vectors)
    similarities, truth = exact.search(queries, 10)
    tenth = similarities[:, 9]
    del exact
    rows = []
    # Inverted lists (k-means cells) of 8-bit codes, the best 4 × k re-scored from the full vectors: the service's
    # VectorIndex(kind="ivf"), searched one need at a time, its cells split across the cores.
    ivf = VectorIndex(encoder.dim, encoder.model_id, kind="ivf")
    started = time.perf_counter()
    ivf.add(np.arange(profiles), vectors)
    ivf_build_s = time.perf_counter() - started
    for nprobe in NPROBE:
        faiss.extract_index_ivf(ivf._index).nprobe = nprobe
        rows.append({"index": f"IVF{IVF_LISTS},SQ8 + exact re-scoring (served option)", "setting": f"nprobe {nprobe}",
                     **sweep(ivf.search, queries, truth, tenth)})  # fmt: skip
    del ivf
    hnsw = VectorIndex(encoder.dim, encoder.model_id, kind="hnsw")
    started = time.perf_counter()
    hnsw.add(np.arange(profiles), vectors)
    build_s = time.perf_counter() - started
    del vectors
    for ef in EF_SEARCH:
        faiss.downcast_index(hnsw._index.index).hnsw.efSearch = ef
        rows.append({"index": "HNSW32 (served option)", "setting": f"efSearch {ef}",
                     **sweep(hnsw.search, queries, truth, tenth)})  # fmt: skip
    gap = float(np.mean(similarities[:, 0] - similarities[:, 9]))
    return {"profiles": profiles, "queries": len(queries), "build_s": round(build_s, 1),
            "ivf_build_s": round(ivf_build_s, 1), "peak_rss_mb": round(peak_rss_mb()), "gap_1st_10th": round(gap, 4),
            "rows": rows}  # fmt: skip


def sweep(search, queries: np.ndarray, truth: np.ndarray, tenth: np.ndarray) -> dict:
    """One need at a time, as the API searches: recall@10 against exact, share as good as the exact 10th, latency."""
    latencies, found, scores = [], [], []
    for q in queries:
        began = time.perf_counter()
        sims, ids = search(q.reshape(1, -1), 10)
        latencies.append((time.perf_counter() - began) * 1000)
        found.append(ids[0])
        scores.append(sims[0])
    recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)]))
    as_good = float(np.mean([(s >= t - TIE).mean() for s, t in zip(scores, tenth, strict=True)]))
    return {"recall@10_vs_exact": round(recall, 4), "as_good_as_exact_10th": round(as_good, 4),
            "p50_ms": round(pct(latencies, 50), 2), "p99_ms": round(pct(latencies, 99), 2)}  # fmt: skip


def report(r: dict) -> str:
    lines = [
        f"# Approximate search at {r['profiles']:,} profiles, {r['queries']} real needs one at a time "
        f"(HNSW built in {r['build_s']} s, IVF in {r['ivf_build_s']} s, peak RSS {r['peak_rss_mb']} MB)",
        "",
        f"Exact top 10 of a need span {r['gap_1st_10th']} in cosine on average (1st − 10th): at a million points many "
        f"neighbours are near-ties, so beside strict recall the share of returned neighbours within {TIE} of the exact "
        "10th (as good as an exact answer, up to ties) is shown.",
        "",
        "| index | setting | recall@10 vs exact | as good as exact (±0.001) | p50 ms | p99 ms | goal |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in r["rows"]:
        met = row["recall@10_vs_exact"] >= 0.95 and row["p99_ms"] <= 10
        lines.append(
            f"| {row['index']} | {row['setting']} | {row['recall@10_vs_exact']} | {row['as_good_as_exact_10th']} "
            f"| {row['p50_ms']} "
            f"| {row['p99_ms']} "
            f"| {'met' if met else 'not met'} (recall ≥ 0.95, p99 ≤ 10 ms) |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", type=int, default=1_000_000)
    args = parser.parse_args()
    result = measure(args.profiles)
    publish("ann-scale", result, report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
