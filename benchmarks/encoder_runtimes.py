"""Encoder runtimes: can the encoder run faster without changing its vectors?

The same passages (CSL titles + abstracts, as achievements are indexed) and needs are encoded by the service's
encoder (PyTorch, float32) and by the candidates: PyTorch with int8 dynamic quantisation of the linear layers, and
ONNX Runtime on an export of the same network (float32, then int8-quantised). A candidate could replace the current
path only if every vector keeps cosine ≥ 0.99 to the reference (the conversion test's bar) — and then only after the
quality benchmark confirms it. Prints a table and writes bench-results/encoder-runtimes.{json,md}.

    python -m benchmarks.encoder_runtimes [--passages 128]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.matching_quality import PAPERS, clean
from devstack.config import REPO_ROOT
from services.matching.adapters.encoder import Encoder

OUT = REPO_ROOT / "bench-results"


def timed(encode, texts: list[str]) -> tuple[np.ndarray, float]:
    encode(texts[:8])  # warm-up: first-call allocations are not the runtime's pace
    started = time.perf_counter()
    vectors = encode(texts)
    return vectors, len(texts) / (time.perf_counter() - started)


def torch_int8(encoder: Encoder):
    import copy

    import torch

    model = copy.deepcopy(encoder._model)
    transformer = model[0]
    quantised = torch.ao.quantization.quantize_dynamic(transformer.auto_model, {torch.nn.Linear}, dtype=torch.qint8)
    # sentence-transformers keeps the network under one attribute and shows it under the other
    for name in ("model", "auto_model"):
        if name in vars(transformer).get("_modules", {}):
            transformer._modules[name] = quantised

    def encode(texts: list[str], prompt: str | None) -> np.ndarray:
        return model.encode(texts, prompt_name=prompt, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)

    return encode


def onnx_runtime(encoder: Encoder, *, quantised: bool):
    """The transformer exported to ONNX (mean pooling and normalisation as the service does them, in NumPy)."""
    import onnxruntime
    import torch

    transformer = encoder._model[0]
    tokenizer = transformer.tokenizer
    folder = Path(tempfile.mkdtemp(prefix="techbridge-onnx-"))
    path = folder / "model.onnx"
    sample = tokenizer(["query: 寒地装备"], return_tensors="pt", padding=True)

    class Network(torch.nn.Module):  # plain positional inputs and one output, as the exporter wants them
        def __init__(self, bert) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    torch.onnx.export(
        Network(transformer.auto_model).eval(),
        (sample["input_ids"], sample["attention_mask"]),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}},
        opset_version=17,
        dynamo=False,
    )
    if quantised:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        target = folder / "model-int8.onnx"
        quantize_dynamic(str(path), str(target), weight_type=QuantType.QInt8)
        path = target
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    prompts = getattr(encoder._model, "prompts", {}) or {}
    max_length = transformer.max_seq_length

    def encode(texts: list[str], prompt: str | None) -> np.ndarray:
        prefix = prompts.get(prompt, "") if prompt else ""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # as sentence-transformers: less padding
        ordered = [prefix + texts[i] for i in order]
        out = []
        for start in range(0, len(texts), 32):
            batch = tokenizer(ordered[start : start + 32], padding=True, truncation=True,
                              max_length=max_length, return_tensors="np")  # fmt: skip
            hidden = session.run(None, {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]})[0]
            mask = batch["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
            out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        vectors = np.empty((len(texts), out[0].shape[1]), dtype=np.float32)
        vectors[order] = np.concatenate(out)
        return vectors

    return encode


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=128)
    args = parser.parse_args()
    if not PAPERS.exists():
        print(f"needs {PAPERS} beside the checkout", file=sys.stderr)
        return 2
    papers = [json.loads(line) for line in PAPERS.read_text(encoding="utf-8").splitlines()][: args.passages]
    passages = [clean(p["title"]) + "。" + clean(p["abstract"]) for p in papers]
    needs = ["技术需求：" + "；".join(p["keywords"]) for p in papers]
    encoder = Encoder()
    query_prompt, passage_prompt = encoder._query_prompt, encoder._passage_prompt
    reference_p, rate_p = timed(encoder.encode_passages, passages)
    reference_q, rate_q = timed(encoder.encode_queries, needs)
    rows = [{"runtime": "PyTorch float32 (served)", "passages_per_s": rate_p, "needs_per_s": rate_q,
             "min_cosine": 1.0, "mean_cosine": 1.0}]  # fmt: skip
    candidates = {
        "PyTorch int8 (dynamic quantisation)": lambda: torch_int8(encoder),
        "ONNX Runtime float32": lambda: onnx_runtime(encoder, quantised=False),
        "ONNX Runtime int8": lambda: onnx_runtime(encoder, quantised=True),
    }
    for name, build in candidates.items():
        try:
            encode = build()
            vectors_p, rate_p = timed(lambda t, e=encode: e(t, passage_prompt), passages)
            vectors_q, rate_q = timed(lambda t, e=encode: e(t, query_prompt), needs)
        except Exception as exc:  # a runtime missing or failing here is reported, not fatal
            rows.append({"runtime": name, "error": f"{type(exc).__name__}: {exc}"[:300]})
            continue
        cosines = np.concatenate([(vectors_p * reference_p).sum(1), (vectors_q * reference_q).sum(1)])
        rows.append({"runtime": name, "passages_per_s": rate_p, "needs_per_s": rate_q,
                     "min_cosine": float(cosines.min()), "mean_cosine": float(cosines.mean())})  # fmt: skip
    lines = [
        f"# Encoder runtimes ({len(passages)} CSL passages and as many keyword needs; model {encoder.model_id})",
        "",
        "| runtime | passages/s | needs/s | min cosine to served | mean cosine | usable (min ≥ 0.99) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['runtime']} | — | — | — | — | not measured: {r['error']} |")
            continue
        usable = "yes" if r["min_cosine"] >= 0.99 else "no"
        lines.append(
            f"| {r['runtime']} | {r['passages_per_s']:.1f} | {r['needs_per_s']:.1f} | {r['min_cosine']:.4f} "
            f"| {r['mean_cosine']:.4f} | {usable} |"
        )
    text = "\n".join(lines) + "\n"
    OUT.mkdir(exist_ok=True)
    (OUT / "encoder-runtimes.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    (OUT / "encoder-runtimes.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
