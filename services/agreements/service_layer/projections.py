"""Agreements' copies of other services' records, kept from their events (inside the consumer's transaction).

- intake: needs (routing, batch, title), researchers, institutions and enterprises (names for lists and the
  notice), and 特派员 applications with their unit's decision (R-F4);
- matching: a candidate its unit answered "willing" for — or the researcher the unit proposed instead (R-F3)
  — becomes a pair to negotiate (R-F5).

The inbox makes a redelivery a no-op; copies keep the newest version, so a late older snapshot changes nothing.
"""

from __future__ import annotations

import uuid

from services.agreements.domain import model as m
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from shared.copies import keep_copy
from shared.events import contracts as c
from shared.events.envelope import CloudEvent


async def on_need_submitted(uow: AgreementsUnitOfWork, event: CloudEvent, payload: c.NeedSubmittedV1) -> None:
    uow.needs.add(
        m.NeedCopy(
            id=payload.need_id,
            enterprise_id=payload.enterprise_id,
            city_code=payload.city_code,
            is_soe=payload.is_soe,
            programme=payload.programme,
            title=payload.title,
            status=payload.status or "submitted",
            batch_id=payload.batch_id,
            batch_year=payload.batch_year,
            description=payload.description,
            cooperation_forms=list(payload.cooperation_forms),
            conditions_offered=payload.conditions_offered,
        )
    )


async def on_need_status_changed(uow: AgreementsUnitOfWork, event: CloudEvent, payload: c.NeedReviewEvent) -> None:
    need = await uow.needs.get(payload.need_id, for_update=True)
    if need is None:  # the need's own stream is ordered by its key: its submission must have come first
        raise LookupError(f"need {payload.need_id} unknown to agreements; its NeedSubmitted event is missing")
    need.status = payload.status or need.status
    if isinstance(payload, c.NeedReportedToProvinceV1):
        need.batch_id = payload.batch_id or need.batch_id
        need.batch_year = payload.batch_year or need.batch_year


# Names for pairs, lists and the notice: the newest snapshot of each record (``shared.copies``).
on_researcher_changed = keep_copy("researchers", c.ResearcherSnapshot)
on_institution_changed = keep_copy("institutions", c.InstitutionSnapshot)
on_enterprise_changed = keep_copy("enterprises", c.EnterpriseSnapshot)


APPLICATION_STATUS = {
    c.ResearcherApplicationSubmittedV1: "submitted",
    c.ResearcherApplicationApprovedV1: "approved",
    c.ResearcherApplicationRejectedV1: "rejected",
}


ApplicationEvent = (
    c.ResearcherApplicationSubmittedV1 | c.ResearcherApplicationApprovedV1 | c.ResearcherApplicationRejectedV1
)


async def on_application(uow: AgreementsUnitOfWork, event: CloudEvent, payload: ApplicationEvent) -> None:
    """A 特派员 application and its unit's decision: only an approved one lets the pair be filed (R-F4)."""
    status = APPLICATION_STATUS[type(payload)]
    await uow.applications.record(payload.application_id, payload.researcher_id, payload.batch_id, status)


async def on_candidate_answered(uow: AgreementsUnitOfWork, event: CloudEvent, payload: c.CandidateAnsweredV1) -> None:
    """A willing candidate, or the researcher the unit proposed instead, is to be negotiated (R-F3 → R-F5)."""
    if payload.answer == "willing":
        entry_id, researcher_id = payload.entry_id, payload.researcher_id
    elif payload.answer == "propose_another" and payload.substitute_entry_id and payload.substitute_researcher_id:
        entry_id, researcher_id = payload.substitute_entry_id, payload.substitute_researcher_id
    else:
        return  # unwilling: matching pushes the next alternate, whose own answer arrives later
    if await uow.pairs.by_entry(entry_id) is not None:
        return
    uow.pairs.add(
        m.Pair(
            id=uuid.uuid4(),
            entry_id=entry_id,
            need_id=payload.need_id,
            researcher_id=researcher_id,
            institution_id=payload.institution_id,
            enterprise_id=payload.enterprise_id,
            city_code=payload.city_code,
            is_soe=payload.is_soe,
            programme=payload.programme,
        )
    )
