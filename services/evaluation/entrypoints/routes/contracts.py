"""技术合同与激励 (R-V7), and the province's consolidated view of a year (R-V4, R-V5)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.evaluation.entrypoints.deps import (
    PROBLEMS,
    ContractWriter,
    PagingDep,
    Province,
    UowDep,
    Write,
    YearReader,
)
from services.evaluation.schemas import ContractIn, ContractRead, ContractUpdate
from services.evaluation.service_layer import contracts, views
from shared.pagination import Page

router = APIRouter(prefix="/evaluation/v1", tags=["evaluation 技术合同与汇总"], responses=PROBLEMS)


def contract_read(found) -> ContractRead:
    return ContractRead.model_validate(found)


@router.post("/technology-contracts", response_model=ContractRead, status_code=201, summary="登记技术合同")
async def record(body: ContractIn, write: Write, p: ContractWriter):
    """企业与特派员派出单位之间的技术开发、转让合同（类型、金额、登记编号、日期），企业获得的技术交易补助和给予
    特派员的奖励。奖励低于补助 10% 时标注「低于鼓励比例」——这是鼓励性要求，不拒绝（R-V7）。"""
    fields = body.model_dump()
    return await write.created(
        p, lambda uow: contracts.record(fields, p, uow), read=contract_read, at="/evaluation/v1/technology-contracts"
    )


@router.patch("/technology-contracts/{contract_id}", response_model=ContractRead, summary="补充补助与奖励")
async def update(contract_id: uuid.UUID, body: ContractUpdate, write: Write, p: ContractWriter):
    """技术交易补助到账、奖励发放后补充（省略的字段不变）。"""
    changes = body.model_dump(exclude_unset=True)
    return await write(p, lambda uow: contracts.update(contract_id, changes, p, uow), read=contract_read)


@router.get("/technology-contracts", response_model=Page[ContractRead], summary="技术合同列表")
async def list_(uow: UowDep, page: PagingDep, p: YearReader, agreement_id: uuid.UUID | None = None):
    """企业、派出单位、特派员本人看自己的，县（市、区）看本县的，市（地）看本市的，省科技厅看全部。"""
    async with uow:
        items, total = await contracts.list_(p, uow, page, agreement_id=agreement_id)
        return Page.of(items, total, page, contract_read)


@router.get("/technology-contracts/{contract_id}", response_model=ContractRead, summary="查看技术合同")
async def get(contract_id: uuid.UUID, uow: UowDep, p: YearReader):
    """合同、补助、奖励，以及奖励是否低于补助的 10%（R-V7）。"""
    async with uow:
        return contract_read(await contracts.get(contract_id, p, uow))


@router.get("/summary", summary="年度考评汇总（省科技厅）")
async def summary(
    year: Annotated[int, Query(ge=2000, le=2100, description="年度")], uow: UowDep, p: Province
) -> dict[str, Any]:
    """科技总师：各考评主体各等次人数、各轮状态、尚未评定的专家；特派员：各市各等次与淘汰人数、各市年度考评状态。"""
    async with uow:
        return await views.summary(uow, year)
