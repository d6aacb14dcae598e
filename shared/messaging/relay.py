"""Outbox relay: publishes committed outbox rows to Kafka, at least once, in commit order per service."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events.envelope import CONTENT_TYPE
from shared.messaging.repositories import OutboxRepository
from shared.messaging.tables import MessagingTables
from shared.observability import EVENTS_PUBLISHED, OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, RELAY_FAILURES
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        settings: ServiceSettings,
        session_factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        producer_factory: Callable[[], AIOKafkaProducer],
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.tables = tables
        self.producer_factory = producer_factory
        self._producer: AIOKafkaProducer | None = None
        self._wakeup = asyncio.Event()
        self._stopping = False
        self.consecutive_failures = 0

    def wake(self) -> None:
        self._wakeup.set()

    async def _get_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = self.producer_factory()
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        # A fresh producer after a failure: aiokafka can hold stale metadata after a broker restart.
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), timeout=5)
            except Exception:
                log.debug("producer stop failed", exc_info=True)

    async def publish_batch(self) -> int:
        """Claim, publish and mark one batch. Returns how many events were published."""
        async with self.session_factory() as session, session.begin():
            repo = OutboxRepository(session, self.tables)
            rows = await repo.claim_unpublished(self.settings.relay_batch_size)
            if not rows:
                return 0
            producer = await self._get_producer()
            futures = []
            for row in rows:
                envelope = row.envelope
                headers = [("content-type", CONTENT_TYPE.encode()), ("ce_type", envelope["type"].encode())]
                futures.append(
                    await producer.send(
                        row.topic,
                        value=_encode(envelope),
                        key=row.message_key.encode(),
                        headers=headers,
                    )
                )
            await asyncio.gather(*futures)  # every send acknowledged with acks=all
            await repo.mark_published([row.seq for row in rows])
            for row in rows:
                EVENTS_PUBLISHED.labels(self.settings.service_name, row.topic).inc()
            return len(rows)

    async def _record_failure(self, error: str) -> None:
        try:
            async with self.session_factory() as session, session.begin():
                repo = OutboxRepository(session, self.tables)
                rows = await repo.claim_unpublished(self.settings.relay_batch_size)
                if rows:
                    await repo.record_failure([r.seq for r in rows], error)
        except Exception:
            log.debug("could not record relay failure", exc_info=True)

    async def refresh_backlog_metric(self) -> int:
        async with self.session_factory() as session:
            count, oldest = await OutboxRepository(session, self.tables).backlog()
        OUTBOX_BACKLOG.labels(self.settings.service_name).set(count)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0
        OUTBOX_OLDEST_AGE.labels(self.settings.service_name).set(age)
        return count

    async def republish(self, since: datetime, until: datetime | None = None) -> int:
        """Queue already-published events of a time range again; consumers' inboxes drop duplicates."""
        async with self.session_factory() as session, session.begin():
            count = await OutboxRepository(session, self.tables).reset_range(since, until)
        self.wake()
        log.info("outbox range queued for re-publication", extra={"events": count, "since": str(since)})
        return count

    async def prune(self) -> int:
        before = datetime.now(UTC) - timedelta(days=self.settings.outbox_retention_days)
        async with self.session_factory() as session, session.begin():
            return await OutboxRepository(session, self.tables).prune_published(before)

    async def run(self) -> None:
        log.info("outbox relay started")
        last_housekeeping = 0.0
        loop = asyncio.get_running_loop()
        try:
            while not self._stopping:
                try:
                    published = await self.publish_batch()
                    self.consecutive_failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self.consecutive_failures += 1
                    RELAY_FAILURES.labels(self.settings.service_name).inc()
                    delay = min(self.settings.relay_max_backoff_s, 0.2 * 2 ** min(self.consecutive_failures, 10))
                    log.warning(
                        "outbox publish failed; retrying",
                        extra={"error": repr(exc), "retry_in_s": delay, "failures": self.consecutive_failures},
                    )
                    await self._drop_producer()
                    await self._record_failure(repr(exc))
                    await self._sleep_or_wake(delay, wakeable=False)
                    continue
                if loop.time() - last_housekeeping > 10:
                    last_housekeeping = loop.time()
                    try:
                        await self.refresh_backlog_metric()
                        await self.prune()
                    except Exception:
                        log.debug("relay housekeeping failed", exc_info=True)
                if published == 0:
                    await self._sleep_or_wake(self.settings.relay_poll_interval_s)
        finally:
            await self._drop_producer()
            log.info("outbox relay stopped")

    async def _sleep_or_wake(self, seconds: float, wakeable: bool = True) -> None:
        if not wakeable:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=seconds)
        self._wakeup.clear()

    def stop(self) -> None:
        self._stopping = True
        self.wake()


def _encode(envelope: dict) -> bytes:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
