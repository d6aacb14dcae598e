"""Matching's use cases that need no model, on a fake unit of work: requesting runs (R-F1 → R-F2), R-E3 waivers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.matching.domain.commands import GrantOverride, RequestRun
from services.matching.domain.model import NeedSnapshot
from services.matching.domain.proposal import Proposal
from services.matching.domain.run import RunKind, RunTrigger
from services.matching.service_layer import overrides, runs
from shared.auth import Principal, Role
from shared.errors import Conflict, NotFound
from shared.jobs.lifecycle import JobStatus
from shared.vocabulary import NeedStatus, Programme
from tests.factories import researcher_snapshot
from tests.fakes import matching_uow

PROVINCE = Principal(subject="province", role=Role.PROVINCE)
BATCH = uuid.uuid4()


def need(status: NeedStatus = NeedStatus.REPORTED) -> NeedSnapshot:
    return NeedSnapshot(
        id=uuid.uuid4(), enterprise_id="e", city_code="230100", is_soe=False, programme=Programme.CHIEF_TECHNOLOGIST,
        title="t", description="d", keywords=[], submitted_at=datetime.now(UTC), status=status, batch_id=BATCH,
    )  # fmt: skip


def pushed_proposal(need_id: uuid.UUID) -> Proposal:
    return Proposal(
        id=uuid.uuid4(), need_id=need_id, version=1, run_id=uuid.uuid4(), model="m", fusion="f", demand=1,
        application_date="2026-12-31", pushed_at=datetime.now(UTC),
    )  # fmt: skip


async def test_R_F2_only_needs_reported_to_the_province_are_matched() -> None:
    reported, submitted = need(), need(NeedStatus.SUBMITTED)
    uow = matching_uow(reported, submitted)
    with pytest.raises(Conflict) as refused:
        await runs.request_run(RequestRun(need_ids=(reported.id, submitted.id)), PROVINCE, uow)
    assert refused.value.code == "NEED_NOT_REPORTED" and refused.value.extra["need_id"] == str(submitted.id)
    with pytest.raises(NotFound):
        await runs.request_run(RequestRun(need_ids=(uuid.uuid4(),)), PROVINCE, uow)
    run = await runs.request_run(RequestRun(need_ids=(reported.id,)), PROVINCE, uow)
    assert (run.kind, run.trigger, run.status, run.progress_total) == (
        RunKind.NEED,
        RunTrigger.API,
        JobStatus.QUEUED,
        1,
    )
    assert uow.runs.items[run.id] is run and uow.audit[-1]["action"] == "matching_run.requested"


async def test_R_F3_a_list_already_pushed_is_not_rematched() -> None:
    reported = need()
    uow = matching_uow(reported, pushed_proposal(reported.id))
    with pytest.raises(Conflict) as refused:
        await runs.request_run(RequestRun(need_ids=(reported.id,)), PROVINCE, uow)
    assert refused.value.code == "LIST_ALREADY_PUSHED"


async def test_R_F2_a_batch_run_takes_every_reported_need_of_the_batch() -> None:
    uow = matching_uow(need(), need(), need(NeedStatus.APPROVED))
    run = await runs.request_run(RequestRun(batch_id=BATCH), PROVINCE, uow)
    assert run.kind is RunKind.BATCH and run.progress_total == 2
    with pytest.raises(Conflict) as refused:
        await runs.request_run(RequestRun(batch_id=uuid.uuid4()), PROVINCE, uow)
    assert refused.value.code == "NO_REPORTED_NEEDS"


async def test_R_E3_only_the_in_principle_rule_is_waived_once_with_its_reason() -> None:
    person = researcher_snapshot()
    uow = matching_uow(person)
    with pytest.raises(NotFound) as refused:
        await overrides.grant(GrantOverride(person.researcher_id, "R-E1", "无正当理由"), PROVINCE, uow)
    assert refused.value.code == "RULE_NOT_WAIVABLE"
    granted = await overrides.grant(GrantOverride(person.researcher_id, "R-E3", " 一线工程成果突出 "), PROVINCE, uow)
    assert granted.reason == "一线工程成果突出" and granted.granted_by == "province"
    with pytest.raises(Conflict) as twice:
        await overrides.grant(GrantOverride(person.researcher_id, "R-E3", "再次"), PROVINCE, uow)
    assert twice.value.code == "OVERRIDE_EXISTS"
    await overrides.revoke(person.researcher_id, "R-E3", PROVINCE, uow)
    assert [a["action"] for a in uow.audit] == ["rule_override.granted", "rule_override.revoked"]
