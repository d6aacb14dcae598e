"""Issue 14's table, reproduced from the figures the other benchmarks wrote: bench-results/summary.md.

``make bench`` runs it last. Each row reads one benchmark's JSON in bench-results/ and sets the measured figure beside
its goal; a benchmark that has not run leaves its rows "not run". Nothing is measured here.

    python -m benchmarks.summary
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.write_path import MINIMAL, run_name
from devstack.config import REPO_ROOT

OUT = REPO_ROOT / "bench-results"
Verdict = bool | str | None  # goal met or not; a verdict of its own for a goal of two parts; None: no goal, measured


@dataclass(frozen=True)
class Row:
    what: str
    source: str  # bench-results/<source>.json
    goal: str
    measure: Callable[[dict], tuple[str, Verdict]]  # the figures → (what was measured, the verdict)


def _fresh_process(r: dict) -> tuple[str, bool]:
    ready, first = r["fresh_process_ready_s"], r["fresh_process_first_ranking_s"]
    return f"first ranking once ready {first} s (started → ready {ready} s: model and index loaded first)", first <= 5


def _live(r: dict) -> tuple[str, bool]:
    v = r["repeated_view_ms"]
    return f"p50 {v['p50']} ms, p95 {v['p95']} ms ({r['profiles']:,} profiles)", v["p50"] <= 50 and v["p95"] <= 100


def _report_to_candidate(r: dict) -> tuple[str, bool]:
    m = r["report_to_candidate_proposed_ms"]
    if "p50" not in m:
        return "no candidate proposed", False
    return f"p50 {m['p50']:.0f} ms, p95 {m['p95']:.0f} ms", m["p50"] <= 100 and m["p95"] <= 200


def _intake_to_matching(r: dict) -> tuple[str, bool]:
    run = max(r["runs"], key=lambda x: x["rate_asked"])
    e2e = run["end_to_end_ms"]
    delivered = f"{run['delivered']}/{run['needs']} delivered"
    met = e2e["p95"] <= 100 and run["rate_asked"] >= 92 and run["delivered"] == run["needs"]
    return f"p50 {e2e['p50']} ms, p95 {e2e['p95']} ms at {run['rate_achieved']}/s ({delivered})", met


def _served(r: dict, set_name: str) -> dict:
    return r["sets"][set_name][r["served"]]["test"]


def _keywords(r: dict) -> tuple[str, Verdict]:
    k = _served(r, "keywords")
    measured = f"{k['recall@1']:.3f} / {k['mrr']:.3f} (R@10 {k['recall@10']:.3f})"
    return measured, _two_parts(("R@1", k["recall@1"] >= 0.98), ("MRR", k["mrr"] >= 0.985))


def _two_parts(first: tuple[str, bool], second: tuple[str, bool]) -> Verdict:
    """Both met, both missed, or which part is met and which not."""
    if first[1] == second[1]:
        return first[1]
    met, missed = (first, second) if first[1] else (second, first)
    return f"{met[0]} met; **{missed[0]} not met**"


def _reworded(r: dict) -> tuple[str, bool]:
    rankings = r["sets"]["reworded"]
    served, dense = _served(r, "reworded"), next(v["test"] for k, v in rankings.items() if k.startswith("dense("))
    measured = f"{served['top1']}/{served['needs']} (its dense part {dense['top1']}/{dense['needs']}; own, harder set)"
    return measured, served["top1"] >= 34 / 35 * served["needs"]


def _field(r: dict) -> tuple[str, bool]:
    share = _served(r, "field")["same_discipline@10"]
    return f"{share:.3f}", share >= 0.35


def _write(r: dict, name: str, processes: int) -> tuple[str, Verdict]:
    run, minimal = r["runs"][run_name(name, processes)], r["runs"][run_name(MINIMAL, processes)]
    measured = (
        f"{run['per_second']}/s = {run['vs_minimal']}× the minimal app, p99 {run['p99_ms']} ms; "
        f"{run['app_cpu_ms_per_request']} ms CPU per request (minimal {minimal['app_cpu_ms_per_request']} ms)"
    )
    return measured, _two_parts(("p99", run["p99_ms"] <= 50), ("0.5×", run["vs_minimal"] >= 0.5))


def _ann(r: dict) -> tuple[str, bool]:
    ok = [x for x in r["rows"] if x["recall@10_vs_exact"] >= 0.95 and x["p99_ms"] <= 10]
    best = min(ok, key=lambda x: x["p99_ms"]) if ok else max(r["rows"], key=lambda x: x["recall@10_vs_exact"])
    measured = f"{best['index']}, {best['setting']}: recall@10 {best['recall@10_vs_exact']}, p99 {best['p99_ms']} ms"
    return f"{measured} ({r['profiles']:,} profiles)", bool(ok)


def _memory(r: dict) -> tuple[str, Verdict]:
    """Memory per profile from the slope between the 10k and the 100k runs: the model and the libraries are a fixed
    part (about 1 GB) that a division by the profile count would spread over the profiles."""
    measured = f"{r['rss_mb']['after']} MB at {r['profiles']:,} profiles"
    small = OUT / "live-ranking.json"
    if small.exists():
        s = json.loads(small.read_text())
        if s["profiles"] < r["profiles"]:
            slope = (r["rss_mb"]["after"] - s["rss_mb"]["after"]) / (r["profiles"] - s["profiles"]) * 100_000
            fixed = s["rss_mb"]["after"] - slope * s["profiles"] / 100_000
            measured += f", {s['rss_mb']['after']} MB at {s['profiles']:,}: ≈ {fixed:.0f} MB + {slope:.0f} MB per 100k"
    return measured, None


def _live_100k(r: dict) -> tuple[str, Verdict]:
    v = r["repeated_view_ms"]
    return f"ready in {r['fresh_process_ready_s']} s; p50 {v['p50']} ms, p95 {v['p95']} ms", None


ROWS = [
    Row("first `GET …/candidates` of a fresh API process, 10k profiles", "live-ranking", "≤ 5 s", _fresh_process),
    Row("live ranking per call, 10k profiles", "live-ranking", "p50 ≤ 50 ms, p95 ≤ 100 ms", _live),
    Row("report → `CandidateProposed`", "pipeline", "p50 ≤ 100 ms, p95 ≤ 200 ms", _report_to_candidate),
    Row(
        "need committed in intake → stored by matching, 300 needs",
        "intake-to-matching",
        "p95 ≤ 100 ms at 92/s",
        _intake_to_matching,
    ),
    Row(
        "keyword-style needs, recall@1 / MRR (served ranking, CSL test)",
        "matching-quality",
        "≥ 0.98 / ≥ 0.985",
        _keywords,
    ),
    Row("reworded needs, top-1 (served ranking)", "matching-quality", "≥ 34/35 of the set", _reworded),
    Row("field level: same-discipline researchers in the top 10", "matching-quality", "≥ 0.35", _field),
    *(
        Row(
            f"filing a need, {label}, concurrency 16",
            "write-path",
            "p99 ≤ 50 ms, ≥ 0.5× minimal",
            lambda r, run=run, processes=processes: _write(r, run, processes),
        )
        for label, run, processes in (
            ("`--role api`", "intake --role api", 1),
            ("`--role all` (`make run`)", "intake --role all", 1),
            ("two API processes of each app", "intake --role api", 2),
        )
    ),
    Row("live ranking through the API at 100k profiles", "live-ranking-100000", "measured (no goal)", _live_100k),
    Row("memory of a matching API process", "live-ranking-100000", "documented (README, sizing)", _memory),
    Row("approximate search at 1M profiles", "ann-scale", "recall@10 ≥ 0.95 at p99 ≤ 10 ms", _ann),
]


def summarise() -> str:
    lines = [
        "# Issue 14: measured against its goals (from the figures in bench-results/)",
        "",
        "| what | measured | goal | |",
        "| --- | --- | --- | --- |",
    ]
    for row in ROWS:
        path = OUT / f"{row.source}.json"
        if path.exists():
            measured, verdict = row.measure(json.loads(path.read_text()))
            verdict = {True: "met", False: "**not met**", None: "measured"}.get(verdict, verdict)
        else:
            measured, verdict = f"not run (bench-results/{row.source}.json)", "—"
        lines.append(f"| {row.what} | {measured} | {row.goal} | {verdict} |")
    lines += ["", "Where a goal is not met, the README (Performance) gives the measured cause.", ""]
    return "\n".join(lines)


def main() -> int:
    text = summarise()
    OUT.mkdir(exist_ok=True)
    (OUT / "summary.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
