"""``Idempotency-Key`` for write requests: a retried POST returns the first response and creates nothing twice."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared.auth import Principal
from shared.errors import Conflict, ValidationFailed
from shared.unit_of_work import SqlAlchemyUnitOfWork

MAX_KEY_LENGTH = 200


def _idempotency_key(
    key: Annotated[
        str | None, Header(alias="Idempotency-Key", description="重试安全：同一键的重复请求只执行一次")
    ] = None,
) -> str | None:
    return key


IdempotencyKey = Annotated[str | None, Depends(_idempotency_key)]


def request_fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


async def run_idempotent(
    uow: SqlAlchemyUnitOfWork,
    principal: Principal,
    key: str | None,
    fingerprint: str,
    action: Callable[[], Awaitable[tuple[int, Any]]],
) -> tuple[int, Any, bool]:
    """Run ``action`` inside ``uow`` at most once per (caller, key); commit; return (status, body, replayed)."""
    if key is not None:
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise ValidationFailed(f"Idempotency-Key 须为 1–{MAX_KEY_LENGTH} 个字符", code="IDEMPOTENCY_KEY_INVALID")
        earlier = await uow.idempotency.claim(principal.subject, key, fingerprint)
        if earlier is not None:
            if earlier["request_fingerprint"] != fingerprint:
                raise Conflict(
                    "该 Idempotency-Key 已用于内容不同的请求，请为新请求使用新的键",
                    code="IDEMPOTENCY_KEY_REUSED",
                )
            return earlier["response_status"], earlier["response_body"], True
    status, body = await action()
    if key is not None:
        await uow.idempotency.complete(principal.subject, key, status, body)
    await uow.commit()
    return status, body, False


async def respond_idempotently(
    request: Request,
    uow: SqlAlchemyUnitOfWork,
    principal: Principal,
    key: str | None,
    body: BaseModel | None,
    action: Callable[[], Awaitable[BaseModel]],
    *,
    status: int = 200,
    location: Callable[[dict], str] | None = None,
) -> JSONResponse:
    """Run a write inside ``uow`` once per Idempotency-Key, commit, and answer JSON (replays say so)."""

    async def run() -> tuple[int, Any]:
        return status, (await action()).model_dump(mode="json")

    fingerprint = request_fingerprint(request.method, request.url.path, body.model_dump(mode="json") if body else None)
    code, payload, replayed = await run_idempotent(uow, principal, key, fingerprint, run)
    headers = {}
    if location and code in (201, 202):  # 202: the Location of the accepted job
        headers["Location"] = location(payload)
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(payload, status_code=code, headers=headers)
