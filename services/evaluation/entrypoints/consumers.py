"""Evaluation's consumer groups: agreements' records (what evaluations are pre-filled from) and intake's registries."""

from __future__ import annotations

from services.evaluation.service_layer import projections
from shared.copies import registry_subscriptions
from shared.events import contracts as c
from shared.events.topics import AGREEMENTS_AGREEMENT, INTAKE_ENTERPRISE, INTAKE_INSTITUTION, INTAKE_RESEARCHER
from shared.messaging.consumer import Subscription
from shared.runtime import ConsumerSpec


def consumer_specs(settings: object, dependencies: object = None) -> list[ConsumerSpec]:
    agreements = ConsumerSpec(
        name="evaluation.agreements",
        topics=[AGREEMENTS_AGREEMENT.name],
        subscriptions={
            c.AgreementSignedV1.event_type: Subscription(c.AgreementSignedV1, projections.on_agreement_signed),
            c.AgreementTerminatedV1.event_type: Subscription(
                c.AgreementTerminatedV1, projections.on_agreement_terminated
            ),
            c.ServiceLogConfirmedV1.event_type: Subscription(c.ServiceLogConfirmedV1, projections.on_service_confirmed),
        },
    )
    intake = ConsumerSpec(
        name="evaluation.intake",
        topics=[INTAKE_RESEARCHER.name, INTAKE_INSTITUTION.name, INTAKE_ENTERPRISE.name],
        subscriptions=registry_subscriptions(
            researchers=projections.on_researcher_changed,
            institutions=projections.on_institution_changed,
            enterprises=projections.on_enterprise_changed,
        ),
    )
    return [agreements, intake]
