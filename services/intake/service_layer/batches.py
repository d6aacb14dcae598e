"""Yearly batches (R-F1): the province opens one per programme and year, with a submission window."""

from __future__ import annotations

import uuid

from services.intake.domain import model as m
from services.intake.domain.commands import OpenBatch, UpdateBatch
from services.intake.service_layer.common import apply_changes, jsonable, require_role
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared.auth import Principal, Role
from shared.commands import provided
from shared.errors import Conflict, NotFound, ValidationFailed


async def open_batch(cmd: OpenBatch, p: Principal, uow: IntakeUnitOfWork) -> m.Batch:
    require_role(p, Role.PROVINCE, what="发布征集批次")
    if await uow.batches.find(cmd.programme, cmd.year):
        raise Conflict(f"{cmd.year} 年度该项目的征集批次已存在", code="BATCH_EXISTS")
    batch = m.Batch(id=uuid.uuid4(), closed_early=False, **provided(cmd))
    uow.batches.add(batch)
    await uow.record_audit(p, "batch.opened", "batch", str(batch.id), jsonable(cmd))
    return batch


async def update_batch(batch_id: uuid.UUID, cmd: UpdateBatch, p: Principal, uow: IntakeUnitOfWork) -> m.Batch:
    require_role(p, Role.PROVINCE, what="修改征集批次")
    batch = await get_batch(batch_id, uow, for_update=True)
    updates = provided(cmd)
    opens, closes = updates.get("opens_on", batch.opens_on), updates.get("closes_on", batch.closes_on)
    problem = m.Batch.window_problem(opens, closes)
    if problem:
        raise ValidationFailed(problem, code="BATCH_WINDOW_INVALID", extra={"rule_ids": ["R-F1"]})
    changes = apply_changes(batch, updates)
    if changes:
        await uow.record_audit(p, "batch.updated", "batch", str(batch.id), changes)
    return batch


async def get_batch(batch_id: uuid.UUID, uow: IntakeUnitOfWork, *, for_update: bool = False) -> m.Batch:
    batch = await uow.batches.get(batch_id, for_update=for_update)
    if batch is None:
        raise NotFound("征集批次不存在", code="BATCH_NOT_FOUND")
    return batch
