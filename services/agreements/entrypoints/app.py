from __future__ import annotations

from fastapi import FastAPI

from services.agreements.adapters.orm import messaging
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from services.agreements.settings import AgreementsSettings
from shared.events.topics import MATCHING_CANDIDATE
from shared.http import create_service_app
from shared.runtime import ConsumerSpec, ServiceRuntime

# Listens to matching's candidate events (a confirmed pair becomes an agreement).
# No event type is handled yet: events are acknowledged and counted as "ignored"
# until the feature issue registers its subscriptions here.
UPSTREAM_CONSUMER = ConsumerSpec(name="agreements.upstream", topics=[MATCHING_CANDIDATE.name], subscriptions={})

CONSUMER_SPECS = [UPSTREAM_CONSUMER]


def build_runtime(settings: AgreementsSettings) -> ServiceRuntime:
    return ServiceRuntime(settings, messaging, AgreementsUnitOfWork, consumer_specs=CONSUMER_SPECS)


def create_app(
    settings: AgreementsSettings | None = None, role: str = "all", runtime: ServiceRuntime | None = None
) -> FastAPI:
    settings = settings or AgreementsSettings()
    runtime = runtime or build_runtime(settings)
    return create_service_app(
        runtime,
        title="TechBridge 协议服务 (agreements)",
        description="三方协议与聘任（R-F8–R-F10）。",
        prefix="/agreements",
        routers=[],
        run_relay=role in ("worker", "all"),
        run_consumers=role in ("worker", "all"),
    )
