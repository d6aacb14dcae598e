"""Pipeline benchmark: need submission latency, NeedSubmitted → matching end-to-end latency and throughput,
and the time from a city reporting an approved need to the CandidateProposed event on Kafka (R-F1 → R-F2).

Runs on the embedded PostgreSQL and Tansu (or $TEST_DATABASE_URL / $TEST_KAFKA_BOOTSTRAP_SERVERS), with
intake and matching in this process and the demo data (real CSL papers as achievements).
Prints a table and writes bench-results/pipeline.{json,md}.

    make bench            # N=300 needs, concurrency 8
    python -m benchmarks.pipeline --needs 1000 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import select, text

from benchmarks.stack import BenchStack
from benchmarks.write_path import profile
from devstack.config import REPO_ROOT
from devstack.demo import Loader, load_papers
from devstack.inprocess import InProcessPlatform
from devstack.services import SERVICES
from services.intake.adapters.orm import needs as intake_needs
from services.matching.adapters.orm import needs as matching_needs
from shared.auth import Bureau, Principal, Role, mint_token
from shared.db import create_engine, drop_database, session_factory, with_database
from shared.events.contracts import CandidateProposedV1, NeedReportedToProvinceV1, NeedSubmittedV1
from shared.events.envelope import CloudEvent
from shared.events.topics import MATCHING_CANDIDATE
from shared.service_cli import migrate

SECRET = "bench-secret-0123456789-abcdefghijklmnop"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run(
    n_needs: int, concurrency: int, reports: int = 20, *, profiling: bool = False, papers_n: int | None = None
) -> dict:
    stack = await BenchStack.start("techbridge-bench-")
    server_url, bootstrap, tansu = stack.server_url, stack.bootstrap, stack.tansu
    databases = {}
    for svc in SERVICES:
        if svc.name in ("intake", "matching"):
            url = with_database(server_url, f"bench_{svc.name}")
            await drop_database(url)
            await migrate(svc.directory, url)
            databases[svc.name] = url
    platform = await InProcessPlatform.start(databases, bootstrap, tansu=tansu, jwt_secret=SECRET)
    try:
        client = platform["intake"].client
        papers = load_papers()[:papers_n]  # the full demo: 299 researchers, 1,000 achievements (encoded once, ~80 s)
        loaded = await Loader(client, SECRET, log=lambda *_: None).run(papers, enterprises_per_city=1, seed=7)
        province = _headers(Role.PROVINCE)
        batch = (await client.get("/intake/v1/batches?programme=commissioner", headers=province)).json()["items"][0]
        enterprise = (await client.get("/intake/v1/enterprises?page_size=1", headers=province)).json()["items"][0]
        headers = _headers(Role.ENTERPRISE, enterprise_id=enterprise["id"])
        body = {
            "batch_id": batch["id"],
            **_need_text(papers[0]),
            "industry": "测试",
            "cooperation_forms": ["joint_rd"],
            "conditions_offered": "提供研发岗位与食宿",
            "experts_wanted": 1,
        }
        await _idle(platform, loaded["reported"])  # the demo's reported needs first (cold index): not measured
        api_latencies: list[float] = []
        created: list[dict] = []
        semaphore = asyncio.Semaphore(concurrency)

        async def submit_one() -> None:
            async with semaphore:
                start = time.perf_counter()
                response = await client.post("/intake/v1/needs", json=body, headers=headers)
                api_latencies.append(time.perf_counter() - start)
                assert response.status_code == 201, response.text
                created.append(response.json())

        # --profile: py-spy samples this process (every thread) during the burst and the drain after it
        profiler = profile(os.getpid(), "pipeline-burst", 12, "--threads") if profiling else None
        started = time.perf_counter()
        await asyncio.gather(*(submit_one() for _ in range(n_needs)))
        submitted = time.perf_counter() - started

        matching_engine = create_engine(databases["matching"], pool_size=1)
        intake_engine = create_engine(databases["intake"], pool_size=1)
        try:
            deadline = time.monotonic() + 300
            mine = {uuid.UUID(n["id"]) for n in created}
            while True:
                async with session_factory(matching_engine)() as s:
                    received = dict((await s.execute(select(matching_needs.c.id, matching_needs.c.received_at))).all())
                if mine <= set(received) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
            drained = time.perf_counter() - started
            if profiler:
                profiler.wait(60)
            async with session_factory(intake_engine)() as s:
                sent = dict((await s.execute(select(intake_needs.c.id, intake_needs.c.submitted_at))).all())
        finally:
            await matching_engine.dispose()
            await intake_engine.dispose()
        e2e = [(received[i] - sent[i]).total_seconds() for i in mine if i in received]
        submission_stages = await _submission_stages(databases, mine)

        distinct = []  # needs on different topics, so capacity (1 per researcher) does not run out
        for paper in papers[1 : reports + 1]:
            response = await client.post("/intake/v1/needs", json={**body, **_need_text(paper)}, headers=headers)
            assert response.status_code == 201, response.text
            distinct.append(response.json())
        # A need is submitted days before its city reports it; matching takes it in (and pre-encodes it) meanwhile.
        # Reporting it the same second would measure the background encoding of the submissions just made.
        await asyncio.sleep(SETTLE_S)
        # --profile: and during the reports, one at a time (each run's own cost, without the burst's)
        profiler = profile(os.getpid(), "pipeline-reports", 8, "--threads") if profiling else None
        report_to_proposed = await _report_to_candidate(platform, distinct, enterprise, databases)
        if profiler:
            profiler.wait(60)
    finally:
        await platform.stop()
        stack.stop()

    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "broker": "tansu (embedded)" if tansu else bootstrap,
        "needs": n_needs,
        "concurrency": concurrency,
        "delivered": len(e2e),
        "api_post_ms": {
            "p50": 1000 * pct(api_latencies, 50),
            "p95": 1000 * pct(api_latencies, 95),
            "mean": 1000 * statistics.mean(api_latencies),
        },
        "submit_throughput_per_s": n_needs / submitted,
        "end_to_end_ms": {"p50": 1000 * pct(e2e, 50), "p95": 1000 * pct(e2e, 95), "max": 1000 * max(e2e)},
        "end_to_end_throughput_per_s": len(e2e) / drained,
        "end_to_end_stages_ms": submission_stages,
        "demo_slice": loaded,
        "report_to_candidate_proposed_ms": report_to_proposed,
    }


SETTLE_S = 5.0


def _headers(role: Role, **claims) -> dict[str, str]:
    token = mint_token(Principal(subject=f"bench-{role.value}", role=role, **claims), secret=SECRET)
    return {"Authorization": f"Bearer {token}"}


async def _idle(platform: InProcessPlatform, expected_runs: int) -> None:
    """Wait until matching has taken up ``expected_runs`` jobs (one per reported demo need, once their events
    arrive) and finished them all: the first builds the cold index, which is not what is measured here."""
    province = _headers(Role.PROVINCE)
    for _ in range(6000):
        counts = {}
        for status in ("queued", "running", "succeeded", "failed"):
            page = await platform["matching"].client.get(f"/matching/v1/runs?status={status}", headers=province)
            counts[status] = page.json()["total"]
        if counts["queued"] + counts["running"] == 0 and counts["succeeded"] + counts["failed"] >= expected_runs:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"matching jobs did not finish: {counts}")


def _need_text(paper: dict) -> dict:
    return {
        "title": f"{paper['keywords'][0]}关键技术攻关"[:200],
        "description": "我公司亟需解决与「{}」相关的技术难题。{}".format(
            "」「".join(paper["keywords"][:2]), paper["abstract"][:200]
        ),
        "desired_expertise": paper["discipline"],
        "keywords": paper["keywords"][:4],
    }


async def _report_to_candidate(platform: InProcessPlatform, needs: list[dict], enterprise, databases: dict) -> dict:
    """For each need, one at a time: approve, then time the city's report call until CandidateProposed
    for that need arrives on Kafka (intake → outbox → Kafka → matching job → outbox → Kafka)."""
    client = platform["intake"].client
    city = enterprise["city_code"]
    bureau = _headers(Role.CITY_BUREAU, city_code=city, bureau=Bureau.SCIENCE_TECH)
    settings = platform["matching"].runtime.settings
    # No consumer group (a group join can take many seconds on Tansu): read every partition from its end.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms
    )
    arrived: dict[str, float] = {}
    walls: dict[str, list[datetime]] = {}  # need id → [report call started, CandidateProposed arrived] (wall clock)
    await consumer.start()
    partitions = [TopicPartition(MATCHING_CANDIDATE.name, p) for p in range(MATCHING_CANDIDATE.partitions)]
    consumer.assign(partitions)
    await consumer.seek_to_end(*partitions)
    for partition in partitions:  # resolve the end offsets now, before the first report is made
        await consumer.position(partition)

    async def listen() -> None:
        async for message in consumer:
            event = CloudEvent.from_bytes(message.value)
            if event.type == CandidateProposedV1.event_type and event.subject not in arrived:
                arrived[event.subject] = time.perf_counter()
                walls.setdefault(event.subject, [datetime.now(UTC)]).append(datetime.now(UTC))

    listener = asyncio.create_task(listen())
    latencies, missed = [], 0
    try:
        for need in needs:
            approved = await client.post(f"/intake/v1/needs/{need['id']}/approve", headers=bureau)
            assert approved.status_code == 200, approved.text
            start = time.perf_counter()
            walls[need["id"]] = [datetime.now(UTC)]
            reported = await client.post(f"/intake/v1/needs/{need['id']}/report", headers=bureau)
            assert reported.status_code == 200, reported.text
            for _ in range(600):
                if need["id"] in arrived:
                    latencies.append(arrived[need["id"]] - start)
                    break
                await asyncio.sleep(0.01)
            else:
                missed += 1
                listed = await platform["matching"].client.get(
                    f"/matching/v1/needs/{need['id']}/candidate-list", headers=_headers(Role.PROVINCE)
                )
                print(
                    f"no CandidateProposed for need {need['id']} within 6 s: {listed.status_code} {listed.text[:300]}"
                )
                runs = await platform["matching"].client.get(
                    "/matching/v1/runs?page_size=3", headers=_headers(Role.PROVINCE)
                )
                for r in runs.json()["items"]:
                    print(
                        "   ",
                        {
                            k: r[k]
                            for k in ("status", "phase", "need_ids", "created_at", "started_at", "finished_at", "error")
                        },
                    )
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
        await consumer.stop()
    if not latencies:
        return {"needs": len(needs), "missed": missed}
    return {
        "needs": len(needs),
        "missed": missed,
        "p50": 1000 * pct(latencies, 50),
        "p95": 1000 * pct(latencies, 95),
        "max": 1000 * max(latencies),
        "stages_ms": await _stages(databases, {k: v for k, v in walls.items() if len(v) == 2}),
    }


STAGES = (
    ("report call → intake commit", "reported", "intake_committed"),
    ("intake relay: commit → published", "intake_committed", "intake_published"),
    ("Kafka → matching's consumer stored it", "intake_published", "matching_received"),
    ("job queue: stored → run started", "matching_received", "run_started"),
    ("the run: rank, assign, write the list", "run_started", "run_finished"),
    ("matching relay: commit → published", "run_finished", "matching_published"),
    ("Kafka → the benchmark's consumer", "matching_published", "arrived"),
)


async def _stages(databases: dict, walls: dict[str, list[datetime]]) -> dict[str, dict[str, float]]:
    """Where the time between a report call and CandidateProposed goes, per stage (p50/p95 in ms), from the
    timestamps the services keep: outbox rows, the inbox, the job."""
    from shared.db import create_engine as engine_for

    intake, matching = engine_for(databases["intake"], pool_size=1), engine_for(databases["matching"], pool_size=1)
    moments: dict[str, dict[str, datetime]] = {}
    try:
        async with intake.connect() as c:
            rows = await c.execute(text(
                "SELECT message_key, event_id, created_at, published_at FROM outbox WHERE event_type = :t"
            ), {"t": NeedReportedToProvinceV1.event_type})  # fmt: skip
            sent = {r.message_key: r for r in rows}
        async with matching.connect() as c:
            received = dict((await c.execute(text("SELECT event_id, processed_at FROM inbox"))).all())
            runs = (await c.execute(text("SELECT need_ids, started_at, finished_at FROM matching_runs"))).all()
            proposed = {r.message_key: r.published_at for r in await c.execute(text(
                "SELECT message_key, published_at FROM outbox WHERE event_type = :t"
            ), {"t": CandidateProposedV1.event_type})}  # fmt: skip
    finally:
        await intake.dispose()
        await matching.dispose()
    for need_id, (reported, arrived) in walls.items():
        row = sent.get(need_id)
        run = next((r for r in runs if r.need_ids == [need_id] and r.started_at and r.finished_at), None)
        if row is None or run is None or str(row.event_id) not in received or need_id not in proposed:
            continue
        moments[need_id] = {
            "reported": reported, "intake_committed": row.created_at, "intake_published": row.published_at,
            "matching_received": received[str(row.event_id)], "run_started": run.started_at,
            "run_finished": run.finished_at, "matching_published": proposed[need_id], "arrived": arrived,
        }  # fmt: skip
    out = {}
    for label, a, b in STAGES:
        spans = [1000 * (m[b] - m[a]).total_seconds() for m in moments.values() if m[a] and m[b]]
        if spans:
            out[label] = {"p50": pct(spans, 50), "p95": pct(spans, 95)}
    return out


async def _submission_stages(databases: dict, mine: set[uuid.UUID]) -> dict[str, dict[str, float]]:
    """Where the time from intake's commit to matching's copy goes: the outbox row's transaction start (≈ the
    commit), its publication, the inbox row of matching's consumer (its transaction's start)."""
    from shared.db import create_engine as engine_for

    intake, matching = engine_for(databases["intake"], pool_size=1), engine_for(databases["matching"], pool_size=1)
    try:
        async with intake.connect() as c:
            sent = {r.message_key: r for r in await c.execute(text(
                "SELECT message_key, event_id, created_at, published_at FROM outbox WHERE event_type = :t"
            ), {"t": NeedSubmittedV1.event_type})}  # fmt: skip
        async with matching.connect() as c:
            received = dict((await c.execute(text("SELECT event_id, processed_at FROM inbox"))).all())
    finally:
        await intake.dispose()
        await matching.dispose()
    spans: dict[str, list[float]] = {"intake relay: commit → published": [], "Kafka → matching's consumer": []}
    for need_id in map(str, mine):
        row = sent.get(need_id)
        if row is None or row.published_at is None or str(row.event_id) not in received:
            continue
        spans["intake relay: commit → published"].append(1000 * (row.published_at - row.created_at).total_seconds())
        spans["Kafka → matching's consumer"].append(
            1000 * (received[str(row.event_id)] - row.published_at).total_seconds()
        )
    return {k: {"p50": pct(v, 50), "p95": pct(v, 95)} for k, v in spans.items() if v}


def report(result: dict) -> str:
    api, e2e = result["api_post_ms"], result["end_to_end_ms"]
    rows = [
        ("POST /intake/v1/needs (ms)", f"{api['p50']:.1f}", f"{api['p95']:.1f}", f"mean {api['mean']:.1f}"),
        (
            "committed in intake → stored by matching (ms)",
            f"{e2e['p50']:.1f}",
            f"{e2e['p95']:.1f}",
            f"max {e2e['max']:.1f}",
        ),
        ("submission throughput (needs/s)", "", "", f"{result['submit_throughput_per_s']:.0f}"),
        ("end-to-end throughput (needs/s)", "", "", f"{result['end_to_end_throughput_per_s']:.0f}"),
    ]
    r2c = result["report_to_candidate_proposed_ms"]
    if "p50" in r2c:
        rows.append(
            (
                "city reports need → CandidateProposed on Kafka (ms)",
                f"{r2c['p50']:.0f}",
                f"{r2c['p95']:.0f}",
                f"max {r2c['max']:.0f}; {r2c['needs']} needs, {r2c['missed']} without a candidate",
            )
        )
    lines = [
        f"# Pipeline benchmark ({result['when']}, {result['broker']})",
        "",
        f"{result['needs']} needs, concurrency {result['concurrency']}, delivered to matching: {result['delivered']}",
        "",
        "| measure | p50 | p95 | other |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    if result.get("end_to_end_stages_ms"):
        lines += ["", "Where the time from intake's commit to matching's copy goes:", "",
                  "| stage | p50 (ms) | p95 (ms) |", "| --- | --- | --- |"]  # fmt: skip
        lines += [f"| {k} | {v['p50']:.0f} | {v['p95']:.0f} |" for k, v in result["end_to_end_stages_ms"].items()]
    stages = r2c.get("stages_ms") or {}
    if stages:
        lines += ["", "Where the time from a report to CandidateProposed goes (timestamps the services keep):", "",
                  "| stage | p50 (ms) | p95 (ms) |", "| --- | --- | --- |"]  # fmt: skip
        lines += [f"| {k} | {v['p50']:.0f} | {v['p95']:.0f} |" for k, v in stages.items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--needs", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--reports", type=int, default=20, help="needs timed from report to CandidateProposed")
    parser.add_argument("--profile", action="store_true", help="py-spy this process during the burst and the reports")
    parser.add_argument("--papers", type=int, default=None, help="load only this many demo papers (quicker)")
    args = parser.parse_args()
    result = asyncio.run(run(args.needs, args.concurrency, args.reports, profiling=args.profile, papers_n=args.papers))
    out = REPO_ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "pipeline.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    text = report(result)
    (out / "pipeline.md").write_text(text)
    print(text)
    print(f"written to {out / 'pipeline.json'} and {out / 'pipeline.md'}")


if __name__ == "__main__":
    main()
