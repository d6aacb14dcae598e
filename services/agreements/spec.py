"""The agreements service as the composition root sees it (``shared.service``)."""

from pathlib import Path

from services.agreements.adapters.orm import messaging
from services.agreements.domain import agreement, model
from services.agreements.entrypoints.consumers import consumer_specs
from services.agreements.entrypoints.deps import AgreementsDependencies
from services.agreements.entrypoints.routes import appointments, calendar, lists, meetings, objections, pairs, public
from services.agreements.service_layer import service, term
from services.agreements.service_layer.appointments import signing_overdue
from services.agreements.service_layer.selection import NOTICE_CLOSES, close_notice
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from services.agreements.settings import AgreementsSettings
from shared.service import ServiceSpec

SPEC = ServiceSpec(
    name="agreements",
    port=8003,
    title="TechBridge 协议服务 (agreements)",
    description=(
        "对接洽谈（R-F5）、拟选派名单审核（R-F6）、公示与异议（R-F7）；三方协议、服务与终止（R-F8–R-F10）。"
        "除公示页面外，所有接口需 Bearer 令牌；写操作支持 Idempotency-Key；错误以 application/problem+json 返回。"
    ),
    settings=AgreementsSettings,
    tables=messaging,
    unit_of_work=AgreementsUnitOfWork,
    directory=Path(__file__).parent,
    routers=[
        *(r.router for r in (pairs, meetings, lists, objections, calendar, public, appointments)),
        appointments.logs_router,
        appointments.contacts_router,
    ],
    dependencies=AgreementsDependencies.from_settings,
    consumers=consumer_specs,
    timers={
        NOTICE_CLOSES: close_notice,
        term.TERM_ENDS: service.expire,
        term.PACE_CHECK: service.check_pace,
        term.YEAR_CLOSES: service.close_year,
        term.SIGNING_DUE: signing_overdue,
    },
    labels=[*model.LABELS, *agreement.LABELS],
)
