"""Matching use cases and event handlers."""

from __future__ import annotations

import uuid

from services.matching.domain.model import NeedHistoryEntry, NeedSnapshot
from services.matching.service_layer.engine import Candidate, MatchingEngine
from services.matching.service_layer.runs import MatchingPolicy, queue_need_run, rank_need, ranking_context
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from shared.auth import Principal, Role, need_scope
from shared.errors import Conflict, Forbidden, NotFound
from shared.events import contracts as c
from shared.events.contracts import NeedSubmittedV1
from shared.events.envelope import CloudEvent


async def on_need_submitted(uow: MatchingUnitOfWork, event: CloudEvent, payload: NeedSubmittedV1) -> None:
    """Keep matching's own copy of the need (R-F2 works on it). Runs inside the consumer's transaction;
    the inbox makes a redelivery a no-op, so this handler need not be idempotent itself."""
    uow.needs.add(
        NeedSnapshot(
            id=payload.need_id,
            enterprise_id=payload.enterprise_id,
            city_code=payload.city_code,
            is_soe=payload.is_soe,
            programme=payload.programme,
            title=payload.title,
            description=payload.description,
            keywords=list(payload.keywords),
            submitted_at=payload.submitted_at,
            batch_id=payload.batch_id,
            batch_year=payload.batch_year,
            industry=payload.industry,
            desired_expertise=payload.desired_expertise,
            experts_wanted=payload.experts_wanted,
        )
    )
    uow.needs.add_history(
        NeedHistoryEntry(need_id=payload.need_id, event_id=event.id, event_type=event.type, occurred_at=event.time)
    )


async def on_need_status_changed(
    uow: MatchingUnitOfWork, event: CloudEvent, payload: c.NeedReviewEvent, *, match_on_report: bool = True
) -> None:
    """Follow the need through its review (R-F1): only needs reported to the province are matched (R-F2).
    A newly reported need is queued for matching on its own at once (a batch run can re-match it jointly)."""
    need = await uow.needs.get_for_update(payload.need_id)
    if need is None:  # the need's own stream is ordered by its key; a gap means the submission was never seen
        raise LookupError(f"need {payload.need_id} unknown to matching; its NeedSubmitted event is missing")
    need.status = payload.status or need.status
    if isinstance(payload, c.NeedReportedToProvinceV1):
        need.batch_id = payload.batch_id or need.batch_id
        need.batch_year = payload.batch_year or need.batch_year
        need.experts_wanted = payload.experts_wanted
        need.batch_closes_on = payload.batch_closes_on or need.batch_closes_on
        if match_on_report:
            queue_need_run(uow, [need.id], requested_by="system", trigger="need_reported")
    uow.needs.add_history(
        NeedHistoryEntry(need_id=payload.need_id, event_id=event.id, event_type=event.type, occurred_at=event.time)
    )


async def on_researcher_changed(uow: MatchingUnitOfWork, event: CloudEvent, payload: c.ResearcherSnapshot) -> None:
    await uow.researchers.upsert(c.ResearcherSnapshot.model_validate(payload.model_dump()))


async def on_institution_changed(uow: MatchingUnitOfWork, event: CloudEvent, payload: c.InstitutionSnapshot) -> None:
    await uow.institutions.upsert(c.InstitutionSnapshot.model_validate(payload.model_dump()))


async def on_enterprise_changed(uow: MatchingUnitOfWork, event: CloudEvent, payload: c.EnterpriseSnapshot) -> None:
    await uow.enterprises.upsert(c.EnterpriseSnapshot.model_validate(payload.model_dump()))


async def on_agreement_signed(uow: MatchingUnitOfWork, event: CloudEvent, payload: c.AgreementSignedV1) -> None:
    """An appointment started (R-F8): it counts against the researcher's capacity."""
    await uow.appointments.signed(payload.agreement_id, payload.researcher_id, payload.need_id)


async def on_agreement_terminated(uow: MatchingUnitOfWork, event: CloudEvent, payload: c.AgreementTerminatedV1) -> None:
    """An appointment ended (R-F10): the researcher may be proposed again."""
    await uow.appointments.terminated(payload.agreement_id, payload.researcher_id, payload.need_id)


async def get_need(
    need_id: uuid.UUID, principal: Principal, uow: MatchingUnitOfWork
) -> tuple[NeedSnapshot, list[NeedHistoryEntry]]:
    need = await uow.needs.get(need_id, need_scope(principal))
    if need is None:
        raise NotFound("该需求不存在或无权查看", code="NEED_NOT_FOUND")
    return need, await uow.needs.history(need_id)


async def list_needs(
    principal: Principal, uow: MatchingUnitOfWork, *, limit: int, offset: int
) -> tuple[list[NeedSnapshot], int]:
    return await uow.needs.list(need_scope(principal), limit=limit, offset=offset)


async def candidates_for_need(
    need_id: uuid.UUID,
    principal: Principal,
    uow: MatchingUnitOfWork,
    engine: MatchingEngine,
    policy: MatchingPolicy,
) -> tuple[NeedSnapshot, list[Candidate], list[Candidate], str]:
    """Rank researchers for one need (R-F2): the province, and the reviewing city or SASAC within scope."""
    if principal.role not in (Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC):
        raise Forbidden("无权查看匹配结果", code="ROLE_FORBIDDEN")
    need = await uow.needs.get(need_id, need_scope(principal))
    if need is None:
        raise NotFound("该需求不存在或无权查看", code="NEED_NOT_FOUND")
    if need.status != "reported":
        raise Conflict(
            "需求报送省科技厅后才进行匹配（R-F1 → R-F2）",
            code="NEED_NOT_REPORTED",
            extra={"current_state": need.status},
        )
    context = await ranking_context(uow, need, policy=policy)
    eligible, excluded, index = await rank_need(uow, engine, need, context)
    return need, eligible, excluded, index.encoder.model_id
