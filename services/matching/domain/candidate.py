"""A ranked researcher for one need, and the explanation the province reads (pure).

The fit is what R-E5 asks for — research experience relevant to the enterprise's need — measured on the
researcher's own achievements (dense and lexical evidence), then the hard rules exclude and the soft
priorities add (``eligibility``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.matching.domain.eligibility import Exclusion, Priority, ResearcherFacts


@dataclass
class Evidence:
    """One of the researcher's achievements (or their profile) that earned the fit."""

    title: str
    achievement_id: uuid.UUID | None
    similarity: float
    matched_keywords: list[str]


@dataclass
class Candidate:
    researcher: ResearcherFacts
    score: float  # fused fit plus the soft priorities' bonuses
    dense: float  # cosine similarity, 0–1
    lexical: float  # share of the need's keyword weight the researcher's work holds (BM25 over its ceiling), 0–1
    lexical_bm25: float = 0.0  # the BM25 value behind it
    priorities: list[Priority] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)
    # The achievements that earned the fit, found when first asked for: a ranking scores hundreds of researchers,
    # a list shows a few.
    find_evidence: Callable[[], list[Evidence]] = field(default=list, repr=False)
    _evidence: list[Evidence] | None = field(default=None, repr=False)

    @property
    def evidence(self) -> list[Evidence]:
        if self._evidence is None:
            self._evidence = self.find_evidence()
        return self._evidence

    @property
    def researcher_id(self) -> uuid.UUID:
        return self.researcher.researcher_id

    def explanation(self) -> dict[str, Any]:
        """What the province sees: the fused score's parts, the evidence, soft priorities (R-E2, R-C4), exclusions."""
        return {
            "dense": round(self.dense, 4),
            "lexical": round(self.lexical, 4),
            "lexical_bm25": round(self.lexical_bm25, 4),
            "priorities": [{"rule_id": p.rule_id, "reason": p.reason, "bonus": p.bonus} for p in self.priorities],
            "evidence": [
                {
                    "title": e.title,
                    "achievement_id": str(e.achievement_id) if e.achievement_id else None,
                    "similarity": e.similarity,
                    "matched_keywords": e.matched_keywords,
                }
                for e in self.evidence
            ],
            "exclusions": [{"rule_id": x.rule_id, "reason": x.message} for x in self.exclusions],
        }
