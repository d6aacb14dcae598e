from __future__ import annotations

from fastapi import FastAPI

from services.evaluation.adapters.orm import messaging
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from services.evaluation.settings import EvaluationSettings
from shared.events.topics import AGREEMENTS_AGREEMENT
from shared.http import create_service_app
from shared.runtime import ConsumerSpec, ServiceRuntime

# Listens to agreements' events (an appointment's term drives its evaluation).
# No event type is handled yet: events are acknowledged and counted as "ignored"
# until the feature issue registers its subscriptions here.
UPSTREAM_CONSUMER = ConsumerSpec(name="evaluation.upstream", topics=[AGREEMENTS_AGREEMENT.name], subscriptions={})

CONSUMER_SPECS = [UPSTREAM_CONSUMER]


def build_runtime(settings: EvaluationSettings) -> ServiceRuntime:
    return ServiceRuntime(settings, messaging, EvaluationUnitOfWork, consumer_specs=CONSUMER_SPECS)


def create_app(
    settings: EvaluationSettings | None = None, role: str = "all", runtime: ServiceRuntime | None = None
) -> FastAPI:
    settings = settings or EvaluationSettings()
    runtime = runtime or build_runtime(settings)
    return create_service_app(
        runtime,
        title="TechBridge 考评服务 (evaluation)",
        description="期末与年度考评（R-V1–R-V7）。",
        prefix="/evaluation",
        routers=[],
        run_relay=role in ("worker", "all"),
        run_consumers=role in ("worker", "all"),
    )
