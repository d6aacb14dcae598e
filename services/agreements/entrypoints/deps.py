"""Dependencies shared by agreements' routers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from services.agreements.service_layer.terms import AgreementTerms
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from shared.auth import Principal
from shared.http import problem_responses, require_roles, unit_of_work
from shared.idempotency import Write  # noqa: F401 - re-exported for the routers
from shared.pagination import PageParams, page_params
from shared.service import dependencies
from shared.vocabulary import Role

PROBLEMS = problem_responses(401, 403, 404, 409, 422)

PagingDep = Annotated[PageParams, Depends(page_params)]
UowDep = Annotated[AgreementsUnitOfWork, Depends(unit_of_work)]
# Negotiation is organised by a city's bureaus, or by SASAC for province-owned SOEs (R-F5).
Organiser = Annotated[Principal, Depends(require_roles(Role.CITY_BUREAU, Role.SASAC))]
# Who follows the pairs: the organisers, the province, the enterprise and the dispatching unit (each its own).
PairReader = Annotated[
    Principal,
    Depends(require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC, Role.ENTERPRISE, Role.INSTITUTION)),
]
MeetingReader = Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC))]
Province = Annotated[Principal, Depends(require_roles(Role.PROVINCE))]
AnyRole = Annotated[Principal, Depends(require_roles(*Role))]
Party = Annotated[Principal, Depends(require_roles(Role.ENTERPRISE, Role.RESEARCHER, Role.INSTITUTION))]
AgreementReader = Annotated[
    Principal,
    Depends(
        require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC, Role.ENTERPRISE, Role.INSTITUTION, Role.RESEARCHER)
    ),
]


@dataclass(frozen=True)
class AgreementsDependencies:
    """Built once per process from the settings (``ServiceSpec.dependencies``)."""

    terms: AgreementTerms

    @classmethod
    def from_settings(cls, settings) -> AgreementsDependencies:
        return cls(AgreementTerms.from_settings(settings))


Deps = Annotated[AgreementsDependencies, Depends(dependencies)]
