"""The services in one process (APIs over ASGI, relays, consumers and workers as tasks) — for tests and benchmarks."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from typing import Any

import httpx

from devstack.services import SERVICES
from shared.runtime import ServiceRuntime
from shared.service import Service, ServiceSpec, bootstrap
from shared.settings import ServiceSettings


def service_settings(
    spec: ServiceSpec | str, database_url: str, bootstrap: str, *, tansu: bool, jwt_secret: str, **overrides: Any
) -> ServiceSettings:
    """Settings tuned for a local run: quick polling and short back-off, so outages heal in seconds."""
    spec = next(s for s in SERVICES if s.name == spec) if isinstance(spec, str) else spec
    values: dict[str, Any] = dict(
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap,
        kafka_enable_idempotence=not tansu,  # Tansu refuses idempotent producers
        kafka_fetch_max_wait_ms=25 if tansu else 100,
        kafka_request_timeout_ms=5000,
        auth_algorithm="HS256",
        auth_hs256_secret=jwt_secret,
        relay_poll_interval_s=0.2,
        relay_max_backoff_s=2.0,
        consumer_retry_backoff_s=0.05,
        consumer_max_attempts=3,
        timer_poll_interval_s=0.2,
        timer_retry_backoff_s=0.1,
        database_pool_size=5,
        log_json=True,
    )
    if spec.name == "matching":  # each in-process platform gets its own index folder (never the dev stack's .data)
        values["index_dir"] = tempfile.mkdtemp(prefix="techbridge-index-")
    values.update(overrides)
    return spec.settings(**values)


@dataclass
class ServiceHandle:
    name: str
    service: Service
    client: httpx.AsyncClient
    database_url: str

    @property
    def runtime(self) -> ServiceRuntime:
        return self.service.runtime


@dataclass
class InProcessPlatform:
    services: dict[str, ServiceHandle] = field(default_factory=dict)

    def __getitem__(self, name: str) -> ServiceHandle:
        return self.services[name]

    @classmethod
    async def start(
        cls, databases: dict[str, str], bootstrap_servers: str, *, tansu: bool, jwt_secret: str, **overrides: Any
    ) -> InProcessPlatform:
        platform = cls()
        for spec in SERVICES:
            if spec.name not in databases:
                continue
            settings = service_settings(
                spec, databases[spec.name], bootstrap_servers, tansu=tansu, jwt_secret=jwt_secret, **overrides
            )
            service = bootstrap(spec, settings, role="api")  # background work is started here, not by the lifespan
            service.runtime.start_workers()
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app), base_url=f"http://{spec.name}")
            platform.services[spec.name] = ServiceHandle(spec.name, service, client, databases[spec.name])
        for handle in platform.services.values():
            for consumer in handle.runtime.consumers:
                await asyncio.wait_for(consumer.running.wait(), 60)
        return platform

    async def stop(self) -> None:
        for handle in self.services.values():
            await handle.client.aclose()
            await handle.runtime.stop()
