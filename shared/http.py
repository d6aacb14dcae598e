"""FastAPI application factory: problem+json errors, auth, correlation ids, metrics, health, ops endpoints."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import Principal, Role, TokenVerifier, require_roles
from shared.errors import ValidationFailed, install_problem_handlers
from shared.observability import (
    CORRELATION_HEADER,
    HTTP_LATENCY,
    HTTP_REQUESTS,
    Stopwatch,
    correlation_id_var,
    new_correlation_id,
)
from shared.pagination import Page, PageParams, page_params
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


class CorrelationAndMetricsMiddleware:
    """Pure ASGI middleware: sets the correlation id for the request and records request metrics."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or {}).get(CORRELATION_HEADER.encode())
        cid = incoming.decode()[:64] if incoming else new_correlation_id()
        token = correlation_id_var.set(cid)
        watch = Stopwatch()
        status_holder = {"status": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", []).append((CORRELATION_HEADER.encode(), cid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            route_path = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(self.service, scope["method"], route_path, str(status_holder["status"])).inc()
            HTTP_LATENCY.labels(self.service, scope["method"], route_path).observe(watch.elapsed)
            if route_path not in ("/healthz", "/readyz", "/metrics"):
                log.info(
                    "http request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status_holder["status"],
                        "duration_ms": round(watch.elapsed * 1000, 1),
                    },
                )
            correlation_id_var.reset(token)


class RepublishRequest(BaseModel):
    since: datetime
    until: datetime | None = None


class DeadLetterRead(BaseModel):
    id: int
    consumer: str
    topic: str
    partition: int
    offset: int
    event_id: str | None
    event_type: str | None
    error: str
    attempts: int
    raw: str
    dead_lettered_at: datetime


def ops_router(runtime: ServiceRuntime, prefix: str) -> APIRouter:
    # Router-level dependency: every ops endpoint needs the ops role.
    router = APIRouter(prefix=f"{prefix}/ops", tags=["ops"], dependencies=[Depends(require_roles(Role.OPS))])

    @router.get("/outbox", summary="发件箱积压情况")
    async def outbox_status() -> dict:
        backlog = await runtime.relay.refresh_backlog_metric()
        return {"unpublished": backlog, "relay_consecutive_failures": runtime.relay.consecutive_failures}

    @router.post("/outbox/republish", summary="重新发布某时间段的事件（代理丢失数据后的恢复）")
    async def republish(body: RepublishRequest) -> dict:
        if body.until is not None and body.until <= body.since:
            raise ValidationFailed("until 必须晚于 since", code="TIME_RANGE_INVALID")
        count = await runtime.relay.republish(body.since, body.until)
        return {"queued": count}

    @router.get("/dead-letters", summary="死信列表")
    async def dead_letters(
        paging: Annotated[PageParams, Depends(page_params)],
        consumer: Annotated[str | None, Query()] = None,
    ) -> Page[DeadLetterRead]:
        async with runtime.uow() as uow:
            rows, total = await uow.dead_letters.list(consumer, paging.page_size, paging.offset)
        return Page(
            items=[DeadLetterRead(**r) for r in rows], total=total, page=paging.page, page_size=paging.page_size
        )

    return router


def create_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    prefix: str,
    routers: list[APIRouter],
    run_relay: bool,
    run_consumers: bool,
) -> FastAPI:
    """``prefix`` is the gateway path (``/intake`` …); health and metrics stay at the root for probes."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.start_workers(relay=run_relay, consumers=run_consumers)
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        docs_url=f"{prefix}/docs",
        openapi_url=f"{prefix}/openapi.json",
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.token_verifier = TokenVerifier(runtime.settings)
    install_problem_handlers(app)
    app.add_middleware(CorrelationAndMetricsMiddleware, service=runtime.settings.service_name)

    @app.get("/healthz", tags=["health"], summary="存活检查")
    async def healthz() -> dict:
        return {"status": "alive", "service": runtime.settings.service_name}

    @app.get("/readyz", tags=["health"], summary="就绪检查（数据库与消息代理可达）")
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": checks}, status_code=200 if ready else 503
        )

    @app.get("/metrics", tags=["health"], summary="Prometheus 指标")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get(f"{prefix}/v1/me", tags=["auth"], summary="当前令牌代表的用户")
    async def me(principal: Annotated[Principal, Depends(require_roles(*Role))]) -> Principal:
        return principal

    app.include_router(ops_router(runtime, prefix))
    for router in routers:
        app.include_router(router)
    return app
