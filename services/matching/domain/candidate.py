"""A ranked researcher for one need, and the explanation the province reads (pure).

The fit is what R-E5 asks for — research experience relevant to the enterprise's need — measured on the
researcher's own achievements (dense and lexical evidence), then the hard rules exclude and the soft
priorities add (``eligibility``).
"""

from __future__ import annotations

import uuid
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
    lexical: float  # keyword (BM25) evidence relative to the need's best candidate, 0–1
    lexical_bm25: float = 0.0  # the raw BM25 value behind it
    priorities: list[Priority] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)

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
