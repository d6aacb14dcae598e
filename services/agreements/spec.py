"""The agreements service as the composition root sees it (``shared.service``)."""

from pathlib import Path

from services.agreements.adapters.orm import messaging
from services.agreements.domain import model
from services.agreements.entrypoints.consumers import consumer_specs
from services.agreements.entrypoints.routes import calendar, lists, meetings, objections, pairs, public
from services.agreements.service_layer.selection import NOTICE_CLOSES, close_notice
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from services.agreements.settings import AgreementsSettings
from shared.service import ServiceSpec

SPEC = ServiceSpec(
    name="agreements",
    port=8003,
    title="TechBridge 协议服务 (agreements)",
    description=(
        "对接洽谈（R-F5）、拟选派名单审核（R-F6）、公示与异议（R-F7）；三方协议与聘任（R-F8–R-F10，下一阶段）。"
        "除公示页面外，所有接口需 Bearer 令牌；写操作支持 Idempotency-Key；错误以 application/problem+json 返回。"
    ),
    settings=AgreementsSettings,
    tables=messaging,
    unit_of_work=AgreementsUnitOfWork,
    directory=Path(__file__).parent,
    routers=[r.router for r in (pairs, meetings, lists, objections, calendar, public)],
    consumers=consumer_specs,
    timers={NOTICE_CLOSES: close_notice},
    labels=model.LABELS,
)
