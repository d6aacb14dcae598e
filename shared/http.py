"""The HTTP side of every service: problem+json errors, role dependencies, correlation ids, metrics, health,
ops endpoints, and the FastAPI application factory the composition root (``shared.service``) calls."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import exc as orm_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import openapi
from shared.auth import Principal, TokenVerifier
from shared.domain import DomainError
from shared.errors import (
    PROBLEM_JSON,
    Conflict,
    Forbidden,
    NotFound,
    ProblemError,
    ServiceUnavailable,
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
from shared.types import SearchQuery
from shared.unit_of_work import SqlAlchemyUnitOfWork
from shared.vocabulary import Role

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ errors as problem+json
RETRY_AFTER_S = 5  # what a 503 tells the client to wait
_DATABASE_DOWN = ServiceUnavailable("数据库暂不可用，请稍后重试", code="DATABASE_UNAVAILABLE")


def problem_response(exc: ProblemError, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
    if exc.status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_S)
    if exc.status == 429:
        headers["Retry-After"] = str(exc.extra.get("retry_after_s", RETRY_AFTER_S))
    return JSONResponse(exc.to_problem(instance), status_code=exc.status, media_type=PROBLEM_JSON, headers=headers)


def database_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached (down, restarting, pool exhausted): the client should retry later."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
        return True
    if isinstance(exc, ConnectionError | socket.gaierror | asyncpg.exceptions.ConnectionDoesNotExistError):
        return True
    if isinstance(exc, asyncpg.exceptions.CannotConnectNowError):  # the server is starting or shutting down
        return True
    # asyncpg trying several addresses: "Multiple exceptions: [Errno 111] Connect call failed …"
    return isinstance(exc, OSError) and "connect call failed" in str(exc).lower()


_CHANGED_MEANWHILE = Conflict("该记录刚被另一请求修改，请刷新后重试", code="CONCURRENT_UPDATE")


def concurrent_conflict(exc: sa_exc.DBAPIError) -> ProblemError | None:
    """A constraint the database enforced because two requests raced past the use case's own check (two creations
    of the same record) is a 409 the client can act on, not a server error; a serialisation failure likewise."""
    orig = exc.orig
    code = getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)
    code = code or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    if code == "23505":  # unique_violation
        return Conflict("该记录已存在（可能刚由另一请求创建），请刷新后再操作", code="ALREADY_EXISTS")
    if code in ("40001", "40P01"):  # serialization_failure, deadlock_detected
        return _CHANGED_MEANWHILE
    if code in ("23503", "23502", "23514"):  # foreign key, not null, check: data the schema let through
        return ValidationFailed("请求中的数据不满足约束（例如引用的记录不存在）", code="CONSTRAINT_VIOLATED")
    return None


def install_problem_handlers(app: FastAPI, *, dev_hint: bool = False) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        if dev_hint and exc.code == "TOKEN_INVALID":
            exc.detail += "（开发环境：令牌须用本栈的密钥签发，请用 make token 生成）"
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
        elif exc.status_code == 400:  # the body could not be parsed at all (broken JSON or multipart)
            err = ValidationFailed("请求体无法解析：请发送有效的 JSON（或 multipart 表单）", code="BODY_INVALID")
        else:
            err = ProblemError(str(exc.detail), code="HTTP_ERROR", title="请求错误", status=exc.status_code)
        return problem_response(err, request)

    @app.exception_handler(sa_exc.DBAPIError)
    async def _database(request: Request, exc: sa_exc.DBAPIError) -> JSONResponse:
        if database_unavailable(exc) or database_unavailable(exc.orig):
            log.warning("database unavailable", extra={"path": request.url.path, "error": repr(exc.orig)[:300]})
            return problem_response(
                ServiceUnavailable("数据库暂不可用，请稍后重试", code="DATABASE_UNAVAILABLE"), request
            )
        if isinstance(exc, sa_exc.DataError):  # a value the database refuses (out of range …): bad input, not a bug
            log.warning(
                "value refused by the database", extra={"path": request.url.path, "error": repr(exc.orig)[:300]}
            )
            return problem_response(ValidationFailed("请求中的取值超出允许范围", code="VALUE_OUT_OF_RANGE"), request)
        conflict = concurrent_conflict(exc)
        if conflict is not None:
            refused = {"path": request.url.path, "error": repr(exc.orig)[:300]}
            log.warning("write refused by a constraint", extra=refused)
            return problem_response(conflict, request)
        raise exc

    @app.exception_handler(orm_exc.StaleDataError)
    async def _stale(request: Request, exc: orm_exc.StaleDataError) -> JSONResponse:
        # Two writers changed the same record at once: the version check let one through; the other retries.
        log.warning("concurrent update refused", extra={"path": request.url.path})
        return problem_response(_CHANGED_MEANWHILE, request)

    @app.exception_handler(OSError)
    async def _unreachable(request: Request, exc: OSError) -> JSONResponse:
        if not database_unavailable(exc):
            raise exc
        log.warning("database unreachable", extra={"path": request.url.path, "error": repr(exc)[:300]})
        return problem_response(_DATABASE_DOWN, request)


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


async def unit_of_work(request: Request) -> SqlAlchemyUnitOfWork:
    """A unit of work for a read route (writes go through ``shared.idempotency.Write``)."""
    return request.app.state.runtime.uow()


def problem_responses(*statuses: int) -> dict[int | str, dict]:
    """The ``responses=`` of a router; ``shared.openapi`` gives each the Problem schema and a Chinese description."""
    return {status: {"description": "application/problem+json"} for status in statuses}


# ------------------------------------------------------------------ middleware


_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class HttpBoundary:
    """Pure ASGI middleware around every request: the correlation id, request metrics, the body-size limit,
    and the last resort for an unexpected error — a 500 problem answered here, inside the server's own error
    layer, so the connection stays open for the client's next request."""

    def __init__(self, app: ASGIApp, service: str, max_body_bytes: int) -> None:
        self.app, self.service, self.max_body_bytes = app, service, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or {})
        incoming = headers.get(CORRELATION_HEADER.encode(), b"").decode("latin-1")
        cid = incoming if _CORRELATION_ID.match(incoming) else new_correlation_id()  # never echo garbage into logs
        token = correlation_id_var.set(cid)
        watch = Stopwatch()
        state = {"status": 500, "started": False, "received": 0}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                message.setdefault("headers", []).append((CORRELATION_HEADER.encode(), cid.encode()))
            await send(message)

        async def receive_limited() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_body_bytes:
                    raise _BodyTooLarge
            return message

        try:
            declared = headers.get(b"content-length", b"0")
            if declared.isdigit() and int(declared) > self.max_body_bytes:
                raise _BodyTooLarge
            await self.app(scope, receive_limited, send_wrapper)
        except _BodyTooLarge:
            await self._answer(scope, receive, send_wrapper, state, _too_large(self.max_body_bytes))
        except Exception:
            log.exception("unhandled error", extra={"path": scope.get("path")})
            error = ProblemError("服务器处理请求时发生意外错误，请稍后重试")
            await self._answer(scope, receive, send_wrapper, state, error)
        finally:
            route = scope.get("route")
            route_path = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(self.service, scope["method"], route_path, str(state["status"])).inc()
            HTTP_LATENCY.labels(self.service, scope["method"], route_path).observe(watch.elapsed)
            if route_path not in ("/healthz", "/readyz", "/metrics"):
                log.info(
                    "http request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": state["status"],
                        "duration_ms": round(watch.elapsed * 1000, 1),
                    },
                )
            correlation_id_var.reset(token)

    @staticmethod
    async def _answer(scope: Scope, receive: Receive, send: Send, state: dict, error: ProblemError) -> None:
        if state["started"]:  # too late for an answer: the client sees the connection end
            raise RuntimeError("error after the response started") from None
        await problem_response(error, Request(scope))(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def _too_large(limit: int) -> ProblemError:
    return ProblemError(
        f"请求体不能超过 {limit // (1024 * 1024)} MB",
        code="BODY_TOO_LARGE",
        title="请求体过大",
        status=413,
        extra={"limit_bytes": limit},
    )


class Liveness(BaseModel):
    status: str = Field(description="alive")
    service: str = Field(description="服务名（intake、matching、agreements、evaluation）")


class Readiness(BaseModel):
    status: str = Field(description="ready（就绪）或 not_ready（未就绪）")
    checks: dict[str, str] = Field(
        description="各依赖（database、broker）：ok 或不可达的原因；有启动预热的服务另有 warm_up：ok 或 warming up"
    )


class RepublishRequest(BaseModel):
    since: datetime = Field(description="自此时刻（含）起写入发件箱的事件")
    until: datetime | None = Field(default=None, description="至此时刻（不含）；省略为至今")


class DeadLetterRead(BaseModel):
    id: int = Field(description="死信序号")
    consumer: str = Field(description="处理失败的消费者组")
    topic: str = Field(description="来源主题")
    partition: int = Field(description="来源分区")
    offset: int = Field(description="来源偏移量")
    event_id: str | None = Field(description="事件标识（无法解析时为 null）")
    event_type: str | None = Field(description="事件类型")
    error: str = Field(description="失败原因")
    attempts: int = Field(description="处理尝试次数")
    raw: str = Field(description="原始消息")
    dead_lettered_at: datetime = Field(description="进入死信的时间")


class TimerRead(BaseModel):
    id: int = Field(description="定时任务序号（重试时使用）")
    kind: str = Field(description="种类（对应的处理程序），例如 public_notice.ends")
    key: str = Field(description="所指对象，例如公示的标识")
    due_at: datetime = Field(description="应触发的时刻")
    payload: dict = Field(description="触发时交给处理程序的数据")
    attempts: int = Field(description="已失败的次数")
    last_error: str | None = Field(description="最近一次失败的原因")
    failed_at: datetime | None = Field(description="被搁置的时间")


_ops_only = require_roles(Role.OPS)
Ops = Annotated[Principal, Depends(_ops_only)]
Paging = Annotated[PageParams, Depends(page_params)]
TimerId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def ops_router(runtime: ServiceRuntime, prefix: str) -> APIRouter:
    # Router-level dependency: every ops endpoint needs the ops role.
    router = APIRouter(prefix=f"{prefix}/ops", tags=["ops"], dependencies=[Depends(_ops_only)])

    @router.get("/outbox", summary="发件箱积压情况")
    async def outbox_status() -> dict:
        """发件箱中尚未发布的事件数，以及中继连续失败的次数（运维）。"""
        backlog = await runtime.relay.refresh_backlog_metric()
        return {"unpublished": backlog, "relay_consecutive_failures": runtime.relay.consecutive_failures}

    @router.post("/outbox/republish", summary="重新发布某时间段的事件（代理丢失数据后的恢复）")
    async def republish(body: RepublishRequest) -> dict:
        """把某时间段内已发布的事件重新排队发布（消息代理丢失数据后的恢复）；消费者的收件箱会丢弃已处理过的。"""
        if body.until is not None and body.until <= body.since:
            raise ValidationFailed("until 必须晚于 since", code="TIME_RANGE_INVALID")
        count = await runtime.relay.republish(body.since, body.until)
        return {"queued": count}

    @router.get("/dead-letters", summary="死信列表")
    async def dead_letters(paging: Paging, consumer: SearchQuery("只看该消费者组") = None) -> Page[DeadLetterRead]:
        """死信列表：无法解析或处理多次失败的事件，含错误原因与原始内容（运维）。"""
        async with runtime.uow() as uow:
            rows, total = await uow.dead_letters.list(consumer, paging.page_size, paging.offset)
        return Page.of(rows, total, paging, lambda r: DeadLetterRead(**r))

    @router.get("/timers/failed", summary="多次触发失败、已搁置的定时任务")
    async def failed_timers(paging: Paging) -> Page[TimerRead]:
        """处理多次失败、已搁置的定时任务（运维）。"""
        async with runtime.uow() as uow:
            rows, total = await uow.timers.failed(paging.page_size, paging.offset)
        return Page.of(rows, total, paging, lambda r: TimerRead(**r))

    @router.post("/timers/{timer_id}/retry", summary="重新触发已搁置的定时任务")
    async def retry_timer(timer_id: TimerId, write: Write, p: Ops) -> Response:
        """让已搁置的定时任务立即重新尝试（运维）。"""

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
    labels: Mapping[str, Mapping[str, str]] | None = None,
    warm_up: Callable[[], Awaitable[None]] | None = None,
) -> FastAPI:
    """``prefix`` is the gateway path (``/intake`` …); health and metrics stay at the root for probes.
    With ``run_workers`` the app's lifespan runs the relay, consumers, job and timer workers too; a ``warm_up``
    starts with the app and keeps /readyz at 503 until it is done."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm_up is not None:
            runtime.start_warm_up(warm_up)
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
    settings = runtime.settings
    install_problem_handlers(app, dev_hint=settings.auth_dev_hint)
    app.add_middleware(HttpBoundary, service=settings.service_name, max_body_bytes=settings.http_max_body_bytes)
    openapi.install(app, labels or {})

    @app.get("/healthz", tags=["health"], summary="存活检查", response_model=Liveness)
    async def healthz() -> dict:
        """进程存活即为 200（不检查依赖；依赖见 /readyz）。"""
        return {"status": "alive", "service": runtime.settings.service_name}

    @app.get(
        "/readyz",
        tags=["health"],
        summary="就绪检查（数据库与消息代理可达）",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "有依赖不可达（checks 中说明原因）"}},
    )
    async def readyz() -> JSONResponse:
        """数据库与消息代理都可达、且启动预热（如匹配服务的模型与索引）已完成时为 200，否则 503 并逐项说明
        （负载均衡据此摘除实例）。"""
        checks = await runtime.readiness()
        ready = all(v == "ok" for v in checks.values())
        body = {"status": "ready" if ready else "not_ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503, headers={} if ready else {"Retry-After": "5"})

    @app.get(
        "/metrics",
        tags=["health"],
        summary="Prometheus 指标",
        response_class=PlainTextResponse,
        responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}}},
    )
    async def metrics() -> Response:
        """Prometheus 文本格式的指标（HTTP 请求、发件箱积压、消费延迟、死信等）。"""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get(f"{prefix}/v1/me", tags=["auth"], summary="当前令牌代表的用户")
    async def me(principal: Annotated[Principal, Depends(require_roles(*Role))]) -> Principal:
        """当前令牌代表的用户：角色与范围声明。"""
        return principal

    app.include_router(ops_router(runtime, prefix))
    for router in routers:
        app.include_router(router)
    return app
