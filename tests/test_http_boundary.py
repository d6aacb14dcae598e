"""The HTTP boundary every service shares: losing the database is a 503 the client can retry, and an
unexpected error is a 500 problem that leaves the connection open for the client's next request."""

from __future__ import annotations

import asyncio

import uvicorn
from fastapi import APIRouter

from devstack.infra import free_port
from devstack.services import SERVICES
from shared.http import create_service_app
from shared.runtime import ServiceRuntime
from shared.service import bootstrap
from tests.conftest import service_settings
from tests.support import auth

INTAKE = next(s for s in SERVICES if s.name == "intake")


async def test_without_its_database_a_service_answers_503_with_retry_after(broker) -> None:
    nowhere = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/techbridge_intake"  # nothing listens there
    settings = service_settings("intake", nowhere, broker.bootstrap, tansu=broker.is_embedded)
    service = bootstrap(INTAKE, settings, role="api")
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app), base_url="http://intake") as client:
        for method, path in (("GET", "/intake/v1/batches"), ("POST", "/intake/v1/needs/%s/approve" % ("0" * 32))):
            answer = await client.request(method, path, headers=auth("province" if method == "GET" else "sasac"))
            assert answer.status_code == 503, answer.text
            assert answer.headers["retry-after"] == "5" and answer.json()["code"] == "DATABASE_UNAVAILABLE"
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("unavailable")
    await service.runtime.engine.dispose()


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> tuple[int, bytes]:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    status = int(head.split(b" ", 2)[1])
    length = int(
        next(line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    )
    return status, await reader.readexactly(length)


async def test_an_unexpected_error_is_a_500_problem_and_the_connection_stays_open(service_databases, broker) -> None:
    settings = service_settings("intake", service_databases["intake"], broker.bootstrap, tansu=broker.is_embedded)
    runtime = ServiceRuntime(settings, INTAKE.tables, INTAKE.unit_of_work)
    broken = APIRouter()

    @broken.get("/boom")
    async def boom() -> dict:
        raise RuntimeError("a bug")

    app = create_service_app(runtime, title="t", description="d", prefix="/t", routers=[broken], run_workers=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        status, body = await _exchange(reader, writer, "/boom")
        assert status == 500 and b"INTERNAL_ERROR" in body
        status, body = await _exchange(reader, writer, "/healthz")  # the same connection
        assert status == 200 and b"alive" in body
        writer.close()
    finally:
        server.should_exit = True
        await serving
        await runtime.engine.dispose()
