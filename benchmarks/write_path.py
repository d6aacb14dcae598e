"""Write path: filing a need (``POST /intake/v1/needs``) beside a minimal FastAPI + asyncpg app doing the same write.

Both run as their own uvicorn processes on the same PostgreSQL, one after the other under the same closed-loop load
(``--concurrency`` connections kept busy for ``--seconds``, after a warm-up), in this one run: intake as compose runs
its API replicas (``--role api``: REST only, the relay in the worker process) and as ``make run`` runs it (``--role
all``: relay, consumers and jobs in the same process, on an embedded Tansu). The yardstick app
(``benchmarks.minimal_write_app``) does one read and inserts the need, an outbox row and an audit row in one
transaction. Goals (issue 14): intake's p99 ≤ 50 ms at concurrency 16, and ≥ 0.5× the yardstick's throughput.
Then both again as ``--replicas`` processes each, the connections spread over them as the gateway spreads requests
over replicas. Each row also says what a request costs in CPU: the app's processes and PostgreSQL's, per request —
the measured cause of a throughput gap.

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


async def closed_loop(ports: list[int], path: str, body: bytes, auth: str, *, concurrency: int, seconds: float) -> dict:
    """``concurrency`` keep-alive connections, spread over ``ports`` (one per process, as a gateway spreads them over
    replicas), each sending the next request as soon as the last is answered (raw HTTP/1.1 on asyncio streams: the
    generator costs far less CPU than an HTTP client library)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds

    async def connection(port: int) -> None:
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {auth}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
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
    await asyncio.gather(*(connection(ports[i % len(ports)]) for i in range(concurrency)))
    elapsed = time.perf_counter() - began
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(latencies, 50) * 1000, 1),
        "p99_ms": round(pct(latencies, 99) * 1000, 1),
        "max_ms": round(max(latencies, default=0) * 1000, 1),
        "statuses": statuses,
    }


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU each of the processes ``pids`` has used so far (Linux /proc); ended ones are left out."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: stat(5) 14, 15
    return used


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two readings; a process that started in between counts from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def postgres_pids() -> list[int]:
    """Every PostgreSQL process on this machine (the benchmark's server is local: embedded or $TEST_DATABASE_URL)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


async def measured(pids: list[int], ports: list[int], path: str, body: bytes, auth: str, **load) -> dict:
    """One closed-loop run, with the CPU time per request of the app's processes and of PostgreSQL."""
    app_before, database_before = cpu_seconds(pids), cpu_seconds(postgres_pids())
    result = await closed_loop(ports, path, body, auth, **load)
    app_cpu = cpu_used(app_before, cpu_seconds(pids))
    database_cpu = cpu_used(database_before, cpu_seconds(postgres_pids()))
    requests = max(result["requests"], 1)
    result["processes"] = len(pids)
    result["app_cpu_ms_per_request"] = round(app_cpu / requests * 1000, 2)
    result["database_cpu_ms_per_request"] = round(database_cpu / requests * 1000, 2)
    return result


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


MINIMAL = "minimal FastAPI + asyncpg"


def run_name(app: str, processes: int) -> str:
    """A run's name in the results (and in bench-results/write-path.json, read by ``benchmarks.summary``)."""
    return app if processes == 1 else f"{app} ×{processes} processes"


async def run(concurrency: int, seconds: float, warmup: float, *, replicas: int, profiling: bool = False) -> dict:
    stack = await BenchStack.start("techbridge-write-")
    load = dict(concurrency=concurrency, seconds=seconds)
    results: dict = {"concurrency": concurrency, "seconds": seconds, "runs": {}}
    try:
        for processes in sorted({1, replicas}):
            results["runs"][run_name(MINIMAL, processes)] = await run_minimal(stack, processes, warmup, load)
            for role in ("api", "all") if processes == 1 else ("api",):  # one relay per service: never several "all"
                profile_as = f"write-path-intake-{role}" if profiling and processes == 1 else None
                run_ = await run_intake(stack, role, processes, warmup, load, profile_as)
                results["runs"][run_name(f"intake --role {role}", processes)] = run_
    finally:
        stack.stop()
    for run_ in results["runs"].values():  # against the minimal app with as many processes
        yardstick = results["runs"][run_name(MINIMAL, run_["processes"])]["per_second"]
        run_["vs_minimal"] = round(run_["per_second"] / yardstick, 2) if yardstick else None
    return results


async def run_minimal(stack: BenchStack, processes: int, warmup: float, load: dict) -> dict:
    url = with_database(stack.server_url, "bench_write_minimal")
    await drop_database(url)
    await ensure_database(url)
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    ports = [free_port() for _ in range(processes)]
    started = []
    try:
        for i, port in enumerate(ports):
            argv = [sys.executable, "-m", "benchmarks.minimal_write_app", "--dsn", dsn, "--port", str(port)]
            started.append(start(argv, {}, stack.tmp / f"minimal-{i}.log"))
            await wait_ready(f"http://127.0.0.1:{port}/docs", started[-1])  # one at a time: each creates its tables
        body = need_body("00000000-0000-4000-8000-000000000001")
        auth = token(Role.ENTERPRISE, enterprise_id=ENTERPRISE)
        await closed_loop(ports, "/needs", body, auth, concurrency=load["concurrency"], seconds=warmup)
        return await measured([p.pid for p in started], ports, "/needs", body, auth, **load)
    finally:
        for process in started:
            stop(process)


async def run_intake(
    stack: BenchStack, role: str, processes: int, warmup: float, load: dict, profile_as: str | None
) -> dict:
    """Intake as ``processes`` processes of ``--role role`` on one database, the load spread over them."""
    intake = next(s for s in SERVICES if s.name == "intake")
    database = f"bench_write_intake_{role}_{processes}"
    url = with_database(stack.server_url, database)
    await drop_database(url)
    await migrate(intake.directory, url)
    env = service_env(intake, server_url=stack.server_url, bootstrap=stack.bootstrap, jwt_secret=SECRET,
                      tansu=stack.tansu, database=database)  # fmt: skip
    env[f"{intake.env_prefix}LOG_JSON"] = "false"
    ports = [free_port() for _ in range(processes)]
    started = []
    try:
        for i, port in enumerate(ports):
            argv = [sys.executable, "-m", "services.intake", "serve", "--role", role, "--host", "127.0.0.1"]
            started.append(start([*argv, "--port", str(port)], env, stack.tmp / f"intake-{role}-{i}.log"))
        for port, process in zip(ports, started, strict=True):
            await wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        batch_id = await seed_intake(f"http://127.0.0.1:{ports[0]}")
        body, auth = need_body(batch_id), token(Role.ENTERPRISE, enterprise_id=ENTERPRISE)
        await closed_loop(ports, "/intake/v1/needs", body, auth, concurrency=load["concurrency"], seconds=warmup)
        profiler = profile(started[0].pid, profile_as, load["seconds"]) if profile_as else None
        result = await measured([p.pid for p in started], ports, "/intake/v1/needs", body, auth, **load)
        if profiler:
            profiler.wait(60)
        return result
    finally:
        for process in started:
            stop(process)


def report(results: dict) -> str:
    lines = [
        f"# Write path: POST a need, concurrency {results['concurrency']}, {results['seconds']} s each (same run)",
        "",
        "| app | requests | per second | p50 ms | p99 ms | max ms | × minimal | app CPU ms/request "
        "| PostgreSQL CPU ms/request | statuses |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in results["runs"].items():
        lines.append(
            f"| {name} | {r['requests']} | {r['per_second']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} "
            f"| {r['vs_minimal']} | {r['app_cpu_ms_per_request']} | {r['database_cpu_ms_per_request']} "
            f"| {r['statuses']} |"
        )
    lines += [
        "",
        "Goals: intake p99 ≤ 50 ms at concurrency 16; throughput ≥ 0.5× the minimal app's (× minimal compares rows "
        "with the same number of processes). CPU ms/request: user + system time of the app's processes and of every "
        "PostgreSQL process during the measured seconds, per answered request.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--replicas", type=int, default=2, help="also run this many API processes of each app")
    parser.add_argument("--profile", action="store_true", help="py-spy the intake processes while they are measured")
    args = parser.parse_args()
    results = asyncio.run(
        run(args.concurrency, args.seconds, args.warmup, replicas=args.replicas, profiling=args.profile)
    )
    publish("write-path", results, report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
