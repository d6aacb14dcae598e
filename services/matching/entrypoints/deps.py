"""Dependencies of matching's routers: the collaborators the composition root built, and common annotations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from services.matching.adapters.retrieval import MatchingEngine
from services.matching.adapters.vector_store import VectorStore
from services.matching.service_layer.ranking import MatchingPolicy
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from services.matching.settings import MatchingSettings
from shared.auth import Principal
from shared.http import problem_responses, require_roles, unit_of_work
from shared.idempotency import Write  # noqa: F401 - re-exported for the routers
from shared.pagination import PageParams, page_params
from shared.service import dependencies
from shared.vocabulary import Role


@dataclass(frozen=True)
class MatchingDependencies:
    """Built once per process (``ServiceSpec.dependencies``): the encoder is loaded on first use, the index
    kept in step with the database and saved under ``index_dir``."""

    engine: MatchingEngine
    policy: MatchingPolicy
    next_model: str = ""  # the embedding model being prepared for a switch (settings.embedding_model_next)

    @classmethod
    def from_settings(cls, settings: MatchingSettings) -> MatchingDependencies:
        return cls(
            MatchingEngine(settings.embedding_model, settings.index_dir, VectorStore(settings.database_url)),
            MatchingPolicy(capacity=settings.researcher_capacity, alternates=settings.alternates_per_need),
            next_model=settings.embedding_model_next,
        )


PROBLEMS = problem_responses(401, 403, 404, 409, 422)
Deps = Annotated[MatchingDependencies, Depends(dependencies)]
UowDep = Annotated[MatchingUnitOfWork, Depends(unit_of_work)]
Paging = Annotated[PageParams, Depends(page_params)]
ProvinceOnly = Annotated[Principal, Depends(require_roles(Role.PROVINCE))]
ProvinceOrOps = Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.OPS))]
Bureaus = Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC))]
ListReaders = Annotated[
    Principal, Depends(require_roles(Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC, Role.INSTITUTION))
]
NeedReaders = Annotated[Principal, Depends(require_roles(Role.ENTERPRISE, Role.CITY_BUREAU, Role.SASAC, Role.PROVINCE))]
