"""Who sees which evaluations. The province sees all; a city's bureaus their city's 总师 evaluations (never an
SOE's: SASAC evaluates those, R-V1) and their city's 特派员 ones; a county only its county's 特派员 (R-V5); the
enterprise its own; the dispatching unit and the expert their results once the province notified them (R-V4) —
the yearly 特派员 records as they are. Out of scope answers 404, exactly as missing does."""

from __future__ import annotations

import uuid

from services.evaluation.domain.model import EvaluationStatus
from shared.auth import Principal
from shared.scope import EVERYTHING, NOTHING, Scope
from shared.vocabulary import Role


def _uuid_scope(name: str, value: str | None, **more: object) -> Scope:
    try:
        return Scope.where(**{name: uuid.UUID(value or "")}, **more)
    except ValueError:
        return NOTHING


def chief_scope(p: Principal) -> Scope:
    match p.role:
        case Role.PROVINCE:
            return EVERYTHING
        case Role.CITY_BUREAU:
            return Scope.where(city_code=p.city_code, is_soe=False)
        case Role.SASAC:
            return Scope.where(is_soe=True)
        case Role.ENTERPRISE:
            return Scope.where(enterprise_id=p.enterprise_id)
        case Role.INSTITUTION:
            return _uuid_scope("institution_id", p.institution_id, status=EvaluationStatus.NOTIFIED)
        case Role.RESEARCHER:
            return _uuid_scope("researcher_id", p.researcher_id, status=EvaluationStatus.NOTIFIED)
        case _:
            return NOTHING


def chief_round_scope(p: Principal) -> Scope:
    match p.role:
        case Role.PROVINCE:
            return EVERYTHING
        case Role.CITY_BUREAU:
            return Scope.where(body="city", city_code=p.city_code)
        case Role.SASAC:
            return Scope.where(body="sasac")
        case _:
            return NOTHING


def commissioner_scope(p: Principal) -> Scope:
    """The yearly 特派员 records and the technology contracts (R-V5–R-V7)."""
    match p.role:
        case Role.PROVINCE:
            return EVERYTHING
        case Role.CITY_BUREAU:
            return Scope.where(city_code=p.city_code)
        case Role.COUNTY:
            return Scope.where(city_code=p.city_code, county=p.county)
        case Role.ENTERPRISE:
            return Scope.where(enterprise_id=p.enterprise_id)
        case Role.INSTITUTION:
            return _uuid_scope("institution_id", p.institution_id)
        case Role.RESEARCHER:
            return _uuid_scope("researcher_id", p.researcher_id)
        case _:
            return NOTHING


def commissioner_round_scope(p: Principal) -> Scope:
    if p.role is Role.PROVINCE:
        return EVERYTHING
    if p.role in (Role.CITY_BUREAU, Role.COUNTY):
        return Scope.where(city_code=p.city_code)
    return NOTHING
