"""The evaluation service as the composition root sees it (``shared.service``)."""

from pathlib import Path

from services.evaluation.adapters.orm import messaging
from services.evaluation.domain import model
from services.evaluation.entrypoints.consumers import consumer_specs
from services.evaluation.entrypoints.deps import EvaluationDependencies
from services.evaluation.entrypoints.routes import chief, commissioner, contracts
from services.evaluation.service_layer.chief import open_window
from services.evaluation.service_layer.projections import WINDOW_OPENS
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from services.evaluation.settings import EvaluationSettings
from shared.service import ServiceSpec

SPEC = ServiceSpec(
    name="evaluation",
    port=8004,
    title="TechBridge 考评服务 (evaluation)",
    description=(
        "科技总师期满考评（R-V1–R-V4：考评期、证据、优秀比例、汇总与通知），企业科技特派员年度考评（R-V5–R-V7："
        "县级考核、市级确定、末位淘汰、企业材料、技术合同与激励）。所有接口需 Bearer 令牌；写操作支持 "
        "Idempotency-Key；错误以 application/problem+json 返回。"
    ),
    settings=EvaluationSettings,
    tables=messaging,
    unit_of_work=EvaluationUnitOfWork,
    directory=Path(__file__).parent,
    routers=[chief.router, commissioner.router, contracts.router],
    dependencies=EvaluationDependencies.from_settings,
    consumers=consumer_specs,
    timers={WINDOW_OPENS: open_window},
    labels=model.LABELS,
)
