"""The platform's services as the dev stack, the tests and the compose check see them."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from devstack.config import REPO_ROOT
from shared.db import with_database
from shared.events.topics import PUBLIC_TOPICS, Topic, dead_letter_topic
from shared.runtime import ConsumerSpec


@dataclass(frozen=True)
class ServiceDef:
    name: str
    port: int

    @property
    def env_prefix(self) -> str:
        return self.name.upper() + "_"

    @property
    def directory(self) -> Path:
        return REPO_ROOT / "services" / self.name

    @property
    def database(self) -> str:
        return f"techbridge_{self.name}"

    def app_module(self):
        return importlib.import_module(f"services.{self.name}.entrypoints.app")

    def settings_class(self):
        module = importlib.import_module(f"services.{self.name}.settings")
        return getattr(module, f"{self.name.capitalize()}Settings")

    def consumer_specs(self) -> list[ConsumerSpec]:
        return list(self.app_module().CONSUMER_SPECS)

    def env(
        self, *, server_url: str, bootstrap: str, jwt_secret: str, tansu: bool, database: str | None = None
    ) -> dict[str, str]:
        """Environment for one service process (its own database on the shared server)."""
        p = self.env_prefix
        env = {
            f"{p}DATABASE_URL": with_database(server_url, database or self.database),
            f"{p}KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            f"{p}AUTH_ALGORITHM": "HS256",
            f"{p}AUTH_HS256_SECRET": jwt_secret,
        }
        if tansu:
            # Tansu refuses idempotent producers and answers waiting fetches late (see README).
            env[f"{p}KAFKA_ENABLE_IDEMPOTENCE"] = "false"
            env[f"{p}KAFKA_FETCH_MAX_WAIT_MS"] = "25"
        return env


SERVICES: tuple[ServiceDef, ...] = (
    ServiceDef("intake", 8001),
    ServiceDef("matching", 8002),
    ServiceDef("agreements", 8003),
    ServiceDef("evaluation", 8004),
)


def all_topics() -> list[Topic]:
    """Public topics plus one dead-letter topic per consumer group."""
    dlqs = [dead_letter_topic(spec.name) for svc in SERVICES for spec in svc.consumer_specs()]
    return list(PUBLIC_TOPICS) + dlqs
