"""Pipeline benchmark: need submission latency, and NeedSubmitted → matching end-to-end latency and throughput.

Runs on the embedded PostgreSQL and Tansu (or $TEST_DATABASE_URL / $TEST_KAFKA_BOOTSTRAP_SERVERS), with
intake and matching in this process. Prints a table and writes bench-results/pipeline.{json,md}.

    make bench            # N=300 needs, concurrency 8
    python -m benchmarks.pipeline --needs 1000 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from devstack.config import REPO_ROOT
from devstack.infra import EmbeddedBroker, EmbeddedPostgres, free_port
from devstack.inprocess import InProcessPlatform
from devstack.services import SERVICES, all_topics
from services.intake.adapters.orm import needs as intake_needs
from services.matching.adapters.orm import needs as matching_needs
from shared.auth import Principal, Role, mint_token
from shared.db import create_engine, drop_database, session_factory, with_database
from shared.messaging.kafka import ensure_topics
from shared.service_cli import migrate

SECRET = "bench-secret-0123456789-abcdefghijklmnop"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run(n_needs: int, concurrency: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="techbridge-bench-"))
    postgres = broker = None
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        postgres = EmbeddedPostgres(tmp / "pg", delete_on_stop=True)
        server_url = postgres.start()
    bootstrap = os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS")
    tansu = bootstrap is None
    if tansu:
        broker = EmbeddedBroker(free_port(), tmp / "tansu.log")
        bootstrap = broker.start()
    await ensure_topics(bootstrap, all_topics())
    databases = {}
    for svc in SERVICES:
        if svc.name in ("intake", "matching"):
            url = with_database(server_url, f"bench_{svc.name}")
            await drop_database(url)
            await migrate(svc.directory, url)
            databases[svc.name] = url
    platform = await InProcessPlatform.start(databases, bootstrap, tansu=tansu, jwt_secret=SECRET)
    try:
        token = mint_token(
            Principal(
                subject="bench", role=Role.ENTERPRISE, enterprise_id=f"bench-{uuid.uuid4().hex[:6]}", city_code="230100"
            ),
            secret=SECRET,
        )
        headers = {"Authorization": f"Bearer {token}"}
        body = {
            "programme": "commissioner",
            "title": "低温环境下锂电池容量衰减",
            "description": "黑龙江冬季气温低至零下三十度，储能电池容量衰减严重，需要电池热管理与低温电解液方案。",
            "keywords": ["锂电池", "低温", "热管理"],
        }
        api_latencies: list[float] = []
        semaphore = asyncio.Semaphore(concurrency)

        async def submit_one() -> None:
            async with semaphore:
                start = time.perf_counter()
                response = await platform["intake"].client.post("/intake/v1/needs", json=body, headers=headers)
                api_latencies.append(time.perf_counter() - start)
                assert response.status_code == 201, response.text

        started = time.perf_counter()
        await asyncio.gather(*(submit_one() for _ in range(n_needs)))
        submitted = time.perf_counter() - started

        matching_engine = create_engine(databases["matching"], pool_size=1)
        intake_engine = create_engine(databases["intake"], pool_size=1)
        try:
            deadline = time.monotonic() + 300
            while True:
                async with session_factory(matching_engine)() as s:
                    received = dict((await s.execute(select(matching_needs.c.id, matching_needs.c.received_at))).all())
                if len(received) >= n_needs or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
            drained = time.perf_counter() - started
            async with session_factory(intake_engine)() as s:
                sent = dict((await s.execute(select(intake_needs.c.id, intake_needs.c.submitted_at))).all())
        finally:
            await matching_engine.dispose()
            await intake_engine.dispose()
        e2e = [(received[i] - sent[i]).total_seconds() for i in sent if i in received]
    finally:
        await platform.stop()
        if broker:
            broker.stop()
        if postgres:
            postgres.stop()

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
    }


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
    lines = [
        f"# Pipeline benchmark ({result['when']}, {result['broker']})",
        "",
        f"{result['needs']} needs, concurrency {result['concurrency']}, delivered to matching: {result['delivered']}",
        "",
        "| measure | p50 | p95 | other |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--needs", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    result = asyncio.run(run(args.needs, args.concurrency))
    out = REPO_ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "pipeline.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    text = report(result)
    (out / "pipeline.md").write_text(text)
    print(text)
    print(f"written to {out / 'pipeline.json'} and {out / 'pipeline.md'}")


if __name__ == "__main__":
    main()
