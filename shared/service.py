"""The composition root: a service is a ``ServiceSpec``; ``bootstrap`` builds its process from it.

A spec says everything that differs between services — name and port, settings, tables and unit of
work, routers, consumers, jobs, timers, and the collaborators its use cases need (matching's retrieval
engine) — and nothing else; ``bootstrap`` wires the same way for all of them (as cosmicpython's
``bootstrap.py`` does)::

    SPEC = ServiceSpec(name="intake", port=8001, title=..., settings=IntakeSettings, tables=messaging,
                       unit_of_work=IntakeUnitOfWork, directory=Path(__file__).parent, routers=[...])
    service = bootstrap(SPEC, role="api")      # service.app, service.runtime, service.dependencies

Routes reach the collaborators with ``Depends(dependencies)``; nothing is built behind a route's back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request

from shared.http import create_service_app
from shared.jobs.lifecycle import JOB_LIFECYCLE
from shared.jobs.timers import TimerHandler
from shared.jobs.worker import JobSpec
from shared.messaging.tables import MessagingTables
from shared.openapi import labels_by_enum
from shared.runtime import ConsumerSpec, ServiceRuntime
from shared.settings import ServiceSettings
from shared.unit_of_work import SqlAlchemyUnitOfWork
from shared.vocabulary import LABELS as SHARED_LABELS

ROLES = ("api", "worker", "all")  # api: REST only; worker: relay, consumers, jobs, timers; all: both (dev default)


def _none(settings: Any) -> None:
    return None


def _nothing(*_: Any) -> list:
    return []


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # "intake": package services/<name>, database techbridge_<name>, env prefix INTAKE_
    port: int  # the default port, declared here only
    title: str
    description: str
    settings: type[ServiceSettings]
    tables: MessagingTables  # the infrastructure tables in the service's own metadata
    unit_of_work: type[SqlAlchemyUnitOfWork]
    directory: Path  # holds alembic.ini and migrations/
    routers: Sequence[APIRouter] = ()
    # Collaborators the use cases need besides the unit of work, built once per process from the settings.
    dependencies: Callable[[Any], Any] = _none
    # (settings, dependencies); dependencies are None when only the groups and topics are wanted (topic lists)
    consumers: Callable[[Any, Any], Sequence[ConsumerSpec]] = _nothing
    jobs: Callable[[Any, Any], Sequence[JobSpec]] = _nothing  # (settings, dependencies)
    timers: Mapping[str, TimerHandler] = field(default_factory=dict)
    # (runtime, dependencies) → what the first request would otherwise wait for (a model, an index), started when an
    # API process starts; its /readyz answers 503 "warming up" until it is done, so no traffic waits for it.
    warm_up: Callable[[Any, Any], Awaitable[None]] | None = None
    # Chinese names of the service's enum values (member → label), shown in its OpenAPI document.
    labels: Sequence[Mapping[Any, str]] = ()

    @property
    def env_prefix(self) -> str:
        return self.name.upper() + "_"

    @property
    def database(self) -> str:
        return f"techbridge_{self.name}"

    @property
    def prefix(self) -> str:
        return f"/{self.name}"

    def consumer_specs(self, settings: ServiceSettings | None = None, dependencies: Any = None) -> list[ConsumerSpec]:
        """The consumer groups (for topic and dead-letter lists, the defaults of the settings suffice)."""
        return list(self.consumers(settings or self.settings.model_construct(), dependencies))


@dataclass
class Service:
    spec: ServiceSpec
    settings: ServiceSettings
    runtime: ServiceRuntime
    app: FastAPI
    dependencies: Any


def bootstrap(spec: ServiceSpec, settings: ServiceSettings | None = None, *, role: str = "all") -> Service:
    """Compose one service process. With ``role="api"`` the app's lifespan starts no background work (the
    in-process platform of the tests starts it itself with ``service.runtime.start_workers()``)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    settings = settings or spec.settings()
    dependencies = spec.dependencies(settings)
    runtime = ServiceRuntime(
        settings,
        spec.tables,
        spec.unit_of_work,
        consumer_specs=spec.consumer_specs(settings, dependencies),
        job_specs=spec.jobs(settings, dependencies),
        timer_handlers=spec.timers,
    )
    app = create_service_app(
        runtime,
        title=spec.title,
        description=spec.description,
        prefix=spec.prefix,
        routers=spec.routers,
        run_workers=role in ("worker", "all"),
        labels=labels_by_enum([SHARED_LABELS, JOB_LIFECYCLE.states, *spec.labels]),
        warm_up=(lambda: spec.warm_up(runtime, dependencies))
        if spec.warm_up and role in ("api", "all") and settings.warm_up_on_start
        else None,
    )
    app.state.dependencies = dependencies
    return Service(spec, settings, runtime, app, dependencies)


async def dependencies(request: Request) -> Any:
    """Route dependency: the service's collaborators (``ServiceSpec.dependencies``), typed by the caller. (Every
    dependency is ``async``: a plain ``def`` one is run in a worker thread, a hop per request for nothing.)"""
    return request.app.state.dependencies
