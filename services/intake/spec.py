"""The intake service as the composition root sees it (``shared.service``)."""

from pathlib import Path

from services.intake.adapters.orm import messaging
from services.intake.domain import model
from services.intake.entrypoints.routes import applications, batches, enterprises, institutions, needs, researchers
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from services.intake.settings import IntakeSettings
from shared.service import ServiceSpec

# Intake consumes nothing: it is the source of needs and registries.
SPEC = ServiceSpec(
    name="intake",
    port=8001,
    title="TechBridge 需求征集服务 (intake)",
    description=(
        "派出单位、科研人员、企业登记；年度征集批次；技术需求的提交与审核（R-F1）；特派员申报（R-F4）。"
        "所有接口需 Bearer 令牌；写操作支持 Idempotency-Key；错误以 application/problem+json 返回。"
    ),
    settings=IntakeSettings,
    tables=messaging,
    unit_of_work=IntakeUnitOfWork,
    directory=Path(__file__).parent,
    routers=[r.router for r in (institutions, researchers, enterprises, batches, needs, applications)],
    labels=[model.LABELS, model.APPLICATION_LIFECYCLE.states],
)
