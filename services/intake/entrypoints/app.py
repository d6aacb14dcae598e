"""Wiring: runtime (db, relay, consumers) + FastAPI app for the intake service."""

from __future__ import annotations

from fastapi import FastAPI

from services.intake.adapters.orm import messaging
from services.intake.entrypoints.routes import applications, batches, enterprises, institutions, needs, researchers
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from services.intake.settings import IntakeSettings
from shared.http import create_service_app
from shared.runtime import ConsumerSpec, ServiceRuntime

# Intake consumes nothing yet: it is the source of needs and registries.
CONSUMER_SPECS: list[ConsumerSpec] = []


def build_runtime(settings: IntakeSettings) -> ServiceRuntime:
    return ServiceRuntime(settings, messaging, IntakeUnitOfWork, consumer_specs=CONSUMER_SPECS)


def create_app(
    settings: IntakeSettings | None = None, role: str = "all", runtime: ServiceRuntime | None = None
) -> FastAPI:
    settings = settings or IntakeSettings()
    runtime = runtime or build_runtime(settings)
    return create_service_app(
        runtime,
        title="TechBridge 需求征集服务 (intake)",
        description=(
            "派出单位、科研人员、企业登记；年度征集批次；技术需求的提交与审核（R-F1）；特派员申报（R-F4）。"
            "所有接口需 Bearer 令牌；写操作支持 Idempotency-Key；错误以 application/problem+json 返回。"
        ),
        prefix="/intake",
        routers=[r.router for r in (institutions, researchers, enterprises, batches, needs, applications)],
        run_relay=role in ("worker", "all"),
        run_consumers=role in ("worker", "all"),
    )
