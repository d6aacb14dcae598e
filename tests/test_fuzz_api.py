"""Schemathesis over every operation of all four services (R-… aside: this is the hostile user).

Each service runs as a real process (``python -m services.<name> serve --role api``) on fresh databases of
the test session's PostgreSQL, and schemathesis sends a bounded number of generated requests per operation
(fixed seed) as several roles. Any 5xx, an undocumented status, content type or header, or a response that
does not match its schema fails the run; the report names the request to replay.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from devstack.config import REPO_ROOT
from devstack.infra import free_port
from devstack.services import SERVICES, service_env
from shared.auth import Bureau, Principal, Role, mint_token
from shared.db import drop_database, with_database
from shared.service_cli import migrate
from tests.factories import HARBIN, credit_code
from tests.support import TEST_JWT_SECRET

SEED = 20261202
EXAMPLES = 6  # per operation and role: bounded, so the run takes about a minute per service
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
ROLES: dict[str, list[Principal]] = {
    "intake": [
        Principal(subject="fuzz-province", role=Role.PROVINCE),
        Principal(subject="fuzz-enterprise", role=Role.ENTERPRISE, enterprise_id=credit_code()),
        Principal(subject="fuzz-city", role=Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.SCIENCE_TECH),
        Principal(subject="fuzz-unit", role=Role.INSTITUTION, institution_id="7d1c0f2e-3b7a-4f55-9d6c-0c3f1b2a9e10"),
    ],
    "matching": [
        Principal(subject="fuzz-province", role=Role.PROVINCE),
        Principal(subject="fuzz-unit", role=Role.INSTITUTION, institution_id="7d1c0f2e-3b7a-4f55-9d6c-0c3f1b2a9e10"),
    ],
    "agreements": [
        Principal(subject="fuzz-province", role=Role.PROVINCE),
        Principal(subject="fuzz-city", role=Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.SCIENCE_TECH),
        Principal(subject="fuzz-ops", role=Role.OPS),
    ],
    "evaluation": [
        Principal(subject="fuzz-province", role=Role.PROVINCE),
        Principal(subject="fuzz-city", role=Role.CITY_BUREAU, city_code=HARBIN, bureau=Bureau.SCIENCE_TECH),
        Principal(subject="fuzz-county", role=Role.COUNTY, city_code=HARBIN, county="南岗区"),
        Principal(subject="fuzz-enterprise", role=Role.ENTERPRISE, enterprise_id=credit_code()),
    ],
}


@pytest.fixture(scope="module")
def fuzzed_services(pg_server_url: str, broker) -> Iterator[dict[str, str]]:
    """name → base URL of a running API process on its own fresh database."""
    urls, processes = {}, []

    async def databases() -> dict[str, str]:
        out = {}
        for spec in SERVICES:
            url = with_database(pg_server_url, f"fuzz_{spec.name}")
            await drop_database(url)
            await migrate(spec.directory, url)
            out[spec.name] = url
        return out

    loop = asyncio.new_event_loop()
    try:
        database_urls = loop.run_until_complete(databases())
    finally:
        loop.close()
    try:
        for spec in SERVICES:
            port = free_port()
            env = os.environ | service_env(
                spec,
                server_url=database_urls[spec.name],
                bootstrap=broker.bootstrap,
                jwt_secret=TEST_JWT_SECRET,
                tansu=broker.is_embedded,
                database=f"fuzz_{spec.name}",
            )
            env |= {f"{spec.env_prefix}LOG_LEVEL": "WARNING", f"{spec.env_prefix}LOG_JSON": "false"}
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        f"services.{spec.name}",
                        "serve",
                        "--role",
                        "api",
                        "--port",
                        str(port),
                        "--host",
                        "127.0.0.1",
                    ],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls[spec.name] = f"http://127.0.0.1:{port}"
        for name, url in urls.items():
            _wait_alive(url, name)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_alive(url: str, name: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{name} did not come up at {url}")


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_no_request_reaches_a_server_error_and_every_answer_is_documented(
    fuzzed_services: dict[str, str], service: str, tmp_path
) -> None:
    """One schemathesis process per role, all at once: each waits on the service most of the time, so together
    they keep both cores busy."""
    base = fuzzed_services[service]
    runs = []
    for index, principal in enumerate(ROLES[service]):
        token = mint_token(principal, secret=TEST_JWT_SECRET)
        command = [
            sys.executable, "-m", "schemathesis.cli", "run", f"{base}/{service}/openapi.json",
            "--checks", CHECKS, "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--phases", "coverage,fuzzing",
            "--header", f"Authorization: Bearer {token}", "--no-color", "--generation-database", "none",
            "--request-timeout", "30", "--workers", "1",
            "--exclude-path", "/readyz",  # answers 503 by design whenever a dependency is down
        ]  # fmt: skip
        workdir = tmp_path / f"role-{index}"
        workdir.mkdir()
        runs.append((principal, subprocess.Popen(command, cwd=workdir, stdout=subprocess.PIPE, text=True)))
    for principal, run in runs:
        report, _ = run.communicate(timeout=900)
        assert run.returncode == 0, f"{service} as {principal.role}:\n{report[-12000:]}"
