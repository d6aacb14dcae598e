"""The province's recorded waivers of "in principle" rules (R-E3: degree or title, 原则上)."""

from __future__ import annotations

import uuid

from services.matching.domain.commands import GrantOverride
from services.matching.domain.model import ResearcherOverride
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from shared.auth import Principal
from shared.errors import Conflict, NotFound

WAIVABLE_RULES = ("R-E3",)  # the only hard rule the policy phrases as "in principle"


async def grant(cmd: GrantOverride, principal: Principal, uow: MatchingUnitOfWork) -> ResearcherOverride:
    researcher_id, rule_id, reason = cmd.researcher_id, cmd.rule_id, cmd.reason
    if rule_id not in WAIVABLE_RULES:
        raise NotFound(f"规则 {rule_id} 不可豁免（仅 R-E3 可由省科技厅记录理由后豁免）", code="RULE_NOT_WAIVABLE")
    if await uow.researchers.get(researcher_id) is None:
        raise NotFound("科研人员不存在", code="RESEARCHER_NOT_FOUND")
    if await uow.overrides.get(researcher_id, rule_id) is not None:
        raise Conflict("该科研人员已获此项豁免", code="OVERRIDE_EXISTS")
    override = ResearcherOverride(researcher_id, rule_id, reason.strip(), principal.subject)
    uow.overrides.add(override)
    await uow.record_audit(
        principal, "rule_override.granted", "researcher", str(researcher_id), {"rule_id": rule_id, "reason": reason}
    )
    return override


async def revoke(researcher_id: uuid.UUID, rule_id: str, principal: Principal, uow: MatchingUnitOfWork) -> None:
    override = await uow.overrides.get(researcher_id, rule_id)
    if override is None:
        raise NotFound("该豁免不存在", code="OVERRIDE_NOT_FOUND")
    await uow.overrides.delete(override)
    await uow.record_audit(principal, "rule_override.revoked", "researcher", str(researcher_id), {"rule_id": rule_id})
