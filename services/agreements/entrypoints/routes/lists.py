"""The province's list of a batch (拟选派名单, R-F6) and its public notice (R-F7)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from services.agreements.domain import model as m
from services.agreements.entrypoints.deps import PROBLEMS, Deps, PagingDep, Province, UowDep, Write
from services.agreements.entrypoints.spreadsheet import XLSX, list_workbook
from services.agreements.schemas import ApprovalIn, EntryChange, ListCreate, ListRead, NoticeIn, PublishIn
from services.agreements.service_layer import selection, views
from shared.history import AuditEntryRead, audit_trail
from shared.pagination import Page

router = APIRouter(prefix="/agreements/v1/lists", tags=["lists 选派名单"], responses=PROBLEMS)
read = ListRead.model_validate


def _view(use_case):
    async def run(uow):
        return await views.list_view(await use_case(uow), uow)

    return run


@router.post("", status_code=201, response_model=ListRead, summary="建立批次的拟选派名单")
async def assemble(body: ListCreate, write: Write, p: Province):
    """以该批次已报送省科技厅的合作意向建立拟选派名单（R-F6）。名单只能来自各市（地）和省国资委报送的意向：
    没有增加人选的接口。名单审议前报送的意向会自动加入。"""
    return await write.created(
        p, _view(lambda uow: selection.assemble_list(body.batch_id, p, uow)), read=read, at="/agreements/v1/lists"
    )


@router.get("", response_model=Page[ListRead], summary="名单列表")
async def list_(uow: UowDep, page: PagingDep, p: Province, status: m.ListStatus | None = None):
    """各批次的名单及其状态。"""
    async with uow:
        items, total = await selection.list_lists(uow, page, status)
        return Page.of([await views.list_view(s, uow) for s in items], total, page, read)


@router.get("/{list_id}", response_model=ListRead, summary="查看名单")
async def get(list_id: uuid.UUID, uow: UowDep, p: Province):
    """名单、每位人选（含已移除的及原因）、审议与公示情况、待处理异议数。"""
    async with uow:
        return read(await views.list_view(await selection.get_list(list_id, uow), uow))


@router.get(
    "/{list_id}/export.xlsx",
    summary="导出名单（Excel）",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "名单的 Excel 文件"}},
)
async def export(list_id: uuid.UUID, uow: UowDep, p: Province):
    """导出名单为 Excel：人选、派出单位、职称、接收企业、所在市（地）、状态与移除原因。"""
    async with uow:
        view = await views.list_view(await selection.get_list(list_id, uow), uow)
    content = list_workbook(view)
    filename = f"selection-list-{list_id}.xlsx"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/{list_id}/history", response_model=list[AuditEntryRead], summary="名单变更记录")
async def history(list_id: uuid.UUID, uow: UowDep, p: Province):
    """建立、移除与恢复、审议、公示、正式公布（审计日志）。"""
    async with uow:
        await selection.get_list(list_id, uow)
        return await audit_trail(uow, "selection_list", str(list_id))


@router.post("/{list_id}/remove", response_model=ListRead, summary="移除人选（须说明理由）")
async def remove(list_id: uuid.UUID, body: EntryChange, write: Write, p: Province):
    """省科技厅审核拟选派名单，可移除人选并说明理由（原则上调减不调增，R-F6）；名单审议前可撤销移除。
    特派员名单为备案，不调整。"""
    use_case = _view(lambda uow: selection.remove_entry(list_id, body.pair_id, body.reason, p, uow))
    return await write(p, use_case, read=read)


@router.post("/{list_id}/restore", response_model=ListRead, summary="撤销移除（须说明理由）")
async def restore(list_id: uuid.UUID, body: EntryChange, write: Write, p: Province):
    """在名单审议前恢复曾被移除的人选。不在名单中的洽谈对象（未经报送）不能加入：422，规则 R-F6。"""
    use_case = _view(lambda uow: selection.restore_entry(list_id, body.pair_id, body.reason, p, uow))
    return await write(p, use_case, read=read)


@router.post("/{list_id}/approve", response_model=ListRead, summary="记录党组会议审议通过")
async def approve(list_id: uuid.UUID, body: ApprovalIn, write: Write, p: Province):
    """省科技厅党组会议审议通过拟选派名单：会议日期与纪要文号（R-F6）。只有审议通过的名单才能公示。"""
    return await write(p, _view(lambda uow: selection.approve_list(list_id, body.command(), p, uow)), read=read)


@router.post("/{list_id}/notice", response_model=ListRead, summary="开始公示")
async def notice(list_id: uuid.UUID, body: NoticeIn, write: Write, p: Province):
    """公示名单不少于 5 个工作日（R-F7）：周末与法定节假日不计，调休上班日计入。截止日期按工作日历计算，
    当日 24 时公示期满（定时任务自动结束）。跨入尚未公布节假日安排的年份时，截止日期为暂定，导入该年安排后
    自动重新计算。特派员名单为备案，无需审议，可直接公示。"""
    return await write(p, _view(lambda uow: selection.open_notice(list_id, body.command(), p, uow)), read=read)


@router.post("/{list_id}/publish", response_model=ListRead, summary="正式公布名单（四部门联合发文）")
async def publish(list_id: uuid.UUID, body: PublishIn, write: Write, p: Province, deps: Deps):
    """公示期满且全部异议处理完毕后，记录四部门联合发文的文号与日期，正式公布名单（R-F7）。"""
    use_case = _view(lambda uow: selection.publish_final(list_id, body.command(), p, uow, deps.terms))
    return await write(p, use_case, read=read)
