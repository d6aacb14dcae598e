"""The platform's services as the dev stack, the tests and the compose check see them: their specs."""

from __future__ import annotations

from services.agreements.spec import SPEC as AGREEMENTS
from services.evaluation.spec import SPEC as EVALUATION
from services.intake.spec import SPEC as INTAKE
from services.matching.spec import SPEC as MATCHING
from shared.db import with_database
from shared.events.topics import PUBLIC_TOPICS, Topic, dead_letter_topic
from shared.service import ServiceSpec

SERVICES: tuple[ServiceSpec, ...] = (INTAKE, MATCHING, AGREEMENTS, EVALUATION)


def service_env(
    spec: ServiceSpec, *, server_url: str, bootstrap: str, jwt_secret: str, tansu: bool, database: str | None = None
) -> dict[str, str]:
    """Environment for one service process (its own database on the shared server)."""
    p = spec.env_prefix
    env = {
        f"{p}DATABASE_URL": with_database(server_url, database or spec.database),
        f"{p}KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        f"{p}AUTH_ALGORITHM": "HS256",
        f"{p}AUTH_HS256_SECRET": jwt_secret,
        f"{p}AUTH_DEV_HINT": "true",  # a token signed for another stack is answered with how to mint the right one
    }
    if tansu:
        # Tansu refuses idempotent producers and answers waiting fetches late (see README).
        env[f"{p}KAFKA_ENABLE_IDEMPOTENCE"] = "false"
        env[f"{p}KAFKA_FETCH_MAX_WAIT_MS"] = "25"
    return env


def all_topics() -> list[Topic]:
    """Public topics plus one dead-letter topic per consumer group."""
    dlqs = [dead_letter_topic(c.name) for spec in SERVICES for c in spec.consumer_specs()]
    return list(PUBLIC_TOPICS) + dlqs
