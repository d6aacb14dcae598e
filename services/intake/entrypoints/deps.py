"""Dependencies shared by intake's routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared.http import problem_responses, require_roles, unit_of_work
from shared.idempotency import Write  # noqa: F401 - re-exported for the routers
from shared.pagination import PageParams, page_params
from shared.vocabulary import Role

PROBLEMS = problem_responses(401, 403, 404, 409, 422)
ANY_ROLE = require_roles(*Role)

PagingDep = Annotated[PageParams, Depends(page_params)]
UowDep = Annotated[IntakeUnitOfWork, Depends(unit_of_work)]
