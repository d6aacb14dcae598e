"""The embedded stack heals itself: ``python -m devstack run`` (what ``make run`` starts) restarts a killed broker,
service or PostgreSQL on its own, and no event is lost — an institution registered while the broker was dead
reaches matching's copy once the new broker is up. SIGTERM stops the stack and every child with it.

Each check kills a real child with SIGKILL; the stack runs in its own data folder and ports.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest

from devstack.config import REPO_ROOT, dev_jwt_secret
from devstack.infra import port_is_free
from devstack.services import SERVICES
from shared.auth import Principal, Role, mint_token
from tests.support import server_data_dir

pytestmark = pytest.mark.system

START_TIMEOUT = 240  # a cold start migrates four databases and loads the embedding model


@dataclass
class Stack:
    process: subprocess.Popen
    data_dir: Path
    base: int
    lines: list[str] = field(default_factory=list)

    def url(self, service: str) -> str:
        index = [s.name for s in SERVICES].index(service)
        return f"http://127.0.0.1:{self.base + index}"

    def child(self, matches: Callable[[list[str]], bool]) -> psutil.Process:
        for proc in psutil.Process(self.process.pid).children():
            if proc.status() != psutil.STATUS_ZOMBIE and matches(proc.cmdline()):
                return proc
        raise LookupError("no such child")

    def service(self, name: str) -> psutil.Process:
        return self.child(lambda argv: f"services.{name}" in argv)

    def broker(self) -> psutil.Process:
        return self.child(lambda argv: "broker" in argv and any("tansu" in a for a in argv))

    def postmaster_pid(self) -> int:
        return int((self.data_dir / "postgres" / "postmaster.pid").read_text().splitlines()[0])

    def socket_dir(self) -> str:
        return (self.data_dir / "postgres" / "postmaster.pid").read_text().splitlines()[4]

    def headers(self) -> dict[str, str]:
        token = mint_token(Principal(subject="supervision", role=Role.PROVINCE), secret=self.secret)
        return {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}

    @property
    def secret(self) -> str:
        return dev_jwt_secret(self.data_dir)

    def logged(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))


def _free_base() -> int:
    for base in range(23001, 60000, 17):
        if all(port_is_free(base + i) for i in range(len(SERVICES))):
            return base
    raise RuntimeError("no four free ports in a row")


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with server_data_dir("test-stack") as data:  # its PostgreSQL runs as another user: outside pytest's tree
        yield from _running_stack(data)


def _running_stack(data: Path) -> Iterator[Stack]:
    base = _free_base()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
    env |= {"TECHBRIDGE_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
    env.pop("TECHBRIDGE_DEV_JWT_SECRET", None)
    command = [sys.executable, "-m", "devstack", "run", "--port-base", str(base), "--restart-backoff", "0.5"]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    stack = Stack(process, data, base)
    threading.Thread(target=lambda: stack.lines.extend(iter(process.stdout.readline, "")), daemon=True).start()
    try:
        eventually(lambda: stack.logged("TechBridge is running"), START_TIMEOUT, lambda: stack.lines[-20:])
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(90)
            except subprocess.TimeoutExpired:
                for child in psutil.Process(process.pid).children(recursive=True):
                    child.kill()
                process.kill()


def eventually(check: Callable[[], object], timeout: float, context: Callable[[], object] = lambda: "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except (httpx.HTTPError, LookupError, OSError, psutil.Error):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {context()}")
        time.sleep(0.3)


def all_ready(stack: Stack) -> bool:
    return all(httpx.get(f"{stack.url(s.name)}/readyz", timeout=3).status_code == 200 for s in SERVICES)


def register_institution(stack: Stack) -> str:
    body = {
        "name": f"监督测试大学{uuid.uuid4().hex[:6]}",
        "kind": "university",
        "affiliation": "provincial",
        "city_code": "230100",
        "master_degree_disciplines": ["机械工程"],
        "first_class_disciplines": [],
    }
    response = httpx.post(
        f"{stack.url('intake')}/intake/v1/institutions", json=body, headers=stack.headers(), timeout=30
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def known_to_matching(stack: Stack, institution_id: str) -> bool:
    async def query() -> bool:
        conn = await asyncpg.connect(host=stack.socket_dir(), user="postgres", database="techbridge_matching")
        try:
            sql = "SELECT 1 FROM institution_profiles WHERE institution_id = $1"
            return await conn.fetchval(sql, uuid.UUID(institution_id)) == 1
        finally:
            await conn.close()

    return asyncio.run(query())


def test_a_killed_broker_is_restarted_and_an_event_written_meanwhile_reaches_matching(stack: Stack) -> None:
    old = stack.broker()
    old.kill()
    institution = register_institution(stack)  # the outbox keeps it while no broker runs
    eventually(lambda: stack.logged("↻ broker restarted"), 60, lambda: stack.lines[-10:])
    assert stack.broker().pid != old.pid
    eventually(lambda: known_to_matching(stack, institution), 90, lambda: stack.lines[-10:])
    assert stack.process.poll() is None


def test_a_killed_service_is_restarted_and_answers_again(stack: Stack) -> None:
    old = stack.service("intake")
    old.kill()
    eventually(lambda: stack.logged("↻ intake restarted"), 60, lambda: stack.lines[-10:])
    eventually(lambda: all_ready(stack), 120, lambda: stack.lines[-10:])
    assert stack.service("intake").pid != old.pid
    institution = register_institution(stack)
    eventually(lambda: known_to_matching(stack, institution), 90)


def test_a_killed_postgresql_is_restarted_and_the_services_recover(stack: Stack) -> None:
    old = stack.postmaster_pid()
    os.kill(old, signal.SIGKILL)
    eventually(lambda: stack.logged("↻ postgresql restarted"), 60, lambda: stack.lines[-10:])
    eventually(lambda: all_ready(stack), 120, lambda: stack.lines[-10:])
    assert stack.postmaster_pid() != old
    institution = register_institution(stack)
    eventually(lambda: known_to_matching(stack, institution), 90)


def test_sigterm_stops_the_stack_and_every_child(stack: Stack) -> None:
    children = psutil.Process(stack.process.pid).children(recursive=True)
    stack.process.send_signal(signal.SIGTERM)
    assert stack.process.wait(90) == 0
    assert stack.logged("stopped the embedded PostgreSQL")
    assert not [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
