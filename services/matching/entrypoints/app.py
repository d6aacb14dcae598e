from __future__ import annotations

from fastapi import FastAPI

from services.matching.adapters.orm import messaging
from services.matching.entrypoints.api import router
from services.matching.service_layer.handlers import on_need_submitted
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from services.matching.settings import MatchingSettings
from shared.events.contracts import NeedSubmittedV1
from shared.events.topics import INTAKE_NEED
from shared.http import create_service_app
from shared.messaging.consumer import Subscription
from shared.runtime import ConsumerSpec, ServiceRuntime

INTAKE_NEEDS_CONSUMER = ConsumerSpec(
    name="matching.intake-needs",
    topics=[INTAKE_NEED.name],
    subscriptions={NeedSubmittedV1.event_type: Subscription(NeedSubmittedV1, on_need_submitted)},
)

CONSUMER_SPECS = [INTAKE_NEEDS_CONSUMER]


def build_runtime(settings: MatchingSettings) -> ServiceRuntime:
    return ServiceRuntime(settings, messaging, MatchingUnitOfWork, consumer_specs=CONSUMER_SPECS)


def create_app(
    settings: MatchingSettings | None = None, role: str = "all", runtime: ServiceRuntime | None = None
) -> FastAPI:
    settings = settings or MatchingSettings()
    runtime = runtime or build_runtime(settings)
    return create_service_app(
        runtime,
        title="TechBridge 智能匹配服务 (matching)",
        description="技术需求与科研人员的智能匹配（R-F2）。",
        prefix="/matching",
        routers=[router],
        run_relay=role in ("worker", "all"),
        run_consumers=role in ("worker", "all"),
    )
