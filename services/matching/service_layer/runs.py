"""Requesting matching runs (匹配任务, R-F2) and reading them; a run executes as a job (``run_execution``)."""

from __future__ import annotations

import uuid

from services.matching.domain.commands import RequestRun
from services.matching.domain.run import MatchingRun, RunTrigger
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from shared.auth import Principal
from shared.errors import Conflict, NotFound


async def request_run(cmd: RequestRun, principal: Principal, uow: MatchingUnitOfWork) -> MatchingRun:
    if cmd.batch_id is not None:
        return await request_batch_run(cmd.batch_id, principal, uow)
    return await request_need_run(list(cmd.need_ids), principal, uow)


async def request_batch_run(batch_id: uuid.UUID, principal: Principal, uow: MatchingUnitOfWork) -> MatchingRun:
    needs = await uow.needs.reported_in_batch(batch_id)
    if not needs:
        raise Conflict("该批次没有已报送省科技厅的需求", code="NO_REPORTED_NEEDS")
    run = MatchingRun.for_batch(batch_id, len(needs), requested_by=principal.subject)
    uow.runs.add(run)
    await uow.record_audit(
        principal, "matching_run.requested", "matching_run", str(run.id), {"batch_id": str(batch_id)}
    )
    return run


async def request_need_run(need_ids: list[uuid.UUID], principal: Principal, uow: MatchingUnitOfWork) -> MatchingRun:
    found = {n.id: n for n in await uow.needs.many(need_ids)}
    for need_id in need_ids:
        need = found.get(need_id)
        if need is None:
            raise NotFound("该需求不存在", code="NEED_NOT_FOUND", extra={"need_id": str(need_id)})
        if not need.is_reported:
            raise Conflict(
                "需求报送省科技厅后才进行匹配（R-F1 → R-F2）",
                code="NEED_NOT_REPORTED",
                extra={"need_id": str(need_id), "current_state": need.status},
            )
    pushed = [str(n) for n, p in (await uow.proposals.current_for(need_ids)).items() if p.pushed_at]
    if pushed:
        raise Conflict(
            "候选名单已推送派出单位，不能重新匹配；请等待派出单位答复（婉拒者将由备选人递补）",
            code="LIST_ALREADY_PUSHED",
            extra={"need_ids": pushed},
        )
    run = MatchingRun.for_needs(need_ids, requested_by=principal.subject, trigger=RunTrigger.API)
    uow.runs.add(run)
    await uow.record_audit(
        principal, "matching_run.requested", "matching_run", str(run.id), {"need_ids": [str(n) for n in need_ids]}
    )
    return run


async def get_run(run_id: uuid.UUID, uow: MatchingUnitOfWork) -> MatchingRun:
    run = await uow.runs.get(run_id)
    if run is None:
        raise NotFound("匹配任务不存在", code="RUN_NOT_FOUND")
    return run
