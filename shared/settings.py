"""Settings common to every service; each service subclasses with its own ``env_prefix``.

Example: the intake service reads ``INTAKE_DATABASE_URL``, ``INTAKE_KAFKA_BOOTSTRAP_SERVERS``, ...
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    service_name: str = "service"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/techbridge"
    database_pool_size: int = 10

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Apache Kafka: on. Tansu (the embedded dev broker) refuses idempotent producers, so devstack turns it off.
    kafka_enable_idempotence: bool = True
    # Tansu answers a waiting fetch late; 10-50 ms keeps consumers responsive. 500 ms is Kafka's default.
    kafka_fetch_max_wait_ms: int = 500
    kafka_request_timeout_ms: int = 10_000

    # Auth: HS256 with a shared secret for development; RS256 with a PEM public key or a JWKS URL in production.
    auth_algorithm: str = Field(default="HS256", pattern="^(HS256|RS256)$")
    auth_hs256_secret: SecretStr | None = None
    auth_rs256_public_key: str | None = None
    auth_jwks_url: str | None = None
    auth_issuer: str = "techbridge"
    auth_audience: str = "techbridge"
    # Development only: a token with a bad signature is answered with a hint to mint it with `make token`.
    auth_dev_hint: bool = False

    # Requests with a larger body are refused (413) before they are read; the researcher import is the largest.
    http_max_body_bytes: int = Field(default=6 * 1024 * 1024, ge=1024)

    # Workers of every process wake at other processes' commits (LISTEN/NOTIFY); polling remains the fallback.
    wake_on_notify: bool = True
    # An API process readies what its first request would wait for (matching: the model and the index) before /readyz
    # says ok (``ServiceSpec.warm_up``); false: the first request loads it.
    warm_up_on_start: bool = True

    relay_batch_size: int = 100
    relay_poll_interval_s: float = 0.5
    relay_max_backoff_s: float = 30.0
    outbox_retention_days: int = 30

    consumer_max_attempts: int = 5
    consumer_retry_backoff_s: float = 0.5

    # Due-date timers (shared.jobs.timers): how often to look when nothing woke the worker, and how a
    # failing handler is retried before it is set aside for ops.
    timer_poll_interval_s: float = Field(default=1.0, gt=0)
    timer_max_attempts: int = Field(default=5, ge=1)
    timer_retry_backoff_s: float = Field(default=5.0, ge=0)

    log_level: str = "INFO"
    log_json: bool = True
