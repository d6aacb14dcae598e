"""REST writes: one use case, one unit of work, one commit — at most once per ``Idempotency-Key``.

Every write route hands its use case to the ``Write`` dependency::

    async def withdraw(need_id: uuid.UUID, write: Write, p: EnterpriseOnly):
        return await write(p, lambda uow: needs.withdraw_need(need_id, p, uow), read=NeedRead.model_validate)

(``write.created(…, at="/intake/v1/needs")`` answers 201 with the new resource's Location).

It opens the unit of work, runs the use case, reads the answer, stores it under the caller's key and
commits — the one place a REST write commits (``shared.unit_of_work``). A retry with the same key gets the
stored answer (``Idempotent-Replayed: true``) and changes nothing; the same key with another request (method,
path or body) is a 422. Keys belong to the whole caller identity, not just the token's subject.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from shared.auth import Principal
from shared.errors import FieldError, ValidationFailed
from shared.unit_of_work import SqlAlchemyUnitOfWork

MAX_KEY_LENGTH = 200
T = TypeVar("T")


async def _idempotency_key(
    key: Annotated[
        str | None, Header(alias="Idempotency-Key", description="重试安全：同一键的重复请求只执行一次")
    ] = None,
) -> str | None:
    return key


IdempotencyKey = Annotated[str | None, Depends(_idempotency_key)]


def principal_key(principal: Principal) -> str:
    """Whose key it is: the whole identity (role, scope claims, subject), not the subject alone — two callers
    whose tokens share a ``sub`` never see each other's answers."""
    claims = {k: v for k, v in principal.to_claims().items() if k != "name"}
    digest = hashlib.sha256(json.dumps(claims, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"{principal.role.value}:{digest}"


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and body (JSON compared by content, not by spacing)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False) if body else ""
    except ValueError:
        canonical = hashlib.sha256(body).hexdigest()
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


class IdempotentWriter:
    """The ``Write`` dependency: see the module docstring."""

    def __init__(self, request: Request, key: str | None) -> None:
        self.request, self.key = request, key

    async def __call__(
        self,
        principal: Principal,
        use_case: Callable[[Any], Awaitable[T]],
        *,
        read: Callable[[T], BaseModel | None],
        status: int = 200,
        location: Callable[[dict], str] | None = None,
    ) -> Response:
        key = self.key
        if key is not None and (not key.strip() or len(key) > MAX_KEY_LENGTH):
            raise ValidationFailed(f"Idempotency-Key 须为 1–{MAX_KEY_LENGTH} 个字符", code="IDEMPOTENCY_KEY_INVALID")
        uow: SqlAlchemyUnitOfWork = self.request.app.state.runtime.uow()
        owner = principal_key(principal) if key is not None else ""
        async with uow:
            earlier = None
            if key is not None:
                fingerprint = await self._fingerprint()
                earlier = await uow.idempotency.claim(owner, key, fingerprint)
            if earlier is not None:
                if earlier["request_fingerprint"] != fingerprint:
                    raise ValidationFailed(
                        "该 Idempotency-Key 已用于内容不同的请求，请为新请求使用新的键",
                        code="IDEMPOTENCY_KEY_REUSED",
                        errors=[FieldError("Idempotency-Key", "同一个键只能用于同一个请求（方法、路径与请求体相同）")],
                    )
                return self._respond(earlier["response_status"], earlier["response_body"], location, replayed=True)
            result = await use_case(uow)
            await uow.flush()  # the answer shows the stored versions
            answer = read(result)
            body = answer.model_dump(mode="json") if answer is not None else None
            if key is not None:
                await uow.idempotency.complete(owner, key, status, body)
            await uow.commit()
        return self._respond(status, body, location, replayed=False)

    async def created(
        self, principal: Principal, use_case: Callable[[Any], Awaitable[T]], *, read: Callable[[T], BaseModel], at: str
    ) -> Response:
        """A write that creates a resource of the collection ``at``: 201 with its Location."""
        return await self(principal, use_case, read=read, status=201, location=lambda d: f"{at}/{d['id']}")

    async def _fingerprint(self) -> str:
        request = self.request
        try:
            body = await request.body()
        except RuntimeError:  # a form upload was streamed into the form: fingerprint its parts instead
            parts = []
            for name, value in (await request.form()).multi_items():
                if isinstance(value, str):
                    parts.append(f"{name}={value}")
                else:
                    value.file.seek(0)
                    parts.append(f"{name}:{value.filename}:{hashlib.sha256(value.file.read()).hexdigest()}")
                    value.file.seek(0)
            body = "\n".join(parts).encode()
        return request_fingerprint(request.method, request.url.path, body)

    @staticmethod
    def _respond(status: int, body: Any, location: Callable[[dict], str] | None, *, replayed: bool) -> Response:
        headers = {}
        if location and status in (201, 202) and body is not None:  # 202: the Location of the accepted job
            headers["Location"] = location(body)
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        if status == 204:
            return Response(status_code=204, headers=headers)
        return JSONResponse(body, status_code=status, headers=headers)


async def idempotent_writer(request: Request, key: IdempotencyKey) -> IdempotentWriter:
    return IdempotentWriter(request, key)


Write = Annotated[IdempotentWriter, Depends(idempotent_writer)]
