"""Agreements' consumer groups: its copies of intake's records, and the willing candidates matching reports."""

from __future__ import annotations

from services.agreements.service_layer import projections, termination
from services.agreements.settings import AgreementsSettings
from shared.copies import registry_subscriptions
from shared.events import contracts as c
from shared.events.topics import (
    EVALUATION_EVALUATION,
    INTAKE_ENTERPRISE,
    INTAKE_INSTITUTION,
    INTAKE_NEED,
    INTAKE_RESEARCHER,
    MATCHING_CANDIDATE,
)
from shared.messaging.consumer import Subscription
from shared.runtime import ConsumerSpec

APPLICATION_EVENTS = (
    c.ResearcherApplicationSubmittedV1,
    c.ResearcherApplicationApprovedV1,
    c.ResearcherApplicationRejectedV1,
)


def consumer_specs(settings: AgreementsSettings, dependencies: object = None) -> list[ConsumerSpec]:
    intake = ConsumerSpec(
        name="agreements.intake",
        topics=[INTAKE_NEED.name, INTAKE_RESEARCHER.name, INTAKE_INSTITUTION.name, INTAKE_ENTERPRISE.name],
        subscriptions={
            c.NeedSubmittedV1.event_type: Subscription(c.NeedSubmittedV1, projections.on_need_submitted),
            **{e.event_type: Subscription(e, projections.on_need_status_changed) for e in c.NEED_REVIEW_EVENTS},
            **{e.event_type: Subscription(e, projections.on_application) for e in APPLICATION_EVENTS},
            **registry_subscriptions(
                researchers=projections.on_researcher_changed,
                institutions=projections.on_institution_changed,
                enterprises=projections.on_enterprise_changed,
            ),
        },
    )
    # A willing candidate (or the researcher the unit proposed instead) becomes a pair to negotiate (R-F3 → R-F5).
    matching = ConsumerSpec(
        name="agreements.matching",
        topics=[MATCHING_CANDIDATE.name],
        subscriptions={
            c.CandidateAnsweredV1.event_type: Subscription(c.CandidateAnsweredV1, projections.on_candidate_answered)
        },
    )
    # 末位淘汰 confirmed in evaluation ends the commissioner's agreement here (R-V5 → R-F10's path).
    evaluation = ConsumerSpec(
        name="agreements.evaluation",
        topics=[EVALUATION_EVALUATION.name],
        subscriptions={
            c.CommissionerEliminatedV1.event_type: Subscription(
                c.CommissionerEliminatedV1, termination.on_commissioner_eliminated
            )
        },
    )
    return [intake, matching, evaluation]
