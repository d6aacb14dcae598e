"""Intake → matching as deployed: a need committed in intake until matching has stored its copy, with each service
in its own process (intake ``--role all`` — API and relay — and matching ``--role worker`` — its consumers), on one
PostgreSQL server and one broker, needs filed over HTTP at a steady rate (an open loop: one request every 1/rate s,
whether or not earlier ones were answered). Goal (issue 14): p95 ≤ 100 ms at 92 needs/s.

The in-process pipeline benchmark (``benchmarks.pipeline``) runs both services and the load generator on one event
loop: there every await of matching's consumer waits behind intake's requests, which is not how they run.

Runs on the embedded PostgreSQL and Tansu (or $TEST_DATABASE_URL / $TEST_KAFKA_BOOTSTRAP_SERVERS). Prints a table
and writes bench-results/intake-to-matching.{json,md}.

    python -m benchmarks.intake_to_matching [--needs 300] [--rates 30,60,92]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid

from sqlalchemy import select

from benchmarks.pipeline import _submission_stages
from benchmarks.stack import BenchStack, publish
from benchmarks.write_path import (
    ENTERPRISE,
    SECRET,
    need_body,
    pct,
    profile,
    read_response,
    seed_intake,
    start,
    stop,
    token,
    wait_ready,
)
from devstack.infra import free_port
from devstack.services import SERVICES, service_env
from services.intake.adapters.orm import needs as intake_needs
from services.matching.adapters.orm import needs as matching_needs
from shared.auth import Role
from shared.db import create_engine, drop_database, session_factory, with_database
from shared.service_cli import migrate


async def run(n_needs: int, rate: float, *, profiling: bool = False) -> dict:
    stack = await BenchStack.start("techbridge-i2m-")
    processes = []
    databases: dict[str, str] = {}
    try:
        ports = {}
        for name, role in (("intake", "all"), ("matching", "worker")):
            spec = next(s for s in SERVICES if s.name == name)
            database = f"bench_i2m_{name}"
            databases[name] = with_database(stack.server_url, database)
            await drop_database(databases[name])
            await migrate(spec.directory, databases[name])
            env = service_env(spec, server_url=stack.server_url, bootstrap=stack.bootstrap, jwt_secret=SECRET,
                              tansu=stack.tansu, database=database)  # fmt: skip
            env[f"{spec.env_prefix}LOG_JSON"] = "false"
            ports[name] = free_port()
            argv = [sys.executable, "-m", f"services.{name}", "serve", "--role", role, "--host", "127.0.0.1"]
            processes.append(start([*argv, "--port", str(ports[name])], env, stack.tmp / f"{name}.log"))
            await wait_ready(f"http://127.0.0.1:{ports[name]}/readyz", processes[-1])
        base = f"http://127.0.0.1:{ports['intake']}"
        batch_id = await seed_intake(base)
        body = need_body(batch_id)
        created: list[str] = []
        latencies: list[float] = []
        port = ports["intake"]
        request = (
            f"POST /intake/v1/needs HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token(Role.ENTERPRISE, enterprise_id=ENTERPRISE)}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        idle: asyncio.Queue = asyncio.Queue()  # keep-alive connections; raw HTTP: the generator costs little CPU

        async def reconnect(n: int) -> None:  # the server closes connections idle for 5 s
            while not idle.empty():
                idle.get_nowait()[1].close()
            for _ in range(n):
                idle.put_nowait(await asyncio.open_connection("127.0.0.1", port))

        async def file_one() -> None:
            reader, writer = await idle.get()
            try:
                started = time.perf_counter()
                writer.write(request)
                status, answer = await read_response(reader)
                latencies.append(time.perf_counter() - started)
                if status != 201:
                    raise RuntimeError(f"POST answered {status}: {answer[:300]!r}")
                created.append(json.loads(answer)["id"])
            finally:
                idle.put_nowait((reader, writer))

        await reconnect(1)
        for _ in range(10):  # warm: caches; and matching's consumers have joined their groups
            await file_one()
        await _wait_and_measure(databases, {uuid.UUID(i) for i in created}, timeout=180)
        created.clear()
        latencies.clear()
        await reconnect(32)
        seconds = n_needs / rate + 3
        named = zip(processes, ports, strict=True)
        profilers = [profile(p.pid, f"intake-to-matching-{n}", seconds) for p, n in named] if profiling else []
        began = time.perf_counter()
        tasks = []
        for i in range(n_needs):
            await asyncio.sleep(max(0.0, began + i / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(file_one()))
        await asyncio.gather(*tasks)
        offered = n_needs / (time.perf_counter() - began)
        for profiler in profilers:
            profiler.wait(60)
        while not idle.empty():
            idle.get_nowait()[1].close()
        mine = {uuid.UUID(i) for i in created}
        e2e = await _wait_and_measure(databases, mine)
        stages = await _submission_stages(databases, mine)
    finally:
        for process in processes:
            stop(process)
        stack.stop()
    return {
        "needs": n_needs,
        "rate_asked": rate,
        "rate_achieved": round(offered, 1),
        "post_ms": {"p50": round(1000 * pct(latencies, 50), 1), "p95": round(1000 * pct(latencies, 95), 1)},
        "end_to_end_ms": {k: round(1000 * pct(e2e, p), 1) for k, p in (("p50", 50), ("p95", 95), ("max", 100))},
        "delivered": len(e2e),
        "stages_ms": stages,
    }


async def _wait_and_measure(databases: dict[str, str], mine: set[uuid.UUID], timeout: float = 120) -> list[float]:
    """Once matching has stored every need of ``mine`` (or ``timeout`` passed): intake's commit → matching's copy."""
    matching = create_engine(databases["matching"], pool_size=1)
    intake = create_engine(databases["intake"], pool_size=1)
    try:
        deadline = time.monotonic() + timeout
        while True:
            async with session_factory(matching)() as s:
                stmt = select(matching_needs.c.id, matching_needs.c.received_at).where(matching_needs.c.id.in_(mine))
                received = dict((await s.execute(stmt)).all())
            if len(received) == len(mine) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        async with session_factory(intake)() as s:
            stmt = select(intake_needs.c.id, intake_needs.c.submitted_at).where(intake_needs.c.id.in_(mine))
            sent = dict((await s.execute(stmt)).all())
    finally:
        await matching.dispose()
        await intake.dispose()
    return [(received[i] - sent[i]).total_seconds() for i in mine if i in received]


def report(results: list[dict]) -> str:
    lines = [
        "# Intake → matching, each service in its own process (300 needs per rate, open loop)",
        "",
        "| rate asked / achieved (needs/s) | POST p50 / p95 ms | commit → stored by matching p50 / p95 / max ms "
        "| relay: commit → published p50 / p95 | Kafka → matching's consumer p50 / p95 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results:
        e2e, stages = r["end_to_end_ms"], r["stages_ms"]
        relay, consumer = (stages.get(k, {"p50": float("nan"), "p95": float("nan")}) for k in STAGES)
        lines.append(
            f"| {r['rate_asked']:.0f} / {r['rate_achieved']} | {r['post_ms']['p50']} / {r['post_ms']['p95']} "
            f"| {e2e['p50']} / {e2e['p95']} / {e2e['max']} | {relay['p50']:.0f} / {relay['p95']:.0f} "
            f"| {consumer['p50']:.0f} / {consumer['p95']:.0f} |"
        )
    lines += ["", "Goal (issue 14): committed in intake → stored by matching p95 ≤ 100 ms at 92 needs/s.", ""]
    return "\n".join(lines)


STAGES = ("intake relay: commit → published", "Kafka → matching's consumer")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=300)
    parser.add_argument("--rates", default="30,60,92", help="needs per second, one run each")
    parser.add_argument("--profile", action="store_true", help="py-spy both services during each burst")
    args = parser.parse_args()
    results = [asyncio.run(run(args.needs, float(rate), profiling=args.profile)) for rate in args.rates.split(",")]
    publish("intake-to-matching", {"runs": results}, report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
