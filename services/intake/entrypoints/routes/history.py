from __future__ import annotations

from services.intake.schemas import AuditEntryRead
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork


async def audit_trail(uow: IntakeUnitOfWork, entity: str, entity_id: str) -> list[AuditEntryRead]:
    """Who changed what and when; callers check the entity is visible to the caller first."""
    return [AuditEntryRead(**row) for row in await uow.audit_log.for_entity(entity, entity_id)]
