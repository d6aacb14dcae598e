"""``python -m devstack run``: the whole platform on this machine (what ``make run`` calls).

Uses $DATABASE_URL (a PostgreSQL server; one database per service is created on it) and
$KAFKA_BOOTSTRAP_SERVERS when set; otherwise starts the embedded PostgreSQL (data kept in
.data/postgres) and the embedded Tansu broker (memory only). Everything it started is supervised
(``devstack.supervisor``): a child that dies is restarted with back-off; the stack stops on SIGINT or
SIGTERM, or when one child keeps crashing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from datetime import UTC, datetime

import httpx

from devstack.config import REPO_ROOT, RunningStack, data_dir, dev_jwt_secret, register_stack, unregister_stack
from devstack.infra import EmbeddedBroker, EmbeddedPostgres, become_subreaper, free_port, port_is_free, reap_orphans
from devstack.services import SERVICES, all_topics, service_env
from devstack.supervisor import GaveUp, ProcessChild, RestartPolicy, Supervisor
from shared.db import create_engine, session_factory, with_database
from shared.messaging.kafka import ensure_topics
from shared.messaging.repositories import OutboxRepository
from shared.service_cli import migrate

log = logging.getLogger("devstack")
DEFAULT_PORT_BASE = min(svc.port for svc in SERVICES)  # intake's 8001


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


async def prepare(server_url: str, bootstrap: str, *, replay_outbox: bool) -> None:
    """Migrations for every service, topics, and — after a fresh in-memory broker — outbox replay."""
    for svc in SERVICES:
        await migrate(svc.directory, with_database(server_url, svc.database))
        print(f"  ✓ {svc.name}: database {svc.database} migrated")
    await prepare_topics_and_outbox(server_url, bootstrap, replay_outbox=replay_outbox)


async def prepare_topics_and_outbox(server_url: str, bootstrap: str, *, replay_outbox: bool = True) -> None:
    created = await ensure_topics(bootstrap, all_topics())
    print(f"  ✓ topics ready ({len(created)} created)")
    if not replay_outbox:
        return
    # The embedded broker forgot everything it held. Every retained event is queued again; the consumers'
    # inboxes drop those already handled, so undelivered events are not lost.
    for svc in SERVICES:
        engine = create_engine(with_database(server_url, svc.database), pool_size=1)
        try:
            async with session_factory(engine)() as session, session.begin():
                repo = OutboxRepository(session, svc.tables)
                count = await repo.reset_range(datetime(1970, 1, 1, tzinfo=UTC), None)
        finally:
            await engine.dispose()
        if count:
            print(f"  ✓ {svc.name}: {count} retained events queued for re-delivery to the fresh broker")


async def recover_broker(server_url: str, bootstrap: str) -> None:
    """After the in-memory broker restarted: its topics again, and every retained event re-published."""
    await prepare_topics_and_outbox(server_url, bootstrap)


def _stop_on_signal(*_: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    root = data_dir()
    secret = dev_jwt_secret()
    # SIGINT (Ctrl-C) and SIGTERM (kill, or a stack started in the background, where SIGINT is ignored) both stop it.
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    become_subreaper()
    supervisor = Supervisor(RestartPolicy(backoff_initial_s=args.restart_backoff))
    postgres: EmbeddedPostgres | None = None
    broker: EmbeddedBroker | None = None
    services: list[ProcessChild] = []
    try:
        server_url = os.environ.get("DATABASE_URL")
        if server_url:
            server_url = _sqlalchemy_url(server_url)
            print("• PostgreSQL: using DATABASE_URL")
        else:
            print(f"• PostgreSQL: starting the embedded server (data in {root / 'postgres'}) …")
            postgres = EmbeddedPostgres(root / "postgres")
            server_url = postgres.start()
            supervisor.watch(postgres)
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        tansu = bootstrap is None
        if tansu:
            port = 9092 if port_is_free(9092) else free_port()
            broker = EmbeddedBroker(port, root / "tansu.log")
            bootstrap = broker.start()
            print(
                f"• Kafka: embedded Tansu broker on {bootstrap} (memory only; the outboxes replay undelivered events)"
            )
            supervisor.watch(broker, recover=lambda: asyncio.run(recover_broker(server_url, bootstrap)))
        else:
            print(f"• Kafka: using KAFKA_BOOTSTRAP_SERVERS={bootstrap}")

        asyncio.run(prepare(server_url, bootstrap, replay_outbox=tansu))

        base = args.port_base
        for svc in SERVICES:
            port = _port(svc, base)
            if not port_is_free(port):
                print(f"✗ port {port} for {svc.name} is taken; choose another base with --port-base", file=sys.stderr)
                return 2
            env = os.environ | service_env(
                svc, server_url=server_url, bootstrap=bootstrap, jwt_secret=secret, tansu=tansu
            )
            env[f"{svc.env_prefix}LOG_JSON"] = "true" if args.json_logs else "false"
            if args.demo and svc.name == "evaluation" and "EVALUATION_OBJECTION_WINDOW" not in os.environ:
                # The README walks 末位淘汰 in one sitting: the demo's objection window is 2 minutes (default 5 days).
                env["EVALUATION_OBJECTION_WINDOW"] = "PT2M"
            argv = [sys.executable, "-m", f"services.{svc.name}", "serve", "--role", "all"]
            argv += ["--host", args.host, "--port", str(port)]
            child = ProcessChild(
                svc.name, argv, cwd=REPO_ROOT, env=env, log_path=None if args.verbose else root / f"{svc.name}.log"
            )
            child.start()
            services.append(child)
            supervisor.watch(child)
        _wait_ready(services, args.host, base)
        if args.demo:
            from devstack import demo

            urls = {svc.name: f"http://{args.host}:{_port(svc, base)}" for svc in SERVICES}
            demo.main(  # a secret may start with "-": pass it as --secret=…
                ["--url", urls["intake"], "--matching-url", urls["matching"], "--agreements-url", urls["agreements"],
                 "--evaluation-url", urls["evaluation"], f"--secret={secret}"]
            )  # fmt: skip

        urls = {svc.name: f"http://{args.host}:{_port(svc, base)}" for svc in SERVICES}
        register_stack(RunningStack(os.getpid(), root, urls, datetime.now(UTC).isoformat(timespec="seconds")))
        print("\nTechBridge is running:")
        for svc in SERVICES:
            url = urls[svc.name]
            print(f"  {svc.name:<11} {url}/{svc.name}/v1/…   docs {url}/{svc.name}/docs   health {url}/readyz")
        print(f"\n  logs:   {root}/<service>.log     data: {root}")
        print("  token:  make token ROLE=province      (python -m devstack.token --role province)")
        print("\nA child that dies is restarted. Press Ctrl-C (or send SIGTERM) to stop.", flush=True)
        while True:
            time.sleep(0.5)
            # Zombies a Popen will read stay; adopted ones (a killed PostgreSQL and its backends) are reaped.
            reap_orphans({pid for child in [*services, broker] if child is not None and (pid := child.pid())})
            supervisor.poll()
    except GaveUp as exc:
        print(f"✗ {exc}; stopping the stack. See {root}/{exc.child}.log", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping …")
        return 0
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # a second signal must not cut the (bounded) shutdown short
            signal.signal(signum, signal.SIG_IGN)
        unregister_stack(os.getpid())
        for child in services:  # all at once: each drains its requests and stops its workers
            child.interrupt()
        for child in services:
            child.stop()
            print(f"  stopped {child.name}")
        if broker is not None:
            broker.stop()
            print("  stopped the embedded broker")
        if postgres is not None:
            postgres.stop()
            print("  stopped the embedded PostgreSQL")


def _port(svc, base: int) -> int:
    """The service's own port, shifted with the base (``--port-base 9001`` moves intake to 9001, matching to 9002 …)."""
    return svc.port - DEFAULT_PORT_BASE + base


def _only_warming_up(answer: httpx.Response) -> bool:
    try:
        checks = answer.json().get("checks", {})
    except ValueError:
        return False
    return "warm_up" in checks and all(v == "ok" for k, v in checks.items() if k != "warm_up")


def _wait_ready(children: list[ProcessChild], host: str, base: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    ports = {svc.name: _port(svc, base) for svc in SERVICES}
    pending = {child.name: ports[child.name] for child in children}
    while pending and time.monotonic() < deadline:
        for name, port in list(pending.items()):
            try:
                answer = httpx.get(f"http://{host}:{port}/readyz", timeout=3)
                if answer.status_code == 200:
                    print(f"  ✓ {name} ready on port {port}")
                    del pending[name]
                elif _only_warming_up(answer):  # up; loading its model and index (minutes if it must encode)
                    print(f"  ✓ {name} up on port {port} (warming up: model and index; /readyz says when done)")
                    del pending[name]
            except httpx.HTTPError:
                pass
        for child in children:
            if child.exit_code() is not None:
                raise RuntimeError(f"{child.name} exited during start-up (code {child.exit_code()}); see its log")
        time.sleep(0.5)
    if pending:
        raise RuntimeError(f"not ready after {timeout}s: {', '.join(pending)}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack")
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run the whole platform")
    r.add_argument("--host", default="127.0.0.1")
    r.add_argument("--port-base", type=int, default=int(os.environ.get("TECHBRIDGE_PORT_BASE", str(DEFAULT_PORT_BASE))))
    r.add_argument("--json-logs", action="store_true", help="JSON log lines (default: readable text)")
    r.add_argument("--verbose", action="store_true", help="service logs on this terminal instead of .data/*.log")
    r.add_argument("--demo", action="store_true", help="load the demo data set once the services are ready")
    r.add_argument(
        "--restart-backoff", type=float, default=1.0, help="seconds before a crashed child's first restart (doubles)"
    )
    args = parser.parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
