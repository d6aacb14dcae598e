"""Lexical retrieval: jieba word segmentation + BM25 (bm25s). Keyword-heavy needs are common, and a
matched keyword is evidence a reviewer can read."""

from __future__ import annotations

import hashlib
import logging
import math
import re
import unicodedata
from collections.abc import Collection, Iterable

import bm25s
import jieba
import numpy as np

jieba.setLogLevel(logging.WARNING)

_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)
# Function words that carry no topic in needs and abstracts.
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "在",
        "对",
        "为",
        "是",
        "以",
        "于",
        "中",
        "等",
        "其",
        "并",
        "将",
        "由",
        "从",
        "而",
        "该",
        "被",
        "把",
        "这",
        "那",
        "我们",
        "本文",
        "通过",
        "进行",
        "研究",
        "采用",
        "利用",
        "基于",
        "方法",
        "结果",
        "表明",
        "分析",
        "问题",
        "需要",
        "技术",
        "相关",
        "提出",
        "一种",
        "实现",
        "具有",
        "不同",
        "影响",
        "提高",
        "有效",
        "主要",
        "作为",
        "可以",
        "能够",
        "我",
        "公司",
        "企业",
    ]
)


# Identifies what tokenize() produces: stored tokens of another jieba or stopword list are not reused.
TOKENIZER = "jieba-{}:{}".format(
    jieba.__version__, hashlib.sha256("\n".join(sorted(STOPWORDS)).encode()).hexdigest()[:12]
)


def tokenize(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    return [t for t in (w.strip() for w in jieba.lcut(text)) if t and not _PUNCT.match(t) and t not in STOPWORDS]


class LexicalIndex:
    """BM25 over documents identified by integer ids (achievements or researcher profiles)."""

    def __init__(self, doc_ids: list[int], docs_tokens: list[list[str]]) -> None:
        self.doc_ids = np.asarray(doc_ids, dtype=np.int64)
        self.docs_tokens = docs_tokens
        self._bm25 = bm25s.BM25()
        self._bm25.index(docs_tokens or [[]], show_progress=False)

    @classmethod
    def build(cls, docs: Iterable[tuple[int, str]]) -> LexicalIndex:
        ids, tokens = [], []
        for doc_id, text in docs:
            ids.append(doc_id)
            tokens.append(tokenize(text))
        return cls(ids, tokens)

    def __len__(self) -> int:
        return len(self.doc_ids)

    def search(self, query: str, k: int) -> dict[int, float]:
        """The ``k`` best documents for ``query`` with their BM25 scores (only those matching any term)."""
        terms = tokenize(query)
        if not terms or not len(self):
            return {}
        scores = self._bm25.get_scores(terms)
        top = np.argsort(-scores)[:k]
        return {int(self.doc_ids[i]): float(scores[i]) for i in top if scores[i] > 0}

    def ceiling(self, query: str) -> float:
        """What BM25 gives a passage of average length holding every term of ``query`` once: Σ IDF × 1/(1 + k1).
        A score divided by it (at most 1) is the share of the need's keyword weight a passage holds — the same 0–1
        scale for every need. A term no passage has counts as the rarest known (one passage's)."""
        terms = tokenize(query)
        if not terms or not len(self):
            return 0.0
        vocab, starts = self._bm25.vocab_dict, self._bm25.scores["indptr"]
        n = len(self)
        total = 0.0
        for term in terms:
            df = int(starts[vocab[term] + 1] - starts[vocab[term]]) if term in vocab else 1
            total += math.log(1 + (n - df + 0.5) / (max(df, 1) + 0.5))
        return total / (1 + self._bm25.k1)

    def scores_for(self, query: str, doc_ids: Collection[int]) -> dict[int, float]:
        """BM25 scores of the given documents (for a researcher outside the top hits, e.g. a unit's substitute)."""
        terms = tokenize(query)
        if not terms or not len(self) or not doc_ids:
            return {}
        scores = self._bm25.get_scores(terms)
        wanted = set(doc_ids)
        return {int(d): float(scores[i]) for i, d in enumerate(self.doc_ids) if int(d) in wanted and scores[i] > 0}

    @staticmethod
    def matched_terms(query: str, document: str) -> list[str]:
        """Query terms found in the document, in query order (for explanations)."""
        return LexicalIndex.matched(tokenize(query), tokenize(document))

    @staticmethod
    def matched(query_words: list[str], document_words: list[str]) -> list[str]:
        """``matched_terms`` on words already segmented. A single character (下, 所, 当, 时 …) is no evidence a
        reviewer can read, whatever it added to the score: it is not shown."""
        doc = set(document_words)
        return list(dict.fromkeys(t for t in query_words if t in doc and len(t) > 1))
