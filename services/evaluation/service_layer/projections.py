"""Evaluation's copies of other services' records, kept from their events (in the consumer's transaction): the
agreements and the service their enterprises confirmed — what evaluations are pre-filled from (R-V2, R-V5) — and
intake's registries for names and counties. A signed 总师 agreement gets its term-end evaluation at once, waiting
for its window (R-V1); an agreement that ends early withdraws an evaluation not yet given."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from services.evaluation.domain import model as m
from services.evaluation.domain.rules import Window
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from shared.copies import keep_copy
from shared.events import contracts as c
from shared.events.envelope import CloudEvent
from shared.timeutil import CHINA
from shared.vocabulary import Programme

WINDOW_OPENS = "evaluation.window_opens"  # R-V1: one month before the term ends
EXPIRED = "expired"  # agreements' reason for a term that ran to its end

on_researcher_changed = keep_copy("researchers", c.ResearcherSnapshot)
on_institution_changed = keep_copy("institutions", c.InstitutionSnapshot)
on_enterprise_changed = keep_copy("enterprises", c.EnterpriseSnapshot)


async def on_agreement_signed(uow: EvaluationUnitOfWork, event: CloudEvent, payload: c.AgreementSignedV1) -> None:
    if await uow.agreements.get(payload.agreement_id) is not None:
        return
    agreement = m.AgreementCopy(
        id=payload.agreement_id,
        need_id=payload.need_id,
        researcher_id=payload.researcher_id,
        institution_id=payload.institution_id,
        enterprise_id=payload.enterprise_id,
        programme=payload.programme,
        city_code=payload.city_code or "",
        is_soe=bool(payload.is_soe),
        term_start=payload.term_start,
        term_end=payload.term_end,
        service_days_per_year=payload.service_days_per_year,
    )
    uow.agreements.add(agreement)
    if agreement.programme is Programme.CHIEF_TECHNOLOGIST:
        window = Window.before_term_end(agreement.term_end)
        uow.chief_evaluations.add(
            m.ChiefEvaluation(
                id=uuid.uuid4(),
                agreement_id=agreement.id,
                researcher_id=agreement.researcher_id,
                institution_id=agreement.institution_id,
                enterprise_id=agreement.enterprise_id,
                city_code=agreement.city_code,
                is_soe=agreement.is_soe,
                year=agreement.term_end.year,
                window_opens_on=window.opens_on,
                window_closes_on=window.closes_on,
            )
        )
        await uow.timers.schedule(WINDOW_OPENS, str(agreement.id), datetime.combine(window.opens_on, time(0), CHINA))


async def on_agreement_terminated(
    uow: EvaluationUnitOfWork, event: CloudEvent, payload: c.AgreementTerminatedV1
) -> None:
    agreement = await uow.agreements.get(payload.agreement_id, for_update=True)
    if agreement is None:
        raise LookupError(f"agreement {payload.agreement_id} unknown to evaluation; its AgreementSigned is missing")
    agreement.status = m.AgreementState.ENDED
    agreement.ended_on = payload.occurred_at.astimezone(CHINA).date()
    agreement.end_reason = payload.reason
    if payload.reason == EXPIRED:
        return  # the term ran to its end: its evaluation goes on
    await uow.timers.cancel(WINDOW_OPENS, str(agreement.id))
    evaluation = await uow.chief_evaluations.for_agreement(agreement.id, for_update=True)
    if evaluation and evaluation.status in (m.EvaluationStatus.AWAITING_WINDOW, m.EvaluationStatus.OPEN):
        evaluation.withdraw()  # ended early: there is no term end to evaluate (a grade already given stands)


async def on_service_confirmed(uow: EvaluationUnitOfWork, event: CloudEvent, payload: c.ServiceLogConfirmedV1) -> None:
    if await uow.service_records.get(payload.log_id) is not None:
        return
    uow.service_records.add(
        m.ServiceRecord(
            log_id=payload.log_id,
            agreement_id=payload.agreement_id,
            year=payload.year,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            days_on_site=payload.days_on_site,
            days_remote=payload.days_remote,
            outcomes=dict(payload.outcomes),
        )
    )
