"""Turning retrieval hits into a researcher's fit, and fusing dense and lexical evidence (pure).

A researcher is scored from their achievements (科技成果) and their profile: the best achievement
counts most, further strong ones add a little (top-k blend), so one lucky paper does not outrank a
consistent record, and an explanation can point at the achievements that earned the score.
The fusion method and its parameters are chosen by the quality benchmark, not by taste.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Hit:
    researcher_id: object
    item_id: int  # an achievement id or the profile's id
    score: float


def blend(scores: Iterable[float], *, top_k: int = 3, weight_best: float = 0.7) -> float:
    """``weight_best`` × best + (1 − ``weight_best``) × mean of the top ``top_k`` (best included)."""
    ordered = sorted(scores, reverse=True)[:top_k]
    if not ordered:
        return 0.0
    return weight_best * ordered[0] + (1 - weight_best) * sum(ordered) / len(ordered)


def per_researcher(hits: Iterable[Hit], *, top_k: int = 3, weight_best: float = 0.7) -> dict[object, float]:
    grouped: dict[object, list[float]] = defaultdict(list)
    for hit in hits:
        grouped[hit.researcher_id].append(hit.score)
    return {r: blend(s, top_k=top_k, weight_best=weight_best) for r, s in grouped.items()}


def _min_max(scores: Mapping[object, float]) -> dict[object, float]:
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    span = hi - lo
    return {k: (v - lo) / span if span > 0 else 1.0 for k, v in scores.items()}


def _ranks(scores: Mapping[object, float]) -> dict[object, int]:
    return {k: i + 1 for i, (k, _) in enumerate(sorted(scores.items(), key=lambda kv: -kv[1]))}


@dataclass(frozen=True)
class Fusion:
    """How dense and lexical researcher scores combine. ``method``: dense | lexical | weighted | rrf | evidence.

    ``weighted`` min-max normalises both parts per need, so the need's best keyword hit always counts fully, however
    little of the need it covers; ``evidence`` adds the lexical part on its absolute scale — the share of the need's
    keyword weight (BM25's ceiling for the need) a researcher's work holds — to the cosine, so keywords move the order
    only as far as they really cover the need."""

    method: str = "weighted"
    alpha: float = 0.7  # weighted: share of the (min-max normalised) dense score; evidence: weight of the coverage
    rrf_k: int = 60  # rrf: the usual damping constant
    power: float = 1.0  # evidence: coverage ** power — above 1, a partial keyword match counts less than a full one

    def fuse(self, dense: Mapping[object, float], lexical: Mapping[object, float]) -> dict[object, float]:
        if self.method == "dense":
            return dict(dense)
        if self.method == "lexical":
            return dict(lexical)
        keys = set(dense) | set(lexical)
        if self.method == "weighted":
            d, lx = _min_max(dense), _min_max(lexical)
            return {k: self.alpha * d.get(k, 0.0) + (1 - self.alpha) * lx.get(k, 0.0) for k in keys}
        if self.method == "evidence":
            floor = min(dense.values(), default=0.0)  # beyond the dense hits: no better than the last of them
            return {k: dense.get(k, floor) + self.alpha * lexical.get(k, 0.0) ** self.power for k in keys}
        if self.method == "rrf":
            rd, rl = _ranks(dense), _ranks(lexical)
            return {
                k: (1 / (self.rrf_k + rd[k]) if k in rd else 0.0) + (1 / (self.rrf_k + rl[k]) if k in rl else 0.0)
                for k in keys
            }
        raise ValueError(f"unknown fusion method {self.method!r}")


def field_support(
    scores: Mapping[object, float], fields_of: Mapping[object, Iterable[str]], *, top_n: int = 20
) -> dict[object, float]:
    """How strongly the need's best matches point at each researcher's field (学科), 0–1: the share of the ``top_n``
    best-scored researchers who share one of theirs. A one-sentence need rarely names a field, but its best matches
    agree on one; a researcher of that field with no paper on the very topic is still nearer than an outsider."""
    best = sorted(scores, key=lambda k: -scores[k])[:top_n]
    votes: dict[str, float] = defaultdict(float)
    for key in best:
        fields = list(dict.fromkeys(fields_of.get(key, ())))
        for f in fields:
            votes[f] += 1 / len(fields)
    n = max(len(best), 1)
    return {k: max((votes.get(f, 0.0) for f in fields_of.get(k, ())), default=0.0) / n for k in scores}


@dataclass(frozen=True)
class Scoring:
    """How a researcher's fit is computed from retrieval hits: the per-researcher aggregation of passage hits (top-k
    blend), the fusion of the dense and lexical parts, and the weight of the field support. The service's values are
    chosen by ``make bench-matching``, which ranks with the same object."""

    fusion: Fusion
    top_k: int = 1
    weight_best: float = 1.0
    field_weight: float = 0.0

    @property
    def label(self) -> str:
        """Recorded with each proposal (and the benchmark's rows): the method and every parameter that is not the
        method's default."""
        f = self.fusion
        shown = {k: v for k, v in asdict(f).items() if k != "method" and v != getattr(Fusion(f.method), k)}
        params = ",".join(f"{k}={v}" for k, v in {**shown, "top_k": self.top_k, "weight_best": self.weight_best,
                                                   "field": self.field_weight}.items())  # fmt: skip
        return f"{f.method}({params})"
