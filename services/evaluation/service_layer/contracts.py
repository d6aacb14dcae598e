"""R-V7: technology development and transfer contracts between the enterprise and the commissioner's dispatching
unit, with the transaction subsidy received and the reward paid to the commissioner. A reward below 10% of the
subsidy is flagged as below the encouraged share — encouraged, not required: never refused."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from services.evaluation.domain import model as m
from services.evaluation.service_layer.commissioner import UNKNOWN_COUNTY
from services.evaluation.service_layer.scopes import commissioner_scope
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from shared.auth import Principal
from shared.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from shared.pagination import PageParams
from shared.vocabulary import Programme, Role


async def record(fields: dict[str, Any], p: Principal, uow: EvaluationUnitOfWork) -> m.TechnologyContract:
    if p.role not in (Role.ENTERPRISE, Role.CITY_BUREAU):
        raise Forbidden("技术合同由接收企业或市（地）科技局登记", code="ROLE_FORBIDDEN")
    agreement = await uow.agreements.get(fields["agreement_id"], commissioner_scope(p))
    if agreement is None:
        raise NotFound("协议不存在或无权查看", code="AGREEMENT_NOT_FOUND")
    if agreement.programme is not Programme.COMMISSIONER:
        raise ValidationFailed(
            "技术合同与激励记录适用于企业科技特派员协议", code="RULE_VIOLATION",
            errors=[FieldError("agreement_id", "不是企业科技特派员协议", ["R-V7"])],
        )  # fmt: skip
    if await uow.contracts.registered(fields["registration_number"]):
        raise Conflict("该登记编号的技术合同已登记", code="ALREADY_EXISTS")
    enterprise = await uow.enterprises.get(agreement.enterprise_id)
    contract = m.TechnologyContract(
        id=uuid.uuid4(), agreement_id=agreement.id, researcher_id=agreement.researcher_id,
        institution_id=agreement.institution_id, enterprise_id=agreement.enterprise_id, city_code=agreement.city_code,
        county=enterprise.county if enterprise else UNKNOWN_COUNTY, recorded_by=p.subject,
        **{k: v for k, v in _money(fields).items() if k != "agreement_id"},
    )  # fmt: skip
    uow.contracts.add(contract)
    await uow.record_audit(p, "technology_contract.recorded", "technology_contract", str(contract.id), _audit(fields))
    return contract


async def update(
    contract_id: uuid.UUID, changes: dict[str, Any], p: Principal, uow: EvaluationUnitOfWork
) -> m.TechnologyContract:
    """The subsidy received and the reward paid usually come later than the contract."""
    if p.role not in (Role.ENTERPRISE, Role.CITY_BUREAU):
        raise Forbidden("技术合同由接收企业或市（地）科技局登记", code="ROLE_FORBIDDEN")
    contract = await get(contract_id, p, uow, for_update=True)
    contract.update(_money(changes))
    await uow.record_audit(p, "technology_contract.updated", "technology_contract", str(contract.id), _audit(changes))
    return contract


async def get(
    contract_id: uuid.UUID, p: Principal, uow: EvaluationUnitOfWork, *, for_update: bool = False
) -> m.TechnologyContract:
    found = await uow.contracts.get(contract_id, commissioner_scope(p), for_update=for_update)
    if found is None:
        raise NotFound("技术合同不存在或无权查看", code="CONTRACT_NOT_FOUND")
    return found


async def list_(p: Principal, uow: EvaluationUnitOfWork, page: PageParams, *, agreement_id: uuid.UUID | None):
    return await uow.contracts.list(commissioner_scope(p), page, agreement_id=agreement_id)


def _money(fields: dict[str, Any]) -> dict[str, Any]:
    """Amounts arrive as JSON numbers in 元; they are kept as exact decimals rounded to the fen (分)."""
    return {k: (Decimal(str(round(v, 2))) if k.endswith("_yuan") and v is not None else v) for k, v in fields.items()}


def _audit(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) for k, v in fields.items()}
