"""The live ranking through the API: ``GET /matching/v1/needs/{id}/candidates`` over HTTP at 10k (or more) profiles.

Matching's database is filled as its consumers would fill it — researcher, enterprise and need copies (the needs
reported to the province) — and its vectors as if another process had encoded them (synthetic vectors stored for the
passages' real texts: encoding 20k passages would measure the encoder for half an hour). Then a **fresh API process**
(``python -m services.matching serve --role api``, as compose runs its replicas) is started and asked:

- how long until it is ready: it loads the model and builds its index from the stored vectors and words (FAISS, BM25)
  before /readyz says ok (``ServiceSpec.warm_up``), so no request waits for that; then its first ranking;
- each need's first view (the need is encoded) and repeated views, as a province officer pages through them;
- its resident memory once warm, per profile.

Issue 14's goals at 10k profiles: first ranking of a fresh process ≤ 5 s, live ranking p50 ≤ 50 ms, p95 ≤ 100 ms.
Runs on the embedded PostgreSQL and Tansu (or $TEST_DATABASE_URL / $TEST_KAFKA_BOOTSTRAP_SERVERS); prints a table and
writes bench-results/live-ranking.{json,md}.

    python -m benchmarks.live_ranking [--profiles 10000] [--needs 20] [--views 5]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, date, datetime

import httpx
import numpy as np
from sqlalchemy.dialects.postgresql import insert as pg_insert

from benchmarks.matching_speed import RandomPassages, pct, synthetic_researchers
from benchmarks.stack import BenchStack, publish
from benchmarks.write_path import SECRET, profile, start, stop, token, wait_ready
from devstack.config import REPO_ROOT
from devstack.demo import load_papers
from devstack.infra import free_port
from devstack.services import SERVICES, service_env
from services.matching.adapters.encoder import Encoder
from services.matching.adapters.orm import enterprise_profiles, researcher_profiles
from services.matching.adapters.retrieval import RetrievalIndex
from services.matching.adapters.vector_store import VectorStore
from services.matching.domain.model import NeedSnapshot
from shared.auth import Role
from shared.db import create_engine, drop_database, session_factory, with_database
from shared.events.contracts import EnterpriseSnapshot
from shared.service_cli import migrate
from shared.vocabulary import NeedStatus, Programme

OUT = REPO_ROOT / "bench-results"
ENTERPRISE = "912301003KNQLGY78T"
CHUNK = 1000


async def fill(url: str, researchers, papers: list[dict], n_needs: int) -> list[uuid.UUID]:
    """Matching's copies as its consumers leave them, in bulk; returns the reported needs' ids."""
    engine = create_engine(url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            for start_at in range(0, len(researchers), CHUNK):
                rows = [{"researcher_id": r.researcher_id, "version": r.version, "snapshot": r.model_dump(mode="json")}
                        for r in researchers[start_at : start_at + CHUNK]]  # fmt: skip
                await session.execute(pg_insert(researcher_profiles).values(rows))
            enterprise = EnterpriseSnapshot(
                enterprise_id=ENTERPRISE, name="哈尔滨基准科技有限公司", city_code="230100", county="南岗区",
                registered_on=date(2015, 3, 1), independent_legal_person=True, qualifications=["high_tech"],
                platforms=[], is_soe=False, research_misconduct=False, equity_links=[], version=1,
            )  # fmt: skip
            await session.execute(
                pg_insert(enterprise_profiles).values(
                    enterprise_id=ENTERPRISE, version=1, snapshot=enterprise.model_dump(mode="json")
                )
            )
            ids = []
            for paper in papers[:n_needs]:
                need = NeedSnapshot(
                    id=uuid.uuid4(), enterprise_id=ENTERPRISE, city_code="230100", is_soe=False,
                    programme=Programme.COMMISSIONER, title=f"{paper['keywords'][0]}关键技术攻关",
                    description=f"我公司亟需解决与「{'」「'.join(paper['keywords'][:2])}」相关的技术难题。",
                    keywords=paper["keywords"][:4], submitted_at=datetime.now(UTC), status=NeedStatus.REPORTED,
                )  # fmt: skip
                session.add(need)
                ids.append(need.id)
            await session.commit()
        return ids
    finally:
        await engine.dispose()


def rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):  # noqa: SIM115 - a /proc file, read once
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(profiles: int, n_needs: int, views: int, *, profiling: bool = False) -> dict:
    stack = await BenchStack.start("techbridge-live-")
    matching = next(s for s in SERVICES if s.name == "matching")
    url = with_database(stack.server_url, "bench_live_ranking")
    papers = load_papers()
    rng = np.random.default_rng(7)
    try:
        await drop_database(url)
        await migrate(matching.directory, url)
        researchers = synthetic_researchers(profiles, papers, rng)
        started = time.perf_counter()
        need_ids = await fill(url, researchers, papers[1:], n_needs)
        store = VectorStore(url)
        by_id = {r.researcher_id: r for r in researchers}

        async def load(ids):
            return {i: by_id[i] for i in ids}

        encoder = Encoder()
        await RetrievalIndex(RandomPassages(encoder, rng), store).sync({r.researcher_id: 1 for r in researchers}, load)
        await store.close()
        print(f"filled {profiles:,} profiles and their stored vectors in {time.perf_counter() - started:.0f} s")

        env = service_env(matching, server_url=stack.server_url, bootstrap=stack.bootstrap, jwt_secret=SECRET,
                          tansu=stack.tansu, database="bench_live_ranking")  # fmt: skip
        env[f"{matching.env_prefix}LOG_JSON"] = "false"
        env[f"{matching.env_prefix}INDEX_DIR"] = str(stack.tmp / "index")  # a new replica: no index saved on its disk
        port = free_port()
        argv = [sys.executable, "-m", "services.matching", "serve", "--role", "api", "--host", "127.0.0.1"]
        began = time.perf_counter()
        process = start([*argv, "--port", str(port)], env, stack.tmp / "matching-api.log")
        headers = {"Authorization": f"Bearer {token(Role.PROVINCE)}"}
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_ready(f"{base}/readyz", process)  # 503 "warming up" until the model and index are loaded
            ready_s = time.perf_counter() - began
            ready_mb = rss_mb(process.pid)
            async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:

                async def view(need_id: uuid.UUID) -> float:
                    began = time.perf_counter()
                    response = await client.get(f"/matching/v1/needs/{need_id}/candidates", params={"limit": 10})
                    elapsed = time.perf_counter() - began
                    assert response.status_code == 200, response.text
                    assert response.json()["candidates"], "a ranking with no candidate measures nothing"
                    return elapsed

                first = await view(need_ids[0])
                first_views = [await view(n) for n in need_ids[1:]]
                profiler = profile(process.pid, "live-ranking", 8) if profiling else None
                repeated = [await view(n) for _ in range(views) for n in need_ids]
                if profiler:
                    profiler.wait(60)
            warm_mb = rss_mb(process.pid)
        finally:
            stop(process)
    finally:
        await drop_database(url)
        stack.stop()
    return {
        "profiles": profiles,
        "passages": profiles * 2,
        "fresh_process_ready_s": round(ready_s, 2),
        "fresh_process_first_ranking_s": round(first, 2),
        "first_view_of_a_need_ms": percentiles(first_views),
        "repeated_view_ms": {**percentiles(repeated), "calls": len(repeated)},
        "rss_mb": {"ready": round(ready_mb), "after": round(warm_mb)},
    }


def percentiles(seconds: list[float]) -> dict[str, float]:
    return {"p50": round(1000 * pct(seconds, 50), 1), "p95": round(1000 * pct(seconds, 95), 1)}


def report(r: dict) -> str:
    f, v, m = r["first_view_of_a_need_ms"], r["repeated_view_ms"], r["rss_mb"]
    return "\n".join(
        [
            f"# Live ranking through the API at {r['profiles']:,} profiles ({r['passages']:,} passages)",
            "",
            "| what | measured | goal (issue 14, at 10k) |",
            "| --- | --- | --- |",
            f"| a fresh API process: started → ready (model and index loaded; /readyz is 503 until then) "
            f"| {r['fresh_process_ready_s']} s | |",
            f"| its first `GET …/candidates` once ready | {r['fresh_process_first_ranking_s']} s | ≤ 5 s |",
            f"| a need's first view (its text encoded) | p50 {f['p50']} ms, p95 {f['p95']} ms | |",
            f"| repeated views ({v['calls']} calls) | p50 {v['p50']} ms, p95 {v['p95']} ms "
            "| p50 ≤ 50 ms, p95 ≤ 100 ms |",
            f"| resident memory of the API process | {m['ready']} MB when ready, {m['after']} MB after the calls (the "
            f"model, the index and the copies of {r['profiles']:,} profiles) | |",
            "",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--needs", type=int, default=20)
    parser.add_argument("--views", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="py-spy the API process during the repeated views")
    args = parser.parse_args()
    result = asyncio.run(run(args.profiles, args.needs, args.views, profiling=args.profile))
    publish("live-ranking" + ("" if args.profiles == 10_000 else f"-{args.profiles}"), result, report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
