"""Public notices (公示): no login — anyone may read the noticed list and object during the notice (R-F7)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.agreements.entrypoints.deps import PagingDep, UowDep, Write
from services.agreements.schemas import ObjectionIn, ObjectionReceipt, PublicNotice
from services.agreements.service_layer import selection, views
from services.agreements.settings import AgreementsSettings
from shared.auth import Principal
from shared.http import problem_responses
from shared.pagination import Page
from shared.timeutil import utcnow
from shared.vocabulary import Role

router = APIRouter(
    prefix="/agreements/v1/public/notices", tags=["public 公示（无需登录）"], responses=problem_responses(404, 422)
)


async def settings(request: Request) -> AgreementsSettings:
    return request.app.state.runtime.settings


Settings = Annotated[AgreementsSettings, Depends(settings)]


def client_address(request: Request, config: Settings) -> str:
    """The sender, for the rate limit: nginx's X-Real-IP behind the gateway, else the connection's peer."""
    forwarded = request.headers.get("x-real-ip") if config.trust_proxy_headers else None
    return (forwarded or (request.client.host if request.client else "unknown"))[:100]


@router.get("", response_model=Page[PublicNotice], summary="公示列表")
async def list_(uow: UowDep, page: PagingDep):
    """正在公示及已公示的选派名单。"""
    async with uow:
        items, total = await selection.public_lists(uow, page)
        shown = [await views.public_notice(s, uow, at=utcnow()) for s in items]
    return Page.of(shown, total, page, PublicNotice.model_validate)


@router.get("/{list_id}", response_model=PublicNotice, summary="查看公示")
async def get(list_id: uuid.UUID, uow: UowDep):
    """公示名单：姓名、派出单位、职称、接收企业、所在市（地），以及公示期（不含出生日期等非公开信息）。"""
    async with uow:
        return PublicNotice.model_validate(
            await views.public_notice(await selection.public_list(list_id, uow), uow, at=utcnow())
        )


@router.post(
    "/{list_id}/objections",
    status_code=201,
    response_model=ObjectionReceipt,
    summary="提出异议（公示期内）",
    responses=problem_responses(409, 429),
)
async def object_(list_id: uuid.UUID, body: ObjectionIn, write: Write, request: Request, config: Settings):
    """公示期内任何人可对名单中的人选提出异议（实名，附联系方式；异议人信息不公开）。公示期外不受理，答复中
    注明公示期。同一来源每小时提交数有上限（429）。"""
    client = selection.client_fingerprint(client_address(request, config), config.objection_salt.get_secret_value())
    sender = Principal(subject=f"public:{client[:32]}", role=Role.PUBLIC)  # whose Idempotency-Key it is
    return await write.created(
        sender,
        lambda uow: selection.file_objection(
            list_id, body.command(), sender, client, uow, per_hour=config.objections_per_hour
        ),
        read=ObjectionReceipt.model_validate,
        at=f"/agreements/v1/public/notices/{list_id}/objections",
    )
