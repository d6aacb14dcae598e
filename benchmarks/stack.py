"""What the system benchmarks share: PostgreSQL and Kafka — the ones named by $TEST_DATABASE_URL and
$TEST_KAFKA_BOOTSTRAP_SERVERS, or an embedded PostgreSQL and Tansu started for the run (as `make run` does), with every
topic created — and where their figures go."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from devstack.config import REPO_ROOT
from devstack.infra import EmbeddedBroker, EmbeddedPostgres, free_port
from devstack.services import all_topics
from shared.messaging.kafka import ensure_topics


class BenchStack:
    def __init__(self, prefix: str) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix=prefix))
        self._postgres: EmbeddedPostgres | None = None
        self._broker: EmbeddedBroker | None = None
        self.server_url = os.environ.get("TEST_DATABASE_URL", "")
        self.bootstrap = os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS", "")
        self.tansu = not self.bootstrap  # Tansu refuses idempotent producers (see devstack.services.service_env)

    @classmethod
    async def start(cls, prefix: str) -> BenchStack:
        stack = cls(prefix)
        if not stack.server_url:
            stack._postgres = EmbeddedPostgres(stack.tmp / "pg", delete_on_stop=True)
            stack.server_url = stack._postgres.start()
        if stack.tansu:
            stack._broker = EmbeddedBroker(free_port(), stack.tmp / "tansu.log")
            stack.bootstrap = stack._broker.start()
        await ensure_topics(stack.bootstrap, all_topics())
        return stack

    def stop(self) -> None:
        if self._broker:
            self._broker.stop()
        if self._postgres:
            self._postgres.stop()


def publish(name: str, data: dict, text: str) -> None:
    """A benchmark's figures: bench-results/``name``.json and .md, and the table printed."""
    out = REPO_ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    (out / f"{name}.md").write_text(text)
    print(text)
