"""Ending an agreement early (R-F10): the enterprise or the expert asks with a reason, the other party agrees, the
city's 科技局 and 工信局 both approve (SASAC for an SOE); the agreement ends (``AgreementTerminated``: matching frees
the expert) and the province is informed through the same event. A refusal at any step closes the request with
its reason; the term then goes on. The term's natural end is a timer (``service.expire``)."""

from __future__ import annotations

import uuid

from services.agreements.domain import agreement as a
from services.agreements.service_layer.appointments import get_agreement, party_of
from services.agreements.service_layer.events import agreement_fields
from services.agreements.service_layer.term import TERM_ENDS
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from shared.auth import Principal
from shared.errors import Forbidden
from shared.events import contracts as c
from shared.events.envelope import CloudEvent
from shared.vocabulary import Role


async def request(agreement_id: uuid.UUID, reason: str, p: Principal, uow: AgreementsUnitOfWork) -> a.Agreement:
    agreement = await get_agreement(agreement_id, p, uow, for_update=True)
    party = party_of(p, agreement)
    agreement.request_termination(party, reason, p.subject)
    uow.emit(lambda: c.TerminationRequestedV1(**agreement_fields(agreement), requested_by=party.value, reason=reason))
    await uow.record_audit(p, "termination.requested", "agreement", str(agreement.id), {"reason": reason})
    return agreement


async def agree(agreement_id: uuid.UUID, p: Principal, uow: AgreementsUnitOfWork) -> a.Agreement:
    agreement = await get_agreement(agreement_id, p, uow, for_update=True)
    party = party_of(p, agreement)
    agreement.agree_termination(party)
    uow.emit(lambda: c.TerminationStepV1(**agreement_fields(agreement), step="agreed", by=party.value))
    await uow.record_audit(p, "termination.agreed", "agreement", str(agreement.id), None)
    return agreement


async def approve(agreement_id: uuid.UUID, p: Principal, uow: AgreementsUnitOfWork) -> a.Agreement:
    """A city bureau (or SASAC) approves; the last required approval ends the agreement."""
    agreement = await get_agreement(agreement_id, p, uow, for_update=True)
    approver = _approver(p, agreement)
    ended = agreement.approve_termination(approver, a.termination_approvers(agreement.is_soe))
    uow.emit(lambda: c.TerminationStepV1(**agreement_fields(agreement), step="approved", by=approver))
    if ended:
        reason = agreement.end_reason or ""
        uow.emit(lambda: c.AgreementTerminatedV1(**agreement_fields(agreement), reason=reason))
        await uow.timers.cancel(TERM_ENDS, str(agreement.id))
    await uow.record_audit(p, "termination.approved", "agreement", str(agreement.id), {"ended": ended})
    return agreement


async def refuse(agreement_id: uuid.UUID, reason: str, p: Principal, uow: AgreementsUnitOfWork) -> a.Agreement:
    """The other party, or a bureau (SASAC), does not agree: the request closes with the reason."""
    agreement = await get_agreement(agreement_id, p, uow, for_update=True)
    if p.role in (Role.CITY_BUREAU, Role.SASAC):
        by = _approver(p, agreement)
    else:
        by = party_of(p, agreement).value
        if agreement.termination and by == agreement.termination.get("requested_by"):
            raise Forbidden("申请方可另行撤回，不能拒绝自己的申请", code="TERMINATION_PARTY_INVALID")
    agreement.refuse_termination(by, reason)
    uow.emit(lambda: c.TerminationStepV1(**agreement_fields(agreement), step="refused", by=by, reason=reason))
    await uow.record_audit(p, "termination.refused", "agreement", str(agreement.id), {"by": by, "reason": reason})
    return agreement


def _approver(p: Principal, agreement: a.Agreement) -> str:
    if agreement.is_soe:
        if p.role is not Role.SASAC:
            raise Forbidden("省属国有企业的协议终止由省国资委审批", code="APPROVER_FORBIDDEN")
        return "sasac"
    if p.role is not Role.CITY_BUREAU or p.city_code != agreement.city_code or p.bureau is None:
        raise Forbidden("协议终止由企业所在市（地）科技局、工信局审批", code="APPROVER_FORBIDDEN")
    return p.bureau.value


ELIMINATED = "年度考评末位淘汰"


async def on_commissioner_eliminated(
    uow: AgreementsUnitOfWork, event: CloudEvent, payload: c.CommissionerEliminatedV1
) -> None:
    """末位淘汰 (R-V5): the city confirmed the elimination in evaluation; the agreement ends here, on the same path as
    an approved termination (``AgreementTerminated``: matching frees the expert, the province is informed)."""
    agreement = await uow.agreements.get(payload.agreement_id, for_update=True)
    if agreement is None or agreement.status is not a.AgreementStatus.FILED:
        return  # already ended (expired, or terminated by the parties meanwhile): nothing left to end
    reason = f"{ELIMINATED}（{payload.year} 年度）：{payload.reason}"
    agreement.end_by_elimination(reason, str(payload.evaluation_id))
    uow.emit(lambda: c.AgreementTerminatedV1(**agreement_fields(agreement), reason=reason))
    await uow.timers.cancel(TERM_ENDS, str(agreement.id))
    uow.record_audit_entry(
        "evaluation", "system", "agreement.eliminated", "agreement", str(agreement.id),
        {"evaluation_id": str(payload.evaluation_id), "year": payload.year}, correlation_id=event.correlationid,
    )  # fmt: skip
