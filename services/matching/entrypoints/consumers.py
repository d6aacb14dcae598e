"""Matching's consumer groups: its copies of intake's needs and registries, and the appointments agreements report."""

from __future__ import annotations

from functools import partial

from services.matching.entrypoints.deps import MatchingDependencies
from services.matching.service_layer import projections
from services.matching.service_layer.rematching import RematchPolicy
from services.matching.settings import MatchingSettings
from shared.copies import registry_subscriptions
from shared.events import contracts as c
from shared.events.topics import (
    AGREEMENTS_AGREEMENT,
    AGREEMENTS_NEGOTIATION,
    EVALUATION_EVALUATION,
    INTAKE_ENTERPRISE,
    INTAKE_INSTITUTION,
    INTAKE_NEED,
    INTAKE_RESEARCHER,
)
from shared.messaging.consumer import Subscription
from shared.runtime import ConsumerSpec

INTAKE_NEEDS = "matching.intake-needs"


def consumer_specs(settings: MatchingSettings, dependencies: MatchingDependencies | None = None) -> list[ConsumerSpec]:
    on_review = partial(projections.on_need_status_changed, match_on_report=settings.match_on_report)
    rematch = (
        RematchPolicy(growth=settings.rematch_pool_growth, debounce_s=settings.rematch_debounce_s)
        if settings.rematch_when_pool_grows
        else None
    )
    on_researcher = partial(projections.on_researcher_changed, rematch=rematch)
    intake_needs = ConsumerSpec(
        name=INTAKE_NEEDS,
        topics=[INTAKE_NEED.name],
        subscriptions={
            c.NeedSubmittedV1.event_type: Subscription(
                c.NeedSubmittedV1,
                partial(
                    projections.on_need_submitted,
                    engine=dependencies.engine if dependencies and settings.preencode_needs else None,
                ),
            ),
            **{cls.event_type: Subscription(cls, on_review) for cls in c.NEED_REVIEW_EVENTS},
        },
    )
    # Matching keeps its own copy of researchers, institutions and enterprises (full snapshots by version).
    intake_registries = ConsumerSpec(
        name="matching.intake-registries",
        topics=[INTAKE_RESEARCHER.name, INTAKE_INSTITUTION.name, INTAKE_ENTERPRISE.name],
        subscriptions=registry_subscriptions(
            researchers=on_researcher,
            institutions=projections.on_institution_changed,
            enterprises=projections.on_enterprise_changed,
        ),
    )
    # Who is serving (from agreements), so capacity counts real appointments.
    agreements = ConsumerSpec(
        name="matching.agreements",
        topics=[AGREEMENTS_AGREEMENT.name],
        subscriptions={
            c.AgreementSignedV1.event_type: Subscription(c.AgreementSignedV1, projections.on_agreement_signed),
            c.AgreementTerminatedV1.event_type: Subscription(
                c.AgreementTerminatedV1, projections.on_agreement_terminated
            ),
        },
    )
    # A willing candidate whose negotiation reached no intent is free again; the place goes to the next alternate.
    on_failed = partial(
        projections.on_negotiation_failed,
        engine=dependencies.engine if dependencies else None,
        policy=dependencies.policy if dependencies else None,
    )
    negotiation = ConsumerSpec(
        name="matching.negotiation",
        topics=[AGREEMENTS_NEGOTIATION.name],
        subscriptions={c.NegotiationFailedV1.event_type: Subscription(c.NegotiationFailedV1, on_failed)},
    )
    # Evaluation results that rank: 优秀 (R-V4, a soft bonus) and 末位淘汰 (R-V5, excluded for a period).
    evaluation = ConsumerSpec(
        name="matching.evaluation",
        topics=[EVALUATION_EVALUATION.name],
        subscriptions={
            c.ExpertResultNotifiedV1.event_type: Subscription(
                c.ExpertResultNotifiedV1, projections.on_expert_result_notified
            ),
            c.CommissionerEliminatedV1.event_type: Subscription(
                c.CommissionerEliminatedV1, projections.on_commissioner_eliminated
            ),
        },
    )
    return [intake_needs, intake_registries, agreements, negotiation, evaluation]
