"""The HTTP side of every service: problem+json errors, role dependencies, correlation ids, metrics, health,
ops endpoints, and the FastAPI application factory the composition root (``shared.service``) calls."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import Principal, TokenVerifier
from shared.domain import DomainError
from shared.errors import (
    PROBLEM_JSON,
    Forbidden,
    NotFound,
    ProblemError,
    Unauthenticated,
    ValidationFailed,
    field_errors_from_pydantic,
    problem_from_domain,
)
from shared.idempotency import Write
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
from shared.unit_of_work import SqlAlchemyUnitOfWork
from shared.vocabulary import Role

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ errors as problem+json
def problem_response(exc: ProblemError, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(exc.to_problem(instance), status_code=exc.status, media_type=PROBLEM_JSON, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(problem_from_domain(exc), request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = field_errors_from_pydantic(list(exc.errors()))
        return problem_response(ValidationFailed("请求中有字段未通过校验，详见 errors", errors=errors), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            err: ProblemError = NotFound("请求的地址不存在")
        elif exc.status_code == 405:
            err = ProblemError("不支持该请求方法", code="METHOD_NOT_ALLOWED", title="请求方法不被允许", status=405)
        else:
            err = ProblemError(str(exc.detail), code="HTTP_ERROR", title="请求错误", status=exc.status_code)
        return problem_response(err, request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(ProblemError("服务器处理请求时发生意外错误，请稍后重试"), request)


# ------------------------------------------------------------------ who is calling
_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("缺少 Bearer 令牌", code="UNAUTHENTICATED")
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(credentials.credentials)


def require_roles(*roles: Role):
    """Route dependency: the caller must hold one of ``roles`` (data scope is checked by the use case)."""

    async def _check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"角色「{principal.role.value}」无权执行此操作", code="ROLE_FORBIDDEN")
        return principal

    return _check


def unit_of_work(request: Request) -> SqlAlchemyUnitOfWork:
    """A unit of work for a read route (writes go through ``shared.idempotency.Write``)."""
    return request.app.state.runtime.uow()


def problem_responses(*statuses: int) -> dict[int | str, dict]:
    """The ``responses=`` of a router: each status is documented as application/problem+json."""
    return {status: {"content": {PROBLEM_JSON: {}}, "description": "application/problem+json"} for status in statuses}


# ------------------------------------------------------------------ middleware


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


class TimerRead(BaseModel):
    id: int
    kind: str
    key: str
    due_at: datetime
    payload: dict
    attempts: int
    last_error: str | None
    failed_at: datetime | None


_ops_only = require_roles(Role.OPS)
Ops = Annotated[Principal, Depends(_ops_only)]
Paging = Annotated[PageParams, Depends(page_params)]
TimerId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def ops_router(runtime: ServiceRuntime, prefix: str) -> APIRouter:
    # Router-level dependency: every ops endpoint needs the ops role.
    router = APIRouter(prefix=f"{prefix}/ops", tags=["ops"], dependencies=[Depends(_ops_only)])

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
    async def dead_letters(paging: Paging, consumer: Annotated[str | None, Query()] = None) -> Page[DeadLetterRead]:
        async with runtime.uow() as uow:
            rows, total = await uow.dead_letters.list(consumer, paging.page_size, paging.offset)
        return Page.of(rows, total, paging, lambda r: DeadLetterRead(**r))

    @router.get("/timers/failed", summary="多次触发失败、已搁置的定时任务")
    async def failed_timers(paging: Paging) -> Page[TimerRead]:
        async with runtime.uow() as uow:
            rows, total = await uow.timers.failed(paging.page_size, paging.offset)
        return Page.of(rows, total, paging, lambda r: TimerRead(**r))

    @router.post("/timers/{timer_id}/retry", summary="重新触发已搁置的定时任务")
    async def retry_timer(timer_id: TimerId, write: Write, p: Ops) -> Response:
        async def retry(uow: SqlAlchemyUnitOfWork) -> None:
            if not await uow.timers.retry(timer_id):
                raise NotFound("该定时任务不存在或未被搁置", code="TIMER_NOT_FOUND")

        return await write(p, retry, read=lambda _: None, status=204)

    return router


def create_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    prefix: str,
    routers: Sequence[APIRouter],
    run_workers: bool,
) -> FastAPI:
    """``prefix`` is the gateway path (``/intake`` …); health and metrics stay at the root for probes.
    With ``run_workers`` the app's lifespan runs the relay, consumers, job and timer workers too."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if run_workers:
            runtime.start_workers()
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
