"""见面洽谈会: scheduling, rescheduling and cancelling (R-F5)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.agreements.domain import model as m
from services.agreements.entrypoints.deps import PROBLEMS, MeetingReader, Organiser, PagingDep, UowDep, Write
from services.agreements.schemas import MeetingCreate, MeetingRead, MeetingReschedule, ReasonIn
from services.agreements.service_layer import negotiation
from shared.history import AuditEntryRead, audit_trail
from shared.pagination import Page

router = APIRouter(prefix="/agreements/v1/meetings", tags=["meetings 见面洽谈会"], responses=PROBLEMS)
read = MeetingRead.model_validate


@router.post("", status_code=201, response_model=MeetingRead, summary="安排见面洽谈会")
async def schedule(body: MeetingCreate, write: Write, p: Organiser):
    """市（地）科技局、工信局（省属国企为省国资委）为待洽谈的对象安排见面洽谈会（R-F5）：时间、地点或线上链接、
    参加的洽谈对象（可以是多项需求；须同一市（地）或同为省属国企、同一项目）。企业科技特派员由科技局组织。"""
    return await write.created(
        p, lambda uow: negotiation.schedule_meeting(body.command(), p, uow), read=read, at="/agreements/v1/meetings"
    )


@router.get("", response_model=Page[MeetingRead], summary="见面洽谈会列表（按权限范围）")
async def list_(uow: UowDep, page: PagingDep, p: MeetingReader, status: m.MeetingStatus | None = None):
    """组织单位看自己的洽谈会（市（地）看本地，省国资委看省属国企），省科技厅看全部。"""
    async with uow:
        items, total = await negotiation.list_meetings(p, uow, page, status)
        return Page.of(items, total, page, read)


@router.get("/{meeting_id}", response_model=MeetingRead, summary="查看见面洽谈会")
async def get(meeting_id: uuid.UUID, uow: UowDep, p: MeetingReader):
    """查看洽谈会，含改期记录。"""
    async with uow:
        return read(await negotiation.get_meeting(meeting_id, p, uow))


@router.get("/{meeting_id}/history", response_model=list[AuditEntryRead], summary="洽谈会变更记录")
async def history(meeting_id: uuid.UUID, uow: UowDep, p: MeetingReader):
    """谁在何时安排、改期或取消（审计日志）。"""
    async with uow:
        await negotiation.get_meeting(meeting_id, p, uow)
        return await audit_trail(uow, "meeting", str(meeting_id))


@router.post("/{meeting_id}/reschedule", response_model=MeetingRead, summary="改期")
async def reschedule(meeting_id: uuid.UUID, body: MeetingReschedule, write: Write, p: Organiser):
    """改期（须说明原因）；原时间、地点保留在改期记录中。"""
    return await write(p, lambda uow: negotiation.reschedule_meeting(meeting_id, body.command(), p, uow), read=read)


@router.post("/{meeting_id}/cancel", response_model=MeetingRead, summary="取消")
async def cancel(meeting_id: uuid.UUID, body: ReasonIn, write: Write, p: Organiser):
    """取消洽谈会（须说明原因）：尚未记录结果的洽谈对象回到「待洽谈」，可另行安排。"""
    return await write(p, lambda uow: negotiation.cancel_meeting(meeting_id, body.reason, p, uow), read=read)
