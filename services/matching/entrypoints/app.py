from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.matching.adapters.orm import messaging
from services.matching.entrypoints.api import router
from services.matching.entrypoints.run_worker import RunWorker
from services.matching.service_layer import handlers as h
from services.matching.service_layer.engine import MatchingEngine
from services.matching.service_layer.runs import MatchingPolicy
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from services.matching.settings import MatchingSettings
from shared.events import contracts as c
from shared.events.topics import (
    AGREEMENTS_AGREEMENT,
    INTAKE_ENTERPRISE,
    INTAKE_INSTITUTION,
    INTAKE_NEED,
    INTAKE_RESEARCHER,
)
from shared.http import create_service_app
from shared.messaging.consumer import Subscription
from shared.runtime import ConsumerSpec, ServiceRuntime

NEED_REVIEW_EVENTS = (
    c.NeedApprovedByCityV1,
    c.NeedApprovedBySasacV1,
    c.NeedRejectedV1,
    c.NeedWithdrawnV1,
    c.NeedReportedToProvinceV1,
)


def consumer_specs(settings: MatchingSettings) -> list[ConsumerSpec]:
    on_review = partial(h.on_need_status_changed, match_on_report=settings.match_on_report)
    intake_needs = ConsumerSpec(
        name="matching.intake-needs",
        topics=[INTAKE_NEED.name],
        subscriptions={
            c.NeedSubmittedV1.event_type: Subscription(c.NeedSubmittedV1, h.on_need_submitted),
            **{cls.event_type: Subscription(cls, on_review) for cls in NEED_REVIEW_EVENTS},
        },
    )
    # Matching keeps its own copy of researchers, institutions and enterprises (full snapshots by version).
    intake_registries = ConsumerSpec(
        name="matching.intake-registries",
        topics=[INTAKE_RESEARCHER.name, INTAKE_INSTITUTION.name, INTAKE_ENTERPRISE.name],
        subscriptions={
            c.ResearcherRegisteredV1.event_type: Subscription(c.ResearcherRegisteredV1, h.on_researcher_changed),
            c.ResearcherProfileUpdatedV1.event_type: Subscription(
                c.ResearcherProfileUpdatedV1, h.on_researcher_changed
            ),
            c.InstitutionRegisteredV1.event_type: Subscription(c.InstitutionRegisteredV1, h.on_institution_changed),
            c.InstitutionUpdatedV1.event_type: Subscription(c.InstitutionUpdatedV1, h.on_institution_changed),
            c.EnterpriseRegisteredV1.event_type: Subscription(c.EnterpriseRegisteredV1, h.on_enterprise_changed),
            c.EnterpriseUpdatedV1.event_type: Subscription(c.EnterpriseUpdatedV1, h.on_enterprise_changed),
        },
    )
    # Who is serving (from agreements), so capacity counts real appointments.
    agreements = ConsumerSpec(
        name="matching.agreements",
        topics=[AGREEMENTS_AGREEMENT.name],
        subscriptions={
            c.AgreementSignedV1.event_type: Subscription(c.AgreementSignedV1, h.on_agreement_signed),
            c.AgreementTerminatedV1.event_type: Subscription(c.AgreementTerminatedV1, h.on_agreement_terminated),
        },
    )
    return [intake_needs, intake_registries, agreements]


CONSUMER_SPECS = consumer_specs(MatchingSettings.model_construct())  # for topic lists and tests
INTAKE_NEEDS_CONSUMER = CONSUMER_SPECS[0]


def build_runtime(settings: MatchingSettings) -> ServiceRuntime:
    return ServiceRuntime(settings, messaging, MatchingUnitOfWork, consumer_specs=consumer_specs(settings))


def create_app(
    settings: MatchingSettings | None = None, role: str = "all", runtime: ServiceRuntime | None = None
) -> FastAPI:
    settings = settings or MatchingSettings()
    runtime = runtime or build_runtime(settings)
    app = create_service_app(
        runtime,
        title="TechBridge 智能匹配服务 (matching)",
        description="技术需求与科研人员的智能匹配（R-F2）。",
        prefix="/matching",
        routers=[router],
        run_relay=role in ("worker", "all"),
        run_consumers=role in ("worker", "all"),
    )
    engine = MatchingEngine(settings.embedding_model, settings.index_dir)
    policy = MatchingPolicy(capacity=settings.researcher_capacity, alternates=settings.alternates_per_need)
    worker = RunWorker(
        runtime.uow,
        engine,
        policy,
        poll_seconds=settings.run_poll_seconds,
        lease_seconds=settings.run_lease_seconds,
    )
    runtime.add_background_worker(worker)  # started with the consumers (role worker/all)
    app.state.matching_engine, app.state.matching_policy, app.state.run_worker = engine, policy, worker
    return app
