"""A match that ran too early is redone (R-F2): a need matched before any researcher reached matching gets an
empty list; when researchers arrive, the sweep timer queues a re-match and the list fills.

Matching runs here on its own database with its real job and timer workers and the real model; its events
arrive through the real consumer code path (``EventConsumer.process``) without a broker, so this module's
sweep cannot touch the lists of the other tests (the session's matching has the sweep turned off).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from aiokafka.structs import ConsumerRecord

from services.matching.spec import SPEC as MATCHING
from shared.db import drop_database, with_database
from shared.events import contracts as c
from shared.events.envelope import CloudEvent, EventPayload
from shared.service import Service, bootstrap
from shared.service_cli import migrate
from shared.vocabulary import NeedStatus, Programme
from tests.conftest import service_settings
from tests.factories import enterprise_snapshot
from tests.support import eventually

ENTERPRISE = "91230100MA1REMATC1"


@pytest.fixture(scope="module")
async def matching(pg_server_url: str, broker) -> AsyncIterator[Service]:
    url = with_database(pg_server_url, "test_matching_rematch")
    await drop_database(url)
    await migrate(MATCHING.directory, url)
    settings = service_settings(
        "matching", url, broker.bootstrap, tansu=broker.is_embedded, rematch_when_pool_grows=True, rematch_debounce_s=1
    )
    service = bootstrap(MATCHING, settings, role="api")
    runtime = service.runtime
    # Job and timer workers only: no relay (nothing of this module reaches the broker), no Kafka consumers.
    tasks = [asyncio.create_task(w.run()) for w in [*runtime.job_workers.values(), runtime.timer_worker]]
    yield service
    for worker in [*runtime.job_workers.values(), runtime.timer_worker]:
        worker.stop()
    await asyncio.gather(*tasks, return_exceptions=True)
    await runtime.stop()


async def deliver(service: Service, payload: EventPayload) -> str:
    """Hand an event to the consumer that subscribes to it, exactly as if Kafka had delivered it."""
    consumer = next(x for x in service.runtime.consumers if payload.event_type in x.subscriptions)
    event = CloudEvent.wrap(payload, source="/techbridge/intake")
    record = ConsumerRecord(payload.topic, 0, 0, 0, 0, event.subject.encode(), event.to_bytes(), None, 0, 0, [])
    return await consumer.process(record)


def need_events(need_id: uuid.UUID) -> list[EventPayload]:
    common = {
        "need_id": need_id,
        "enterprise_id": ENTERPRISE,
        "city_code": "230100",
        "is_soe": False,
        "programme": Programme.CHIEF_TECHNOLOGIST,
        "title": "寒地混凝土抗冻融耐久性提升",
        "description": "严寒地区桥梁混凝土冻融破坏严重，需要抗冻配比与引气剂方案。",
        "keywords": ["混凝土", "冻融循环"],
    }
    now = datetime.now(UTC)
    return [
        c.NeedSubmittedV1(**common, submitted_at=now, status=NeedStatus.SUBMITTED),
        c.NeedReportedToProvinceV1(
            **common,
            status=NeedStatus.REPORTED,
            reviewer_role="city_bureau",
            occurred_at=now,
            batch_closes_on=date(2026, 12, 31),
        ),
    ]


def researcher(institution_id: uuid.UUID) -> c.ResearcherRegisteredV1:
    return c.ResearcherRegisteredV1(
        researcher_id=uuid.uuid4(), institution_id=institution_id, name="孙冰", date_of_birth=date(1985, 3, 1),
        highest_degree="doctorate", title="senior", disciplines=["土木工程"], research_fields="寒区混凝土冻融耐久性",
        research_misconduct=False, version=1,
        achievements=[c.AchievementSnapshot(
            achievement_id=uuid.uuid4(), kind="paper", title="严寒地区混凝土冻融循环损伤机理与抗冻耐久性设计",
            summary="研究高寒地区桥梁混凝土在反复冻融循环下的损伤，提出引气剂与掺合料配比的抗冻设计方法。", year=2021,
            keywords=["混凝土", "冻融循环"],
        )],
    )  # fmt: skip


@dataclass(frozen=True)
class ListSeen:
    version: int
    pool_size: int | None
    short: bool
    researchers: list[uuid.UUID]
    trigger: str
    requested_by: str


async def current_list(service: Service, need_id: uuid.UUID) -> ListSeen | None:
    async with service.runtime.uow() as uow:
        proposal = await uow.proposals.current(need_id)
        if proposal is None:
            return None
        run = await uow.runs.get(proposal.run_id)
        return ListSeen(
            proposal.version,
            proposal.pool_size,
            proposal.short,
            [e.researcher_id for e in proposal.entries],
            run.trigger,
            run.requested_by,
        )


async def test_R_F2_a_need_matched_before_any_researcher_arrived_is_matched_again_when_they_do(
    matching: Service,
) -> None:
    institution_id = uuid.uuid4()
    await deliver(matching, c.EnterpriseRegisteredV1(**enterprise_snapshot(enterprise_id=ENTERPRISE).model_dump()))
    unit = c.InstitutionRegisteredV1(
        institution_id=institution_id,
        name="东北寒区工程大学",
        kind="university",
        affiliation="provincial",
        city_code="230100",
        master_degree_disciplines=["土木工程"],
        first_class_disciplines=[],
        version=1,
    )
    await deliver(matching, unit)
    need_id = uuid.uuid4()
    for payload in need_events(need_id):
        assert await deliver(matching, payload) == "processed"

    early = await eventually(lambda: current_list(matching, need_id), timeout=180, what="the first (empty) list")
    assert (early.pool_size, early.researchers, early.short, early.trigger) == (0, [], True, "need_reported")

    person = researcher(institution_id)
    assert await deliver(matching, person) == "processed"

    async def refilled() -> ListSeen | None:
        seen = await current_list(matching, need_id)
        return seen if seen.version > early.version else None

    later = await eventually(refilled, timeout=180, what="the re-matched list")
    assert (later.pool_size, later.researchers) == (1, [person.researcher_id])
    assert (later.trigger, later.requested_by) == ("pool_changed", "system")
