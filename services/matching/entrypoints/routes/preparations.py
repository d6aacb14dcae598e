"""Preparing the next embedding model (模型切换预编码): request it, follow its progress."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.matching.entrypoints.deps import PROBLEMS, Deps, Paging, ProvinceOrOps, UowDep, Write
from services.matching.schemas import PreparationRead
from services.matching.service_layer import preparations
from shared.jobs.lifecycle import JobStatus
from shared.pagination import Page

router = APIRouter(prefix="/matching/v1", responses=PROBLEMS, tags=["embedding model"])
read = PreparationRead.model_validate


@router.post(
    "/embedding-preparations",
    response_model=PreparationRead,
    status_code=202,
    summary="为待切换的向量模型预编码全部成果与研究方向（后台执行，当前模型照常服务）",
)
async def request_preparation(write: Write, principal: ProvinceOrOps, deps: Deps):
    """用运维配置的待切换模型（MATCHING_EMBEDDING_MODEL_NEXT）在后台为全部科研人员的研究方向和成果编码并保存，
    期间当前模型照常提供匹配。任务完成后，将 MATCHING_EMBEDDING_MODEL 设为该模型并逐个重启，新进程直接加载已保存的
    向量，无需重新编码。已有排队或执行中的同一模型任务时返回该任务。"""
    return await write(
        principal,
        lambda uow: preparations.request_preparation(deps.next_model, deps.engine.model, principal, uow),
        read=read,
        status=202,
        location=lambda d: f"/matching/v1/embedding-preparations/{d['id']}",
    )


@router.get("/embedding-preparations", response_model=Page[PreparationRead], summary="向量模型预编码任务列表")
async def list_preparations(uow: UowDep, principal: ProvinceOrOps, page: Paging, status: JobStatus | None = None):
    """预编码任务列表（新的在前），可按状态筛选。"""
    async with uow:
        items, total = await uow.preparations.page_by_status(page, status)
        return Page.of(items, total, page, read)


@router.get(
    "/embedding-preparations/{preparation_id}", response_model=PreparationRead, summary="向量模型预编码任务进度"
)
async def get_preparation(preparation_id: uuid.UUID, uow: UowDep, principal: ProvinceOrOps) -> PreparationRead:
    """状态与进度（已编码 / 待编码的段落数）；完成后 summary 给出段落总数、已有向量数与本次编码数。"""
    async with uow:
        return read(await preparations.get_preparation(preparation_id, uow))
