"""The services in one process (APIs over ASGI, relays and consumers as tasks) — for tests and benchmarks."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from typing import Any

import httpx

from devstack.services import SERVICES, ServiceDef
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings


def service_settings(
    svc: ServiceDef | str, database_url: str, bootstrap: str, *, tansu: bool, jwt_secret: str, **overrides: Any
) -> ServiceSettings:
    """Settings tuned for a local run: quick polling and short back-off, so outages heal in seconds."""
    svc = next(s for s in SERVICES if s.name == svc) if isinstance(svc, str) else svc
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
        database_pool_size=5,
        log_json=True,
    )
    values.update(overrides)
    return svc.settings_class()(**values)


@dataclass
class ServiceHandle:
    name: str
    runtime: ServiceRuntime
    client: httpx.AsyncClient
    database_url: str


@dataclass
class InProcessPlatform:
    services: dict[str, ServiceHandle] = field(default_factory=dict)

    def __getitem__(self, name: str) -> ServiceHandle:
        return self.services[name]

    @classmethod
    async def start(
        cls, databases: dict[str, str], bootstrap: str, *, tansu: bool, jwt_secret: str, **overrides: Any
    ) -> InProcessPlatform:
        platform = cls()
        for svc in SERVICES:
            if svc.name not in databases:
                continue
            # Each in-process platform gets its own matching index folder (never the dev stack's .data).
            extra = {"index_dir": tempfile.mkdtemp(prefix="techbridge-index-")} if svc.name == "matching" else {}
            settings = service_settings(
                svc, databases[svc.name], bootstrap, tansu=tansu, jwt_secret=jwt_secret, **(extra | overrides)
            )
            module = svc.app_module()
            runtime = module.build_runtime(settings)
            app = module.create_app(settings, role="api", runtime=runtime)  # workers are started here, not by lifespan
            runtime.start_workers()
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{svc.name}")
            platform.services[svc.name] = ServiceHandle(svc.name, runtime, client, databases[svc.name])
        for handle in platform.services.values():
            for consumer in handle.runtime.consumers:
                await asyncio.wait_for(consumer.running.wait(), 60)
        return platform

    async def stop(self) -> None:
        for handle in self.services.values():
            await handle.client.aclose()
            await handle.runtime.stop()
