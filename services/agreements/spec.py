"""The agreements service as the composition root sees it (``shared.service``)."""

from pathlib import Path

from services.agreements.adapters.orm import messaging
from services.agreements.settings import AgreementsSettings
from shared.events.topics import MATCHING_CANDIDATE
from shared.runtime import ConsumerSpec
from shared.service import ServiceSpec
from shared.unit_of_work import SqlAlchemyUnitOfWork

# Listens to matching's candidate events (a willing pair is negotiated, then becomes an agreement). No event
# type is handled yet: events are acknowledged and counted as "ignored" until the feature issue subscribes.
UPSTREAM_CONSUMER = ConsumerSpec(name="agreements.upstream", topics=[MATCHING_CANDIDATE.name])

SPEC = ServiceSpec(
    name="agreements",
    port=8003,
    title="TechBridge 协议服务 (agreements)",
    description="三方协议与聘任（R-F8–R-F10）。",
    settings=AgreementsSettings,
    tables=messaging,
    unit_of_work=SqlAlchemyUnitOfWork,
    directory=Path(__file__).parent,
    consumers=lambda settings: [UPSTREAM_CONSUMER],
)
