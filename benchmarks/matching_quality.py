"""Matching quality on real Chinese papers (CSL): lexical-only vs dense-only vs fused.

For each split, researchers are built from the papers (2–5 papers of one discipline each, as their
achievements: title + abstract; the papers' keyword lists are NOT indexed). Two settings:

- ``held-out`` (the one that matters): one paper per researcher is withheld from the index and
  yields a need written from its keywords; the right answer is its author, found through their
  *other* work — a new need, a past record.
- ``seen``: every paper yields a need and stays indexed (finds the very achievement; an easy
  upper bound, kept to show how much of the task is keyword overlap).

We report recall@1, recall@10 and MRR over researchers. Parameters (fusion method and weight, and
the top-k blend that turns achievement hits into a researcher score) are tuned on the dev split;
the figures to quote are those on the test split with the dev-chosen parameters.

    make bench-matching      # writes bench-results/matching-quality.{json,md}
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from devstack.config import REPO_ROOT
from services.matching.adapters.encoder import Encoder
from services.matching.adapters.lexical import LexicalIndex
from services.matching.adapters.vector_index import VectorIndex
from services.matching.domain.scoring import Fusion, Hit, per_researcher

PAPERS = REPO_ROOT.parent / "shared" / "data" / "csl" / "papers.jsonl"
OUT = REPO_ROOT / "bench-results"
DEPTH = 100  # achievements retrieved per need by each retriever before aggregation


@dataclass(frozen=True)
class Params:
    method: str
    alpha: float = 0.7
    rrf_k: int = 60
    top_k: int = 3
    weight_best: float = 0.7


def build_split(papers: list[dict], seed: int = 7) -> tuple[list[dict], dict[int, int]]:
    """Researchers (list of their paper indices) and paper index → researcher index."""
    rng = random.Random(seed)
    by_discipline: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(papers):
        by_discipline[p["discipline"]].append(i)
    researchers, owner = [], {}
    for _, idx in sorted(by_discipline.items()):
        j = 0
        while j < len(idx):
            take = min(len(idx) - j, rng.randint(2, 5))
            for k in idx[j : j + take]:
                owner[k] = len(researchers)
            researchers.append({"papers": idx[j : j + take]})
            j += take
    return researchers, owner


def need_text(paper: dict) -> str:
    return "技术需求：" + "；".join(paper["keywords"])


def achievement_text(paper: dict) -> str:
    return paper["title"] + "。" + paper["abstract"].replace("\ufffd", "")


def metrics(ranked: list[list[int]], targets: list[int]) -> dict[str, float]:
    r1 = r10 = mrr = 0.0
    for ranking, target in zip(ranked, targets, strict=True):
        if target in ranking:
            rank = ranking.index(target) + 1
            r1 += rank == 1
            r10 += rank <= 10
            mrr += 1 / rank
    n = len(targets)
    return {"recall@1": r1 / n, "recall@10": r10 / n, "mrr": mrr / n}


class Split:
    def __init__(self, name: str, papers: list[dict], encoder: Encoder, cache: Path, *, held_out: bool) -> None:
        self.name, self.papers = name, papers
        self.researchers, self.owner = build_split(papers)
        withheld = {r["papers"][0] for r in self.researchers} if held_out else set()
        self.queries = sorted(withheld) if held_out else list(range(len(papers)))
        indexed = [i for i in range(len(papers)) if i not in withheld]
        started = time.perf_counter()
        docs = [achievement_text(p) for p in papers]
        queries = [need_text(p) for p in papers]
        self.doc_vectors = _cached(cache / f"{name}-docs.npy", lambda: encoder.encode_passages(docs))
        self.query_vectors = _cached(cache / f"{name}-queries.npy", lambda: encoder.encode_queries(queries))
        self.encode_seconds = time.perf_counter() - started
        index = VectorIndex(encoder.dim, encoder.model_id)
        index.add(np.asarray(indexed), self.doc_vectors[indexed])
        self.dense_scores, self.dense_ids = index.search(self.query_vectors[self.queries], DEPTH)
        lexical = LexicalIndex.build((i, docs[i]) for i in indexed)
        self.lexical = [lexical.search(queries[q], DEPTH) for q in self.queries]

    def rank(self, params: Params) -> dict[str, float]:
        ranked, targets = [], []
        fusion = Fusion(params.method, alpha=params.alpha, rrf_k=params.rrf_k)
        for n, q in enumerate(self.queries):
            dense_hits = [
                Hit(self.owner[int(d)], int(d), float(s))
                for s, d in zip(self.dense_scores[n], self.dense_ids[n], strict=True)
                if d >= 0
            ]
            lexical_hits = [Hit(self.owner[d], d, s) for d, s in self.lexical[n].items()]
            dense = per_researcher(dense_hits, top_k=params.top_k, weight_best=params.weight_best)
            lexical = per_researcher(lexical_hits, top_k=params.top_k, weight_best=params.weight_best)
            fused = fusion.fuse(dense, lexical)
            ranked.append([r for r, _ in sorted(fused.items(), key=lambda kv: -kv[1])])
            targets.append(self.owner[q])
        return metrics(ranked, targets)


def _cached(path: Path, compute) -> np.ndarray:
    if path.exists():
        return np.load(path)
    value = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, value)
    return value


def candidates() -> list[Params]:
    blends = [(1, 1.0), (3, 0.7), (3, 0.5), (5, 0.5)]
    grid = [Params("lexical", top_k=k, weight_best=w) for k, w in blends]
    grid += [Params("dense", top_k=k, weight_best=w) for k, w in blends]
    grid += [
        Params("weighted", alpha=a, top_k=k, weight_best=w) for a, (k, w) in itertools.product((0.3, 0.5, 0.7), blends)
    ]
    grid += [Params("rrf", rrf_k=r, top_k=k, weight_best=w) for r, (k, w) in itertools.product((10, 60), blends)]
    return grid


def evaluate(splits: dict[str, Split]) -> tuple[dict, Params]:
    """Tune on dev (best per method by MRR), then score those parameters on test."""
    dev = {p: splits["dev"].rank(p) for p in candidates()}
    best = {
        method: max((p for p in dev if p.method == method), key=lambda p: (dev[p]["mrr"], dev[p]["recall@10"]))
        for method in ("lexical", "dense", "weighted", "rrf")
    }
    chosen = max(best.values(), key=lambda p: dev[p]["mrr"])
    rows = [{"method": m, "params": asdict(p), "dev": dev[p], "test": splits["test"].rank(p)} for m, p in best.items()]
    return {
        "needs": len(splits["test"].queries),
        "researchers": len(splits["test"].researchers),
        "results": rows,
    }, chosen


def table(title: str, setting: dict, chosen: Params) -> list[str]:
    lines = [
        f"## {title}: {setting['needs']} needs over {setting['researchers']} researchers (test split)",
        "",
        "| method | parameters (tuned on dev) | recall@1 | recall@10 | MRR | dev MRR |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in setting["results"]:
        p, t = row["params"], row["test"]
        shown = {"top_k": p["top_k"], "weight_best": p["weight_best"]}
        if p["method"] == "weighted":
            shown["alpha"] = p["alpha"]
        if p["method"] == "rrf":
            shown["rrf_k"] = p["rrf_k"]
        mark = " (chosen)" if p == asdict(chosen) else ""
        lines.append(
            f"| {row['method']}{mark} | {shown} | {t['recall@1']:.3f} | {t['recall@10']:.3f} | {t['mrr']:.3f} "
            f"| {row['dev']['mrr']:.3f} |"
        )
    return [*lines, ""]


def main() -> int:
    if not PAPERS.exists():
        print(f"needs {PAPERS} (the CSL dev and test splits) beside the checkout", file=sys.stderr)
        return 2
    rows = [json.loads(line) for line in PAPERS.read_text(encoding="utf-8").splitlines()]
    encoder = Encoder()
    cache = OUT / "cache" / encoder.model_id.replace(":", "_")
    report: dict = {"model": encoder.model_id, "depth": DEPTH}
    chosen: dict[str, Params] = {}
    for setting in ("held-out", "seen"):
        splits = {
            name: Split(name, [r for r in rows if r["split"] == name], encoder, cache, held_out=setting == "held-out")
            for name in ("dev", "test")
        }
        report[setting], chosen[setting] = evaluate(splits)
    report["chosen"] = asdict(chosen["held-out"])  # what the matching service uses
    OUT.mkdir(exist_ok=True)
    (OUT / "matching-quality.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    lines = [f"# Matching quality on CSL (model {encoder.model_id})", ""]
    lines += table("Held-out (new need, past record) — the figure that matters", report["held-out"], chosen["held-out"])
    lines += table("Seen (the need's own paper is indexed) — easy upper bound", report["seen"], chosen["seen"])
    text = "\n".join(lines)
    (OUT / "matching-quality.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
