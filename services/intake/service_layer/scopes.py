"""Who sees what in intake — derived from the caller's token, applied inside every query.

- province: everything; ops: nothing of the business data (ops endpoints only)
- city_bureau: the enterprises and needs of its city, except province-owned SOEs (those are SASAC's, R-F1)
- sasac: province-owned SOEs and their needs
- enterprise: its own record and needs
- institution: its own researchers and their applications
- researcher: their own profile and applications
"""

from __future__ import annotations

import uuid

from services.intake.adapters.repository import ApplicationScope, EnterpriseScope, ResearcherScope
from shared.auth import Principal, Role


def enterprise_scope(p: Principal) -> EnterpriseScope:
    match p.role:
        case Role.PROVINCE:
            return EnterpriseScope()
        case Role.CITY_BUREAU:
            return EnterpriseScope(city_code=p.city_code, soe=False)
        case Role.SASAC:
            return EnterpriseScope(soe=True)
        case Role.ENTERPRISE:
            return EnterpriseScope(enterprise_id=p.enterprise_id)
        case _:
            return EnterpriseScope(visible=False)


def researcher_scope(p: Principal) -> ResearcherScope:
    match p.role:
        case Role.PROVINCE:
            return ResearcherScope()
        case Role.INSTITUTION:
            return ResearcherScope(institution_id=uuid.UUID(p.institution_id))
        case Role.RESEARCHER:
            return ResearcherScope(researcher_id=uuid.UUID(p.researcher_id))
        case _:
            return ResearcherScope(visible=False)


def application_scope(p: Principal) -> ApplicationScope:
    match p.role:
        case Role.PROVINCE:
            return ApplicationScope(only_approved=True)  # applications reach the province once approved (R-F4)
        case Role.INSTITUTION:
            return ApplicationScope(institution_id=uuid.UUID(p.institution_id))
        case Role.RESEARCHER:
            return ApplicationScope(researcher_id=uuid.UUID(p.researcher_id))
        case _:
            return ApplicationScope(visible=False)
