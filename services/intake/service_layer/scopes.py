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
    return _people_scope(p, self_key="id", province=EVERYTHING)


def application_scope(p: Principal) -> Scope:
    # Applications reach the province once their unit approved them (R-F4).
    return _people_scope(p, self_key="researcher_id", province=Scope.where(status=ApplicationStatus.APPROVED))


def _people_scope(p: Principal, *, self_key: str, province: Scope) -> Scope:
    """Researchers' records: the province (as given), the unit its own people, a researcher their own."""
    match p.role:
        case Role.PROVINCE:
            return province
        case Role.INSTITUTION:
            return Scope.where(institution_id=uuid.UUID(p.institution_id))
        case Role.RESEARCHER:
            return Scope.where(**{self_key: uuid.UUID(p.researcher_id)})
        case _:
            return NOTHING
