"""Ranking researchers for a need (R-F2): retrieval, hard rules, soft priorities, evidence.

The fit scored is R-E5 — research experience relevant to the enterprise's need — on the researcher's own
achievements: dense and lexical retrieval (``adapters.retrieval``), blended per researcher and fused
(``domain.scoring``, parameters chosen by ``make bench-matching``); then every hard rule excludes with its
reason and the soft priorities add a visible bonus (``domain.eligibility``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import partial

from services.matching.adapters.lexical import LexicalIndex, tokenize
from services.matching.adapters.retrieval import Item, MatchingEngine, RetrievalIndex, need_text
from services.matching.domain.candidate import Candidate, Evidence
from services.matching.domain.eligibility import EnterpriseFacts, RankingContext, exclusions, soft_priorities
from services.matching.domain.model import NeedSnapshot
from services.matching.domain.scoring import Fusion, Scoring, field_support, per_researcher
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from shared.errors import Conflict
from shared.events.contracts import ResearcherSnapshot
from shared.timeutil import today_in_china
from shared.vocabulary import Programme

# Chosen on CSL's dev needs by `make bench-matching` (bench-results/matching-quality.md): a researcher's best passage
# (cosine) plus 0.07 × the share of the need's keyword weight it holds plus 0.045 × the field support.
SERVED_SCORING = Scoring(Fusion("evidence", alpha=0.07), top_k=1, weight_best=1.0, field_weight=0.045)
EVIDENCE_PER_CANDIDATE = 3


@dataclass(frozen=True)
class MatchingPolicy:
    capacity: int = 1  # active appointments + pending candidacies a researcher may hold
    alternates: int = 5  # ranked reserves stored per need


class EnterpriseNotSynced(Conflict):
    """The need's enterprise record has not reached matching yet (registry events travel on their own topic)."""

    def __init__(self) -> None:
        super().__init__("企业信息尚未同步到匹配服务，请稍后重试", code="ENTERPRISE_NOT_SYNCED")


def fusion_label(scoring: Scoring = SERVED_SCORING) -> str:
    """What a proposal records of how it was ranked (read back when versions are compared)."""
    return scoring.label


async def ranking_contexts(
    uow: MatchingUnitOfWork, needs: list[NeedSnapshot], *, policy: MatchingPolicy, include: Collection = ()
) -> dict[uuid.UUID, RankingContext]:
    """The rule inputs for matching ``needs`` together, read once: R-E3 waivers, what every researcher holds
    outside these needs (capacity), who declined each need (R-F3), and each need's application date (R-E2)."""
    need_ids = [n.id for n in needs]
    holdings = await uow.proposals.holdings(excluding_needs=need_ids)
    declined = await uow.proposals.declined(need_ids)
    waived = await uow.overrides.waived("R-E3")
    today = today_in_china()
    excellent = await uow.evaluation_marks.excellent()
    eliminated = await uow.evaluation_marks.eliminated(today)
    return {
        n.id: RankingContext(
            on=n.application_date(today),
            r_e3_overrides=waived,
            holdings=holdings,
            capacity=policy.capacity,
            declined=frozenset(declined.get(n.id, ())),
            include=frozenset(include),
            excellent=excellent,
            eliminated=eliminated,
        )
        for n in needs
    }


async def ranking_context(
    uow: MatchingUnitOfWork, need: NeedSnapshot, *, policy: MatchingPolicy, include: Collection = ()
) -> RankingContext:
    return (await ranking_contexts(uow, [need], policy=policy, include=include))[need.id]


@dataclass(frozen=True)
class Pool:
    """The researchers as matching knows them now: the synced index and their institutions."""

    index: RetrievalIndex
    institutions: dict


async def researcher_pool(uow: MatchingUnitOfWork, engine: MatchingEngine) -> Pool:
    """Bring the index up to date with matching's researcher copies (re-encoding only what changed)."""
    index = await engine.in_step(await uow.researchers.watermark(), uow.researchers.versions, uow.researchers.many)
    institutions = await uow.institutions.many(index.institution_ids())
    return Pool(index, institutions)


async def rank(
    index: RetrievalIndex,
    need: NeedSnapshot,
    enterprise: EnterpriseFacts,
    researchers: Mapping[uuid.UUID, ResearcherSnapshot],
    institutions: Mapping,
    context: RankingContext,
    *,
    scoring: Scoring = SERVED_SCORING,
) -> tuple[list[Candidate], list[Candidate]]:
    """(eligible candidates best first, excluded top hits with the rules that excluded each)."""
    text = need_text(need)
    dense_hits, lexical_hits, lexical_ceiling = await index.search(text, context.include)
    dense = per_researcher(dense_hits, top_k=scoring.top_k, weight_best=scoring.weight_best)
    lexical = per_researcher(lexical_hits, top_k=scoring.top_k, weight_best=scoring.weight_best)
    fused = scoring.fusion.fuse(dense, lexical)
    if scoring.field_weight:
        fields = {rid: researchers[rid].disciplines for rid in fused if rid in researchers}
        support = field_support(fused, fields)
        fused = {rid: score + scoring.field_weight * support[rid] for rid, score in fused.items()}
    query_words = tokenize(text)  # once per need; each passage's words are stored with the index
    hits_of: dict[uuid.UUID, list] = defaultdict(list)
    for hit in dense_hits:
        hits_of[hit.researcher_id].append(hit)
    programme = Programme(need.programme)
    eligible, excluded = [], []
    for rid, score in sorted(fused.items(), key=lambda kv: -kv[1]):
        researcher = researchers.get(rid)
        if researcher is None:
            continue
        rules = context.rules_for(programme, rid)
        coverage = lexical.get(rid, 0.0)
        candidate = Candidate(researcher, score, dense.get(rid, 0.0), coverage, coverage * lexical_ceiling)
        candidate.exclusions = exclusions(researcher, institutions.get(researcher.institution_id), enterprise, rules)
        candidate.priorities = soft_priorities(researcher, enterprise, rules)
        candidate.score += sum(p.bonus for p in candidate.priorities)
        best = sorted(hits_of.get(rid, ()), key=lambda h: -h.score)[:EVIDENCE_PER_CANDIDATE]
        passages = [(h.score, index.items[h.item_id], index.words(h.item_id)) for h in best]  # as ranked now
        candidate.find_evidence = partial(evidence_of, query_words, passages)
        (excluded if candidate.exclusions else eligible).append(candidate)
    eligible.sort(key=lambda c: -c.score)
    return eligible, excluded


def evidence_of(query_words: list[str], passages: list[tuple[float, Item, list[str]]]) -> list[Evidence]:
    """A researcher's best passages for the need, with the need's keywords each holds."""
    return [
        Evidence(item.title, item.achievement_id, round(score, 4), LexicalIndex.matched(query_words, words))
        for score, item, words in passages
    ]


async def rank_need(
    uow: MatchingUnitOfWork,
    engine: MatchingEngine,
    need: NeedSnapshot,
    context: RankingContext,
    pool: Pool | None = None,
) -> tuple[list[Candidate], list[Candidate], RetrievalIndex]:
    """Rank one need; a batch run passes the ``pool`` it synced once instead of syncing per need."""
    enterprise = await uow.enterprises.get(need.enterprise_id)
    if enterprise is None:
        raise EnterpriseNotSynced()
    pool = pool or await researcher_pool(uow, engine)
    eligible, excluded = await rank(pool.index, need, enterprise, pool.index.snapshots, pool.institutions, context)
    return eligible, excluded, pool.index
