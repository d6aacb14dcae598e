"""Write path: filing a need (``POST /intake/v1/needs``) beside a minimal FastAPI + asyncpg app doing the same write.

Both run as their own uvicorn processes on the same PostgreSQL, one after the other under the same closed-loop load
(``--concurrency`` connections kept busy for ``--seconds``, after a warm-up), in this one run: intake as compose runs
its API replicas (``--role api``: REST only, the relay in the worker process) and as ``make run`` runs it (``--role
all``: relay, consumers and jobs in the same process, on an embedded Tansu). The yardstick app
(``benchmarks.minimal_write_app``) does one read and inserts the need, an outbox row and an audit row in one
transaction. Goals (issue 14): intake's p99 ≤ 50 ms at concurrency 16, and ≥ 0.5× the yardstick's throughput.

Runs on the embedded PostgreSQL (or $TEST_DATABASE_URL). Prints a table and writes bench-results/write-path.{json,md}.

    make bench-write
    python -m benchmarks.write_path --concurrency 16 --seconds 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx

from benchmarks.stack import BenchStack, publish
from devstack.config import REPO_ROOT
from devstack.infra import free_port
from devstack.services import SERVICES, service_env
from shared.auth import Principal, Role, mint_token
from shared.db import drop_database, ensure_database, with_database
from shared.service_cli import migrate
from shared.timeutil import today_in_china

SECRET = "bench-secret-0123456789-abcdefghijklmnop"
ENTERPRISE = "912301003KNQLGY78T"  # a valid credit code (R-C7 check character)
OUT = REPO_ROOT / "bench-results"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def token(role: Role, **claims) -> str:
    return mint_token(Principal(subject=f"bench-{role.value}", role=role, **claims), secret=SECRET)


async def closed_loop(port: int, path: str, body: bytes, auth: str, *, concurrency: int, seconds: float) -> dict:
    """``concurrency`` keep-alive connections, each sending the next request as soon as the last is answered
    (raw HTTP/1.1 on asyncio streams: the generator costs far less CPU than an HTTP client library)."""
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {auth}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(request)
                status, _ = await read_response(reader)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(latencies, 50) * 1000, 1),
        "p99_ms": round(pct(latencies, 99) * 1000, 1),
        "max_ms": round(max(latencies, default=0) * 1000, 1),
        "statuses": statuses,
    }


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 response off a keep-alive connection: its status and body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = (line.partition(":") for line in lines[1:])
    length = next(int(v) for k, _, v in fields if k.lower() == "content-length")
    return int(lines[0].split()[1]), await reader.readexactly(length)


async def wait_ready(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{url}: the process ended ({process.returncode})")
            try:
                if (await client.get(url)).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} not ready in {seconds} s")


async def seed_intake(base: str) -> str:
    """An open commissioner batch and an eligible enterprise; returns the batch id."""
    today = today_in_china()
    province = {"Authorization": f"Bearer {token(Role.PROVINCE)}"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        batch = await client.post(
            "/intake/v1/batches",
            headers=province,
            json={
                "programme": "commissioner",
                "year": today.year,
                "title": "写入基准批次",
                "opens_on": (today - timedelta(days=1)).isoformat(),
                "closes_on": (today + timedelta(days=30)).isoformat(),
            },
        )
        batch.raise_for_status()
        enterprise = await client.post(
            "/intake/v1/enterprises",
            headers=province,
            json={
                "credit_code": ENTERPRISE,
                "name": "哈尔滨写入基准科技有限公司",
                "city_code": "230100",
                "county": "南岗区",
                "registered_on": "2015-03-01",
                "independent_legal_person": True,
                "qualifications": ["high_tech"],
                "platforms": [],
                "is_soe": False,
            },
        )
        enterprise.raise_for_status()
        return batch.json()["id"]


def need_body(batch_id: str) -> bytes:
    return json.dumps(
        {
            "batch_id": batch_id,
            "title": "寒地玉米秸秆低温发酵菌剂研发",
            "description": "我公司在秸秆饲料生产中亟需解决低温条件下发酵启动慢、品质不稳定的问题，"
            "希望与高校合作筛选耐寒菌种。",
            "industry": "农产品加工",
            "keywords": ["秸秆", "低温发酵", "菌种筛选"],
            "cooperation_forms": ["joint_rd"],
            "conditions_offered": "提供研发岗位与食宿",
            "experts_wanted": 1,
        },
        ensure_ascii=False,
    ).encode()


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(argv, cwd=REPO_ROOT, env=os.environ | env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


def profile(pid: int, name: str, seconds: float, *extra: str) -> subprocess.Popen:
    """py-spy samples a service while it is measured: collapsed stacks (one line per stack, with its count) in
    bench-results/``name``.folded, to read with any flame-graph viewer or ``sort -t' ' -k2 -n``."""
    OUT.mkdir(exist_ok=True)
    target = OUT / f"{name}.folded"
    argv = ["py-spy", "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "250", "--format", "raw"]
    return subprocess.Popen([*argv, *extra, "--output", str(target), "--nonblocking"], stdout=subprocess.DEVNULL)


async def run(concurrency: int, seconds: float, warmup: float, *, profiling: bool = False) -> dict:
    stack = await BenchStack.start("techbridge-write-")
    server_url, bootstrap, tansu, tmp = stack.server_url, stack.bootstrap, stack.tansu, stack.tmp
    intake = next(s for s in SERVICES if s.name == "intake")
    load = dict(concurrency=concurrency, seconds=seconds)
    results: dict = {"concurrency": concurrency, "seconds": seconds, "runs": {}}
    try:
        minimal_url = with_database(server_url, "bench_write_minimal")
        await drop_database(minimal_url)
        await ensure_database(minimal_url)
        port = free_port()
        dsn = minimal_url.replace("postgresql+asyncpg://", "postgresql://")
        process = start([sys.executable, "-m", "benchmarks.minimal_write_app", "--dsn", dsn, "--port", str(port)], {},
                        tmp / "minimal.log")  # fmt: skip
        try:
            await wait_ready(f"http://127.0.0.1:{port}/docs", process)
            body = need_body("00000000-0000-4000-8000-000000000001")
            auth = token(Role.ENTERPRISE, enterprise_id=ENTERPRISE)
            await closed_loop(port, "/needs", body, auth, concurrency=concurrency, seconds=warmup)
            results["runs"]["minimal FastAPI + asyncpg"] = await closed_loop(port, "/needs", body, auth, **load)
        finally:
            stop(process)

        for role in ("api", "all"):
            url = with_database(server_url, f"bench_write_intake_{role}")
            await drop_database(url)
            await migrate(intake.directory, url)
            env = service_env(intake, server_url=server_url, bootstrap=bootstrap, jwt_secret=SECRET, tansu=tansu,
                              database=f"bench_write_intake_{role}")  # fmt: skip
            env[f"{intake.env_prefix}LOG_JSON"] = "false"
            port = free_port()
            argv = [sys.executable, "-m", "services.intake", "serve", "--role", role, "--host", "127.0.0.1"]
            process = start([*argv, "--port", str(port)], env, tmp / f"intake-{role}.log")
            try:
                await wait_ready(f"http://127.0.0.1:{port}/readyz", process)
                batch_id = await seed_intake(f"http://127.0.0.1:{port}")
                body, auth = need_body(batch_id), token(Role.ENTERPRISE, enterprise_id=ENTERPRISE)
                await closed_loop(port, "/intake/v1/needs", body, auth, concurrency=concurrency, seconds=warmup)
                profiler = profile(process.pid, f"write-path-intake-{role}", seconds) if profiling else None
                measured = await closed_loop(port, "/intake/v1/needs", body, auth, **load)
                if profiler:
                    profiler.wait(60)
                results["runs"][f"intake --role {role}"] = measured
            finally:
                stop(process)
    finally:
        stack.stop()
    minimal = results["runs"]["minimal FastAPI + asyncpg"]["per_second"]
    for run_ in results["runs"].values():
        run_["vs_minimal"] = round(run_["per_second"] / minimal, 2) if minimal else None
    return results


def report(results: dict) -> str:
    lines = [
        f"# Write path: POST a need, concurrency {results['concurrency']}, {results['seconds']} s each (same run)",
        "",
        "| app | requests | per second | p50 ms | p99 ms | max ms | × minimal | statuses |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in results["runs"].items():
        lines.append(
            f"| {name} | {r['requests']} | {r['per_second']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} "
            f"| {r['vs_minimal']} | {r['statuses']} |"
        )
    lines += ["", "Goals: intake p99 ≤ 50 ms at concurrency 16; throughput ≥ 0.5× the minimal app's.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--profile", action="store_true", help="py-spy the intake processes while they are measured")
    args = parser.parse_args()
    results = asyncio.run(run(args.concurrency, args.seconds, args.warmup, profiling=args.profile))
    publish("write-path", results, report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
