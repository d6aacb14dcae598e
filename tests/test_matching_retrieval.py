"""Retrieval building blocks: FAISS index (with its model identity), BM25 over jieba tokens, fusion."""

from __future__ import annotations

import numpy as np
import pytest

from services.matching.adapters.lexical import LexicalIndex, tokenize
from services.matching.adapters.vector_index import ModelMismatch, VectorIndex
from services.matching.domain.scoring import Fusion, Hit, blend, per_researcher


def _unit(rng: np.random.Generator, n: int, dim: int = 16) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_vector_index_search_replace_remove_and_persist(tmp_path) -> None:
    rng = np.random.default_rng(1)
    vectors = _unit(rng, 50)
    index = VectorIndex(16, "model-a")
    index.add(np.arange(100, 150), vectors)
    scores, ids = index.search(vectors[7], 3)
    assert ids[0][0] == 107 and scores[0][0] == pytest.approx(1.0, abs=1e-5)
    index.add(np.array([107]), -vectors[7:8])  # an updated profile replaces its vector (incremental re-index)
    assert len(index) == 50 and index.search(vectors[7], 1)[1][0][0] != 107
    assert index.remove(np.array([100, 101])) == 2 and len(index) == 48

    index.save(tmp_path / "idx")
    again = VectorIndex.load(tmp_path / "idx", model_id="model-a")  # survives a restart without re-encoding
    assert len(again) == 48 and again.search(vectors[20], 1)[1][0][0] == 120
    with pytest.raises(ModelMismatch):
        VectorIndex.load(tmp_path / "idx", model_id="model-b")  # vectors of two models are never mixed


def test_hnsw_finds_what_exact_search_finds_on_easy_data() -> None:
    rng = np.random.default_rng(2)
    vectors = _unit(rng, 2000, 32)
    exact, approx = VectorIndex(32, "m"), VectorIndex(32, "m", kind="hnsw")
    exact.add(np.arange(2000), vectors)
    approx.add(np.arange(2000), vectors)
    queries = vectors[:200] + 0.05 * _unit(rng, 200, 32)
    _, e_ids = exact.search(queries, 10)
    _, a_ids = approx.search(queries, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(a_ids, e_ids, strict=True)])
    assert recall >= 0.95


def test_ivf_finds_what_exact_search_finds_and_keeps_its_search_settings_across_a_restart(
    tmp_path, monkeypatch
) -> None:
    """The million-profile option (issue 14, ``benchmarks/ann_scale.py``): inverted lists of 8-bit codes, the best
    candidates re-scored from the full vectors. Here 64 of its 500 cells are scanned per query."""
    import faiss

    from services.matching.adapters import vector_index

    monkeypatch.setattr(vector_index, "IVF_NPROBE", 64)
    rng = np.random.default_rng(3)
    centres = _unit(rng, 50, 32)
    vectors = centres[rng.integers(0, 50, 20_000)] + 0.3 * _unit(rng, 20_000, 32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact, approx = VectorIndex(32, "m"), VectorIndex(32, "m", kind="ivf")
    assert len(approx) == 0 and approx.search(vectors[0], 3)[1].tolist() == [[-1, -1, -1]]  # nothing learnt yet
    exact.add(np.arange(20_000), vectors)
    approx.add(np.arange(20_000), vectors)
    queries = vectors[:200] + 0.05 * _unit(rng, 200, 32)
    _, e_ids = exact.search(queries, 10)
    scores, a_ids = approx.search(queries, 10)
    assert np.mean([len(set(a) & set(e)) / 10 for a, e in zip(a_ids, e_ids, strict=True)]) >= 0.95
    assert scores[0][0] == pytest.approx(float(vectors[a_ids[0][0]] @ queries[0]), abs=1e-5)  # exact scores
    assert np.allclose(approx.vector(17), vectors[17], atol=1e-6)  # a substitute's fit is scored from its vector
    with pytest.raises(NotImplementedError):
        approx.remove(np.array([1]))

    approx.save(tmp_path / "ivf")
    again = VectorIndex.load(tmp_path / "ivf", model_id="m")
    ivf, refined = faiss.extract_index_ivf(again._index), faiss.downcast_index(again._index.index)
    assert (ivf.nlist, ivf.nprobe, ivf.parallel_mode, refined.k_factor) == (500, 64, 1, vector_index.REFINE_FACTOR)
    assert np.array_equal(again.search(queries, 10)[1], a_ids)


def test_chinese_tokens_and_bm25_ranking() -> None:
    assert tokenize("寒地玉米秸秆低温发酵，需要耐寒菌种！") == ["寒地", "玉米", "秸秆", "低温", "发酵", "耐寒", "菌种"]
    index = LexicalIndex.build(
        [(1, "锂离子电池低温电解液研究"), (2, "玉米秸秆低温发酵菌种筛选"), (3, "桥梁钢结构焊接残余应力")]
    )
    hits = index.search("秸秆发酵的耐寒菌种", 3)
    assert next(iter(hits)) == 2 and 3 not in hits
    assert LexicalIndex.matched_terms("秸秆发酵的耐寒菌种", "玉米秸秆低温发酵菌种筛选") == ["秸秆", "发酵", "菌种"]
    # Single characters are not shown as evidence (issue 14: 下, 所, 当, 时 read as noise to a bureau officer).
    assert LexicalIndex.matched_terms("低温下秸秆所含纤维", "秸秆在低温下所含纤维") == ["低温", "秸秆", "纤维"]
    assert index.search("的了和", 3) == {}


def test_researcher_score_blends_best_and_top_k() -> None:
    assert blend([0.9]) == pytest.approx(0.9)
    assert blend([0.9, 0.1, 0.1, 0.8]) == pytest.approx(0.7 * 0.9 + 0.3 * (0.9 + 0.8 + 0.1) / 3)
    hits = [Hit("a", 1, 0.9), Hit("a", 2, 0.2), Hit("b", 3, 0.85), Hit("b", 4, 0.84)]
    scores = per_researcher(hits, top_k=2, weight_best=0.5)
    assert scores["b"] > scores["a"]  # a consistent record beats one lucky paper


def test_fusion_methods() -> None:
    dense = {"a": 0.9, "b": 0.8, "c": 0.1}
    lexical = {"b": 12.0, "c": 3.0}
    assert Fusion("dense").fuse(dense, lexical) == dense
    weighted = Fusion("weighted", alpha=0.5).fuse(dense, lexical)
    assert max(weighted, key=weighted.get) == "b"
    assert weighted["a"] == pytest.approx(0.5)  # best dense, absent lexically
    rrf = Fusion("rrf", rrf_k=60).fuse(dense, lexical)
    assert rrf["b"] == pytest.approx(1 / 62 + 1 / 61)
    with pytest.raises(ValueError):
        Fusion("magic").fuse(dense, lexical)


def test_evidence_fusion_counts_keywords_only_as_far_as_they_cover_the_need() -> None:
    """Issue 14: min-max weighting gives the need's best keyword hit full weight however little of the need it covers,
    so a stray keyword on another researcher outranks a clearly better semantic match. ``evidence`` adds the lexical
    share on its absolute 0–1 scale."""
    dense = {"fermentation": 0.91, "machinery": 0.895, "botanist": 0.84}
    lexical = {"machinery": 0.12}  # one word of the need (秸秆) in an agricultural-machinery paper
    weighted = Fusion("weighted", alpha=0.7).fuse(dense, lexical)
    assert max(weighted, key=weighted.get) == "machinery"  # the failure the issue describes
    evidence = Fusion("evidence", alpha=0.1).fuse(dense, lexical)
    assert max(evidence, key=evidence.get) == "fermentation"
    assert evidence["machinery"] == pytest.approx(0.895 + 0.1 * 0.12)
    # ... and a need the lexical side really covers still lifts its researcher
    assert max(Fusion("evidence", alpha=0.1).fuse(dense, {"machinery": 0.9}).items(), key=lambda kv: kv[1])[0] == (
        "machinery"
    )
    # a researcher found only by keywords sits on the last dense score, not below every dense hit by a cliff
    only_lexical = Fusion("evidence", alpha=0.1).fuse(dense, {"outsider": 0.5})
    assert only_lexical["outsider"] == pytest.approx(0.84 + 0.05)


def test_lexical_scores_share_one_scale_across_needs() -> None:
    """BM25 over its ceiling for the need: a passage holding every keyword once at average length scores about 1,
    one holding a single rare keyword a fraction; the scale does not depend on the need's length."""
    index = LexicalIndex.build(
        [(1, "玉米秸秆低温发酵菌种筛选"), (2, "秸秆还田机械设计"), (3, "寒地水稻育种"), (4, "锂电池低温电解液")]
    )
    for need in ("秸秆低温发酵菌种筛选", "秸秆"):
        ceiling = index.ceiling(need)
        shares = {doc: score / ceiling for doc, score in index.search(need, 4).items()}
        assert 0.6 <= shares[1] <= 1.3  # longer than the average passage: a little under 1
    long_need = "玉米秸秆低温发酵菌种筛选及饲料化利用的工艺优化"
    assert index.search(long_need, 4)[2] / index.ceiling(long_need) < 0.25  # one shared word of many
    assert index.ceiling("的了和") == 0.0


def test_field_support_carries_a_need_to_the_field_its_best_matches_agree_on() -> None:
    from services.matching.domain.scoring import field_support

    scores = {"a": 0.9, "b": 0.88, "c": 0.87, "d": 0.80, "e": 0.79}
    fields = {"a": ["园艺学"], "b": ["园艺学"], "c": ["作物学", "园艺学"], "d": ["机械工程"], "e": ["园艺学"]}
    support = field_support(scores, fields, top_n=4)
    assert support["e"] == pytest.approx(2.5 / 4)  # 园艺学: a, b and half of c among the top 4
    assert support["d"] == pytest.approx(1 / 4)
    assert support["c"] == support["e"]  # the better of one's fields counts
    assert field_support({}, {}) == {}


def test_a_candidates_evidence_is_found_once_and_only_when_asked_for() -> None:
    """A ranking scores hundreds of researchers and a list shows a few: the matched keywords of each one's passages
    are looked up when an explanation is read, once (issue 14: this was most of a live ranking's time)."""
    from services.matching.domain.candidate import Candidate, Evidence

    calls = []

    def find() -> list[Evidence]:
        calls.append(1)
        return [Evidence("玉米秸秆低温发酵菌种筛选", None, 0.91, ["秸秆", "发酵"])]

    candidate = Candidate(researcher=object(), score=0.9, dense=0.91, lexical=0.4, find_evidence=find)
    assert calls == []
    assert candidate.evidence[0].matched_keywords == ["秸秆", "发酵"]
    assert candidate.explanation()["evidence"][0]["title"] == "玉米秸秆低温发酵菌种筛选"
    assert calls == [1]
