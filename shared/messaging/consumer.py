"""Idempotent event consumer with an inbox, offset-after-commit, retries and a dead-letter topic.

For each message: validate the CloudEvent envelope and payload → in ONE database transaction record
``(consumer, event_id)`` in the inbox and run the handler → commit → only then commit the Kafka
offset. Messages fetched together share that transaction (one commit per burst); if any of them fails, it is
discarded and they are handled one by one. A redelivered event finds its inbox row and changes nothing. A message
that cannot be parsed, or whose handler keeps failing, is published to the consumer's dead-letter topic and recorded
in ``dead_letters`` before its offset is committed: nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from pydantic import ValidationError

from shared.events.envelope import CloudEvent, EventPayload
from shared.events.topics import dead_letter_topic
from shared.messaging.kafka import make_consumer, make_producer
from shared.observability import CONSUMER_LAG, DEAD_LETTERS, EVENTS_CONSUMED, correlation_id_var
from shared.settings import ServiceSettings
from shared.unit_of_work import SqlAlchemyUnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[Any, CloudEvent, Any], Awaitable[None]]
MAX_BATCH = 200  # messages per fetch, handled in one transaction when they all go through
Parsed = tuple[CloudEvent, EventPayload | None, "Subscription | None"]


@dataclass(frozen=True)
class Subscription:
    payload_model: type[EventPayload]
    handler: Handler


class EventConsumer:
    def __init__(
        self,
        *,
        settings: ServiceSettings,
        name: str,
        subscriptions: dict[str, Subscription],
        topics: list[str],
        uow_factory: Callable[[], SqlAlchemyUnitOfWork],
    ) -> None:
        self.settings = settings
        self.name = name  # also the Kafka consumer group id
        self.subscriptions = subscriptions
        self.topics = topics
        self.uow_factory = uow_factory
        self.dlq_topic = dead_letter_topic(name).name
        self._stopping = False
        self._dlq_producer: AIOKafkaProducer | None = None
        self.running = asyncio.Event()  # set once partitions can be fetched (used by readiness and tests)

    # ---- lifecycle ----
    async def run(self) -> None:
        failures = 0
        while not self._stopping:
            consumer = make_consumer(self.settings, self.name, self.topics)
            try:
                await consumer.start()
                self._dlq_producer = make_producer(self.settings)
                await self._dlq_producer.start()
                self.running.set()
                failures = 0
                log.info("consumer started", extra={"consumer": self.name, "topics": self.topics})
                await self._consume(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning(
                    "consumer failed; restarting",
                    extra={"consumer": self.name, "error": repr(exc), "retry_in_s": delay},
                )
                await asyncio.sleep(delay)
            finally:
                self.running.clear()
                await _quietly(consumer.stop())
                if self._dlq_producer is not None:
                    await _quietly(self._dlq_producer.stop())
                    self._dlq_producer = None

    def stop(self) -> None:
        self._stopping = True

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        while not self._stopping:
            batches = await consumer.getmany(timeout_ms=300, max_records=MAX_BATCH)
            for tp, messages in batches.items():
                await self.process_many(messages)
                await self.commit_offsets(consumer, {tp: messages[-1].offset + 1})
            await self._update_lag(consumer)

    async def commit_offsets(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        """Commit after the database: a crash before this line means redelivery, which the inbox absorbs."""
        await consumer.commit(offsets)

    async def _update_lag(self, consumer: AIOKafkaConsumer) -> None:
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            position = await consumer.position(tp)
            CONSUMER_LAG.labels(self.settings.service_name, self.name, tp.topic, str(tp.partition)).set(
                max(0, highwater - position)
            )

    # ---- several messages, one transaction ----
    async def process_many(self, messages: list[ConsumerRecord]) -> list[str]:
        """Handle what one fetch brought, in order; returns each message's outcome. Messages that arrive together (a
        burst) are handled in ONE transaction — each with its inbox row, its events stamped with their own cause —
        so a burst costs one commit instead of one per message. A message whose handler fails there is set apart:
        the ones before it are committed together, it goes the one-by-one way (that failure counts as its first
        attempt), and the rest continue together. An envelope or payload that does not parse goes the one-by-one
        way too (to the dead-letter topic)."""
        outcomes: list[str] = []
        position = 0
        while position < len(messages):
            parsed = []
            for message in messages[position:]:
                found = self._parse(message)
                if found is None:
                    break
                parsed.append(found)
            if len(parsed) <= 1:
                outcomes.append(await self.process(messages[position]))
                position += 1
                continue
            done, failed_once = await self._handle_together(parsed)
            outcomes += done
            position += len(done)
            if len(done) == len(parsed):
                continue
            if not failed_once:  # the transaction failed, not a handler (a constraint at commit, the database): the
                # culprit is unknown, so the rest of this fetch goes one by one rather than retrying bursts
                return outcomes + [await self.process(m) for m in messages[position:]]
            outcomes.append(await self.process(messages[position], attempts_before=1))  # its handler failed once
            position += 1
        return outcomes

    def _parse(self, message: ConsumerRecord) -> Parsed | None:
        """The event, its payload and subscription (both None when this consumer ignores it); None if invalid."""
        try:
            event = CloudEvent.from_bytes(message.value)
        except (ValidationError, ValueError, TypeError):
            return None
        subscription = self.subscriptions.get(event.type)
        if subscription is None:
            return event, None, None
        try:
            return event, subscription.payload_model.model_validate(event.data), subscription
        except ValidationError:
            return None

    async def _handle_together(self, parsed: list[Parsed]) -> tuple[list[str], bool]:
        """Handle ``parsed`` in one transaction. Returns the outcomes committed — all of them, or those before the
        first message that failed — and whether that message's handler itself failed (else the transaction did)."""
        outcomes: list[str] = []
        failed_at: int | None = None
        try:
            async with self.uow_factory() as uow:
                for index, (event, payload, subscription) in enumerate(parsed):
                    if subscription is None:
                        outcomes.append("ignored")
                        continue
                    uow.causation_id = event.id
                    token = correlation_id_var.set(event.correlationid or event.id)
                    try:
                        if not await uow.inbox.record(self.name, event.id, event.type):
                            outcomes.append("duplicate")
                            continue
                        failed_at = index
                        await subscription.handler(uow, event, payload)
                        failed_at = None
                        outcomes.append("processed")
                    finally:
                        correlation_id_var.reset(token)
                await uow.commit()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning(
                "handling a burst together failed; the failing event on its own",
                extra={"consumer": self.name, "error": repr(exc), "at": failed_at},
            )
            if not failed_at:  # the first message's handler, or the transaction itself: nothing to keep
                return [], failed_at == 0
            done, next_failed = await self._handle_together(parsed[:failed_at])  # the ones before it, without it
            return (done, True) if len(done) == failed_at else (done, next_failed)
        for outcome in outcomes:
            EVENTS_CONSUMED.labels(self.settings.service_name, self.name, outcome).inc()
        return outcomes, False

    # ---- one message ----
    async def process(self, message: ConsumerRecord, *, attempts_before: int = 0) -> str:
        """Handle one message; returns the outcome (processed, duplicate, ignored, dead_lettered).
        ``attempts_before``: failed attempts already made (in a burst's transaction)."""
        try:
            event = CloudEvent.from_bytes(message.value)
        except (ValidationError, ValueError, TypeError) as exc:
            await self.dead_letter(message, f"invalid CloudEvent envelope: {exc}", attempts=0)
            return "dead_lettered"

        subscription = self.subscriptions.get(event.type)
        if subscription is None:
            # Another consumer's event, or a newer major version this service does not read yet.
            EVENTS_CONSUMED.labels(self.settings.service_name, self.name, "ignored").inc()
            return "ignored"
        try:
            payload = subscription.payload_model.model_validate(event.data)
        except ValidationError as exc:
            await self.dead_letter(message, f"payload does not match {event.type}: {exc}", attempts=0, event=event)
            return "dead_lettered"

        token = correlation_id_var.set(event.correlationid or event.id)
        try:
            attempt = attempts_before
            while True:
                attempt += 1
                if attempt > self.settings.consumer_max_attempts:  # its only attempt was in a burst's transaction
                    await self.dead_letter(message, "handler failed in a burst's transaction", attempts_before, event)
                    return "dead_lettered"
                try:
                    outcome = await self._handle_once(event, payload, subscription)
                    EVENTS_CONSUMED.labels(self.settings.service_name, self.name, outcome).inc()
                    return outcome
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    if attempt >= self.settings.consumer_max_attempts:
                        log.exception(
                            "handler failed; dead-lettering", extra={"event_id": event.id, "consumer": self.name}
                        )
                        await self.dead_letter(message, f"handler failed {attempt} times: {exc!r}", attempt, event)
                        return "dead_lettered"
                    delay = self.settings.consumer_retry_backoff_s * 2 ** (attempt - 1)
                    log.warning(
                        "handler failed; retrying", extra={"event_id": event.id, "attempt": attempt, "error": repr(exc)}
                    )
                    await asyncio.sleep(delay)
        finally:
            correlation_id_var.reset(token)

    async def _handle_once(self, event: CloudEvent, payload: EventPayload, subscription: Subscription) -> str:
        async with self.uow_factory() as uow:
            uow.causation_id = event.id
            if not await uow.inbox.record(self.name, event.id, event.type):
                return "duplicate"
            await subscription.handler(uow, event, payload)
            await uow.commit()
        return "processed"

    async def dead_letter(
        self, message: ConsumerRecord, error: str, attempts: int, event: CloudEvent | None = None
    ) -> None:
        """Publish to the dead-letter topic and record it; raising here keeps the offset uncommitted."""
        headers = [
            *list(message.headers or []),
            ("dlq_error", error[:1000].encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_source_topic", message.topic.encode()),
            ("dlq_source_partition", str(message.partition).encode()),
            ("dlq_source_offset", str(message.offset).encode()),
        ]
        assert self._dlq_producer is not None
        await self._dlq_producer.send_and_wait(self.dlq_topic, value=message.value, key=message.key, headers=headers)
        raw = message.value.decode("utf-8", errors="replace") if message.value is not None else ""
        async with self.uow_factory() as uow:
            await uow.dead_letters.add(
                consumer=self.name,
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                event_id=event.id if event else None,
                event_type=event.type if event else None,
                error=error,
                attempts=attempts,
                raw=raw,
            )
            await uow.commit()
        DEAD_LETTERS.labels(self.settings.service_name, self.name).inc()
        EVENTS_CONSUMED.labels(self.settings.service_name, self.name, "dead_lettered").inc()
        log.error(
            "event dead-lettered",
            extra={"consumer": self.name, "topic": message.topic, "offset": message.offset, "error": error[:300]},
        )


async def _quietly(awaitable: Awaitable[Any]) -> None:
    try:
        await asyncio.wait_for(awaitable, timeout=10)
    except Exception:
        log.debug("shutdown step failed", exc_info=True)
