"""Dependencies shared by intake's routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.intake.adapters.repository import Paging
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared.auth import Role, require_roles
from shared.errors import PROBLEM_JSON
from shared.idempotency import IdempotencyKey  # noqa: F401 - re-exported for the routers
from shared.pagination import PageParams, page_params

PROBLEMS = {
    code: {"content": {PROBLEM_JSON: {}}, "description": "application/problem+json"}
    for code in (401, 403, 404, 409, 422)
}

ANY_ROLE = require_roles(*Role)


def uow(request: Request) -> IntakeUnitOfWork:
    return request.app.state.runtime.uow()


def paging(params: Annotated[PageParams, Depends(page_params)]) -> tuple[PageParams, Paging]:
    return params, Paging(limit=params.page_size, offset=params.offset)


PagingDep = Annotated[tuple[PageParams, Paging], Depends(paging)]
UowDep = Annotated[IntakeUnitOfWork, Depends(uow)]
