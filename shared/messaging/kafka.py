"""aiokafka client factories configured from service settings, and topic creation."""

from __future__ import annotations

import contextlib
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.events.topics import Topic
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


def make_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"techbridge-{settings.service_name}",
        acks="all",  # a publish counts only once every in-sync replica has it
        enable_idempotence=settings.kafka_enable_idempotence,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        linger_ms=5,
    )


def make_consumer(settings: ServiceSettings, group_id: str, topics: list[str]) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"techbridge-{settings.service_name}",
        group_id=group_id,
        enable_auto_commit=False,  # offsets are committed only after the database commit
        auto_offset_reset="earliest",
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        request_timeout_ms=max(settings.kafka_request_timeout_ms, 40_000),
        isolation_level="read_committed",
    )


async def ensure_topics(bootstrap_servers: str, topics: list[Topic], replication_factor: int = 1) -> list[str]:
    """Create missing topics; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="techbridge-topics")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics([NewTopic(t.name, t.partitions, replication_factor) for t in missing])
        return [t.name for t in missing]
    finally:
        await admin.close()
