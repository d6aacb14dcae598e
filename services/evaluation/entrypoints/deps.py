"""Dependencies shared by evaluation's routers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Query

from services.evaluation.domain.rules import EliminationRule, ExcellentCap
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from services.evaluation.settings import EvaluationSettings
from shared.auth import Principal
from shared.http import problem_responses, require_roles, unit_of_work
from shared.idempotency import Write  # noqa: F401 - re-exported for the routers
from shared.pagination import PageParams, page_params
from shared.service import dependencies
from shared.vocabulary import Role

PROBLEMS = problem_responses(401, 403, 404, 409, 422)

YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="年度")]
PagingDep = Annotated[PageParams, Depends(page_params)]
UowDep = Annotated[EvaluationUnitOfWork, Depends(unit_of_work)]
Province = Annotated[Principal, Depends(require_roles(Role.PROVINCE))]
# 总师: the evaluating bodies (R-V1) and who reads the results (the units once notified, R-V4).
Evaluator = Annotated[Principal, Depends(require_roles(Role.CITY_BUREAU, Role.SASAC))]
RoundReader = Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC))]
ChiefReader = Annotated[
    Principal,
    Depends(
        require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC, Role.ENTERPRISE, Role.INSTITUTION, Role.RESEARCHER)
    ),
]
Enterprise = Annotated[Principal, Depends(require_roles(Role.ENTERPRISE))]
# 特派员 (R-V5–R-V7): the city's 科技局 runs the year, counties assess, the parties read their own.
CityBureau = Annotated[Principal, Depends(require_roles(Role.CITY_BUREAU))]
County = Annotated[Principal, Depends(require_roles(Role.COUNTY))]
YearRoundReader = Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.COUNTY))]
YearReader = Annotated[
    Principal,
    Depends(
        require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.COUNTY, Role.ENTERPRISE, Role.INSTITUTION, Role.RESEARCHER)
    ),
]
Objector = Annotated[Principal, Depends(require_roles(Role.RESEARCHER, Role.INSTITUTION, Role.ENTERPRISE))]
ContractWriter = Annotated[Principal, Depends(require_roles(Role.ENTERPRISE, Role.CITY_BUREAU))]


def as_is(answer):
    """``Write``'s reader when the use case already built the answer (views need the unit of work)."""
    return answer


@dataclass(frozen=True)
class EvaluationDependencies:
    """Built once per process from the settings (``ServiceSpec.dependencies``)."""

    cap: ExcellentCap
    elimination: EliminationRule
    objection_window: timedelta
    exclusion_days: int
    attachment_max_bytes: int
    attachments_per_evaluation: int

    @classmethod
    def from_settings(cls, settings: EvaluationSettings) -> EvaluationDependencies:
        return cls(
            settings.excellent_cap(),
            settings.elimination_rule(),
            settings.objection_window,
            settings.exclusion_days,
            settings.attachment_max_bytes,
            settings.attachments_per_evaluation,
        )


Deps = Annotated[EvaluationDependencies, Depends(dependencies)]
