"""Who sees what in intake — derived from the caller's token, applied inside every query (``shared.scope``).

- province: everything; ops: nothing of the business data (ops endpoints only)
- city_bureau: the enterprises and needs of its city, except province-owned SOEs (those are SASAC's, R-F1)
- sasac: province-owned SOEs and their needs
- enterprise: its own record and needs
- institution: its own researchers and their applications
- researcher: their own profile and applications

Needs follow ``shared.auth.need_scope`` (matching routes them the same way).
"""

from __future__ import annotations

import uuid

from services.intake.domain.model import ApplicationStatus
from shared.auth import Principal, Role, need_scope
from shared.scope import EVERYTHING, NOTHING, Scope


def enterprise_scope(p: Principal) -> Scope:
    """Enterprises are routed as their needs are (R-F1)."""
    return need_scope(p, enterprise_key="id")


def researcher_scope(p: Principal) -> Scope:
    match p.role:
        case Role.PROVINCE:
            return EVERYTHING
        case Role.INSTITUTION:
            return Scope.where(institution_id=uuid.UUID(p.institution_id))
        case Role.RESEARCHER:
            return Scope.where(id=uuid.UUID(p.researcher_id))
        case _:
            return NOTHING


def application_scope(p: Principal) -> Scope:
    match p.role:
        case Role.PROVINCE:  # applications reach the province once their unit approved them (R-F4)
            return Scope.where(status=ApplicationStatus.APPROVED)
        case Role.INSTITUTION:
            return Scope.where(institution_id=uuid.UUID(p.institution_id))
        case Role.RESEARCHER:
            return Scope.where(researcher_id=uuid.UUID(p.researcher_id))
        case _:
            return NOTHING
