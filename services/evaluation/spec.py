"""The evaluation service as the composition root sees it (``shared.service``)."""

from pathlib import Path

from services.evaluation.adapters.orm import messaging
from services.evaluation.settings import EvaluationSettings
from shared.events.topics import AGREEMENTS_AGREEMENT
from shared.runtime import ConsumerSpec
from shared.service import ServiceSpec
from shared.unit_of_work import SqlAlchemyUnitOfWork

# Listens to agreements' events (an appointment's term drives its evaluation). No event type is handled
# yet: events are acknowledged and counted as "ignored" until the feature issue subscribes.
UPSTREAM_CONSUMER = ConsumerSpec(name="evaluation.upstream", topics=[AGREEMENTS_AGREEMENT.name])

SPEC = ServiceSpec(
    name="evaluation",
    port=8004,
    title="TechBridge 考评服务 (evaluation)",
    description="期末与年度考评（R-V1–R-V7）。",
    settings=EvaluationSettings,
    tables=messaging,
    unit_of_work=SqlAlchemyUnitOfWork,
    directory=Path(__file__).parent,
    consumers=lambda settings, dependencies: [UPSTREAM_CONSUMER],
)
