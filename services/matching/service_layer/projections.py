"""Matching's copies of other services' records, kept from their events (run inside the consumer's transaction).

The inbox makes a redelivery a no-op, so these handlers need not be idempotent themselves; registry copies
keep the newest version, so a late older snapshot changes nothing either.
"""

from __future__ import annotations

from services.matching.adapters.retrieval import MatchingEngine, need_text
from services.matching.domain.model import NeedHistoryEntry, NeedSnapshot
from services.matching.domain.run import MatchingRun, RunTrigger
from services.matching.service_layer.candidate_lists import release_after_failed_negotiation
from services.matching.service_layer.ranking import MatchingPolicy
from services.matching.service_layer.rematching import RematchPolicy, researcher_pool_changed
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from shared.copies import keep_copy
from shared.events import contracts as c
from shared.events.contracts import NeedSubmittedV1
from shared.events.envelope import CloudEvent
from shared.events.fields import dataclass_fields_from
from shared.vocabulary import NeedStatus


async def on_need_submitted(
    uow: MatchingUnitOfWork, event: CloudEvent, payload: NeedSubmittedV1, *, engine: MatchingEngine | None = None
) -> None:
    """Keep matching's own copy of the need (R-F2 works on it); its vector is encoded meanwhile, in the background,
    so ranking it later does not wait for the encoder."""
    copied = dataclass_fields_from(NeedSnapshot, payload, id=payload.need_id, keywords=list(payload.keywords))
    copied["status"] = payload.status or NeedStatus.SUBMITTED
    need = NeedSnapshot(**copied)
    uow.needs.add(need)
    if engine is not None:
        engine.warm(need_text(need))
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
            uow.runs.add(MatchingRun.for_needs([need.id], requested_by="system", trigger=RunTrigger.NEED_REPORTED))
    uow.needs.add_history(
        NeedHistoryEntry(need_id=payload.need_id, event_id=event.id, event_type=event.type, occurred_at=event.time)
    )


async def on_researcher_changed(
    uow: MatchingUnitOfWork,
    event: CloudEvent,
    payload: c.ResearcherSnapshot,
    *,
    rematch: RematchPolicy | None = None,
) -> None:
    """Keep the newest copy; a changed pool may outgrow lists ranked too early (re-match rule)."""
    if await keep_researcher(uow, event, payload):
        await researcher_pool_changed(uow, rematch)


keep_researcher = keep_copy("researchers", c.ResearcherSnapshot)
on_institution_changed = keep_copy("institutions", c.InstitutionSnapshot)
on_enterprise_changed = keep_copy("enterprises", c.EnterpriseSnapshot)


async def on_agreement_signed(uow: MatchingUnitOfWork, event: CloudEvent, payload: c.AgreementSignedV1) -> None:
    """An appointment started (R-F8): it counts against the researcher's capacity."""
    await uow.appointments.signed(payload.agreement_id, payload.researcher_id, payload.need_id)


async def on_agreement_terminated(uow: MatchingUnitOfWork, event: CloudEvent, payload: c.AgreementTerminatedV1) -> None:
    """An appointment ended (R-F10): the researcher may be proposed again."""
    await uow.appointments.terminated(payload.agreement_id, payload.researcher_id, payload.need_id)


async def on_expert_result_notified(
    uow: MatchingUnitOfWork, event: CloudEvent, payload: c.ExpertResultNotifiedV1
) -> None:
    """R-V4: an expert rated 优秀 at the end of a 总师 term ranks higher in later batches (a visible soft bonus).
    Their newest result decides: a later term graded lower removes the bonus."""
    if payload.grade == "excellent":
        await uow.evaluation_marks.mark(payload.researcher_id, "excellent", payload.programme.value, payload.year)
    else:
        await uow.evaluation_marks.unmark(payload.researcher_id, "excellent", payload.programme.value)


async def on_commissioner_eliminated(
    uow: MatchingUnitOfWork, event: CloudEvent, payload: c.CommissionerEliminatedV1
) -> None:
    """R-V5 末位淘汰: the commissioner is not proposed for this programme again until ``excluded_until``."""
    await uow.evaluation_marks.mark(
        payload.researcher_id, "eliminated", payload.programme.value, payload.year, payload.excluded_until
    )


async def on_negotiation_failed(
    uow: MatchingUnitOfWork,
    event: CloudEvent,
    payload: c.NegotiationFailedV1,
    *,
    engine: MatchingEngine,
    policy: MatchingPolicy,
) -> None:
    """A willing candidate's negotiation reached no intent (R-F5): release them and refill the place."""
    await release_after_failed_negotiation(uow, payload.entry_id, payload.reason, engine, policy)
