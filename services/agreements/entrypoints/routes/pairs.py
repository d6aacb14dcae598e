"""Pairs to negotiate (洽谈对象): outcomes and the report to the province (R-F5, R-F4)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.agreements.domain import model as m
from services.agreements.entrypoints.deps import PROBLEMS, Deps, Organiser, PagingDep, PairReader, UowDep, Write
from services.agreements.schemas import IntentIn, PairRead, ReasonIn
from services.agreements.service_layer import negotiation, views
from shared.history import AuditEntryRead, audit_trail
from shared.pagination import Page
from shared.vocabulary import Programme

router = APIRouter(prefix="/agreements/v1/pairs", tags=["pairs 洽谈对象"], responses=PROBLEMS)
read = PairRead.model_validate


def _view(use_case):
    """A write whose answer is the pair as the API shows it (with names)."""

    async def run(uow):
        return await views.pair_view(await use_case(uow), uow)

    return run


@router.get("", response_model=Page[PairRead], summary="洽谈对象列表（按权限范围）")
async def list_(
    uow: UowDep,
    page: PagingDep,
    p: PairReader,
    status: m.PairStatus | None = None,
    need_id: uuid.UUID | None = None,
    programme: Programme | None = None,
    batch_id: uuid.UUID | None = None,
):
    """派出单位答复「愿意」（或推荐他人）的候选人与需求配对，成为待洽谈对象（R-F3 → R-F5）。市（地）看本地的
    （不含省属国企），省国资委看省属国企的，省科技厅看全部；企业看本企业的，派出单位看本单位人员的。
    可按状态（如 to_negotiate 待洽谈）、需求、项目、批次筛选。"""
    async with uow:
        items, total = await negotiation.list_pairs(
            p, uow, page, status=status, need_id=need_id, programme=programme, batch_id=batch_id
        )
        return Page.of(await views.pair_views(items, uow), total, page, read)


@router.get("/{pair_id}", response_model=PairRead, summary="查看洽谈对象")
async def get(pair_id: uuid.UUID, uow: UowDep, p: PairReader):
    """查看一对洽谈对象：状态、所在洽谈会、商定的合作内容、报送确认情况；特派员另示申报是否经单位审核同意（R-F4）。"""
    async with uow:
        return read(await views.pair_view(await negotiation.get_pair(pair_id, p, uow), uow))


@router.get("/{pair_id}/history", response_model=list[AuditEntryRead], summary="洽谈记录")
async def history(pair_id: uuid.UUID, uow: UowDep, p: PairReader):
    """谁在何时做了什么（审计日志）。"""
    async with uow:
        await negotiation.get_pair(pair_id, p, uow)
        return await audit_trail(uow, "pair", str(pair_id))


@router.post("/{pair_id}/intent", response_model=PairRead, summary="记录达成合作意向")
async def intent(pair_id: uuid.UUID, body: IntentIn, write: Write, p: Organiser):
    """见面洽谈后记录达成的合作意向：合作内容、合作方式、计划开始服务日期（R-F5）。"""
    return await write(p, _view(lambda uow: negotiation.record_intent(pair_id, body.command(), p, uow)), read=read)


@router.post("/{pair_id}/no-intent", response_model=PairRead, summary="记录未达成合作意向")
async def no_intent(pair_id: uuid.UUID, body: ReasonIn, write: Write, p: Organiser):
    """记录未达成意向及原因：候选人随即释放（事件），匹配服务释放其名额并由备选人递补（R-F5）。"""
    return await write(p, _view(lambda uow: negotiation.record_no_intent(pair_id, body.reason, p, uow)), read=read)


@router.post("/{pair_id}/report", response_model=PairRead, summary="确认报送省科技厅（特派员为备案）")
async def report(pair_id: uuid.UUID, write: Write, p: Organiser, deps: Deps):
    """确认把合作意向报送省科技厅（R-F5）：科技总师须市（地）科技局与工信局都确认；省属国企由省国资委报送；
    企业科技特派员由市（地）科技局报省科技厅备案，且须该科研人员本批次的申报已经所在单位审核同意（R-F4）。"""
    return await write(p, _view(lambda uow: negotiation.report_intent(pair_id, p, uow, deps.terms)), read=read)
