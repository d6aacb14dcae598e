"""Matching runs (匹配任务) as jobs: request one, follow its progress, push what it produced (R-F2 → R-F3)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.matching.entrypoints.deps import PROBLEMS, Paging, ProvinceOnly, UowDep, Write
from services.matching.schemas import PushResult, RunCreate, RunRead
from services.matching.service_layer import candidate_lists, runs
from shared.jobs.lifecycle import JobStatus
from shared.pagination import Page

router = APIRouter(prefix="/matching/v1", responses=PROBLEMS)
read = RunRead.model_validate


@router.post(
    "/runs",
    response_model=RunRead,
    status_code=202,
    summary="发起匹配任务（整个批次联合分配，或指定需求）；异步执行，可查询进度",
    tags=["runs"],
)
async def request_run(body: RunCreate, write: Write, principal: ProvinceOnly):
    """省科技厅发起匹配任务（R-F2）：整个批次的已报送需求联合分配（每位科研人员在承担上限内，整体匹配度最高），
    或指定的需求。202 立即返回，Location 指向任务，可查询进度。"""
    return await write(
        principal,
        lambda uow: runs.request_run(body.command(), principal, uow),
        read=read,
        status=202,
        location=lambda d: f"/matching/v1/runs/{d['id']}",
    )


@router.get("/runs", response_model=Page[RunRead], summary="匹配任务列表", tags=["runs"])
async def list_runs(uow: UowDep, principal: ProvinceOnly, page: Paging, status: JobStatus | None = None):
    """匹配任务列表（新的在前），可按状态筛选。"""
    async with uow:
        items, total = await uow.runs.page_by_status(page, status)
        return Page.of(items, total, page, read)


@router.get("/runs/{run_id}", response_model=RunRead, summary="匹配任务状态与进度", tags=["runs"])
async def get_run(run_id: uuid.UUID, uow: UowDep, principal: ProvinceOnly) -> RunRead:
    """匹配任务的状态、阶段与进度；完成后 summary 给出各需求的新版本号与跳过的需求及原因。"""
    async with uow:
        return read(await runs.get_run(run_id, uow))


@router.post(
    "/runs/{run_id}/push",
    response_model=PushResult,
    summary="将该任务产生的候选名单全部推送至派出单位（R-F2 → R-F3）",
    tags=["candidate lists"],
)
async def push_run(run_id: uuid.UUID, write: Write, principal: ProvinceOnly):
    """把该任务产生的、尚未推送的候选名单全部推送至派出单位征求意见（R-F2 → R-F3）。"""
    return await write(
        principal, lambda uow: candidate_lists.push_run(run_id, principal, uow), read=lambda r: PushResult(**r)
    )
