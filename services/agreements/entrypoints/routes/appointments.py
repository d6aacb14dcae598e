"""Tripartite agreements (三方合作协议, R-F8, R-F9): reading, editing, signing, the PDF, the filed original; the
service during the term; termination (R-F10)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from services.agreements.domain import agreement as a
from services.agreements.entrypoints.deps import (
    PROBLEMS,
    AgreementReader,
    Deps,
    Organiser,
    PagingDep,
    Party,
    Province,
    UowDep,
    Write,
)
from services.agreements.schemas import (
    AgreementImportIn,
    AgreementRead,
    AgreementUpdate,
    ContactIn,
    ContactRead,
    ReasonIn,
    ResolutionIn,
    ReviewIn,
    ServiceLogIn,
    ServiceLogRead,
    ServiceRead,
    SignIn,
)
from services.agreements.service_layer import appointments, imports, service, termination
from shared.errors import ProblemError
from shared.history import AuditEntryRead, audit_trail
from shared.pagination import Page
from shared.vocabulary import Programme

router = APIRouter(prefix="/agreements/v1/agreements", tags=["agreements 三方协议"], responses=PROBLEMS)
logs_router = APIRouter(prefix="/agreements/v1/service-logs", tags=["agreements 三方协议"], responses=PROBLEMS)
contacts_router = APIRouter(prefix="/agreements/v1/contacts", tags=["agreements 三方协议"], responses=PROBLEMS)
PDF = "application/pdf"
UPLOAD_TYPES = {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}, "description": "盖章原件"}


def view(agreement: a.Agreement) -> AgreementRead:
    computed = {
        "content_hash": agreement.content_hash(),
        "awaiting": sorted(p.value for p in set(a.Party) - agreement.signed_parties()),
    }
    stored = {k: getattr(agreement, k) for k in AgreementRead.model_fields if k not in computed}
    return AgreementRead(**stored, **computed)


@router.get("", response_model=Page[AgreementRead], summary="协议列表（按权限范围）")
async def list_(
    uow: UowDep,
    page: PagingDep,
    p: AgreementReader,
    status: a.AgreementStatus | None = None,
    programme: Programme | None = None,
):
    """三方看自己的协议（企业、专家本人、派出单位），市（地）看本地的（省属国企为省国资委），省科技厅看全部。"""
    async with uow:
        items, total = await appointments.list_agreements(p, uow, page, status=status, programme=programme)
        return Page.of(items, total, page, view)


@router.post("/imported", response_model=AgreementRead, status_code=201, summary="历史协议备案（省科技厅）")
async def import_(body: AgreementImportIn, write: Write, p: Province, deps: Deps):
    """平台上线前已签订、正在履行的协议（例如 2025 年度选派的科技总师）：由省科技厅备案，此后服务记录、考评
    （R-V1–R-V7）与终止与平台上签订的协议相同。当事方须已登记；科技总师聘期与服务时间不低于 R-F9；可附已服务年度
    （企业已在纸质材料上确认的服务天数与成果）。同一专家与同一企业已有在履行的协议时返回 409。"""
    item = imports.ImportedAgreement(
        **body.model_dump(exclude={"served"}),
        served=tuple(imports.ServedYear(**s.model_dump()) for s in body.served),
    )
    return await write(p, lambda uow: imports.import_agreement(item, p, uow, deps.terms), read=view, status=201)


@router.get("/{agreement_id}", response_model=AgreementRead, summary="查看协议")
async def get(agreement_id: uuid.UUID, uow: UowDep, p: AgreementReader):
    """协议条款、当前版本及其 SHA-256、各方签署、备案与终止情况。"""
    async with uow:
        return view(await appointments.get_agreement(agreement_id, p, uow))


@router.get("/{agreement_id}/history", response_model=list[AuditEntryRead], summary="协议记录")
async def history(agreement_id: uuid.UUID, uow: UowDep, p: AgreementReader):
    """起草、修改、签署、服务记录、跟踪联系与终止的全部记录（审计日志）。"""
    async with uow:
        await appointments.get_agreement(agreement_id, p, uow)
        return await audit_trail(uow, "agreement", str(agreement_id))


@router.patch("/{agreement_id}", response_model=AgreementRead, summary="修改协议条款（三方）")
async def edit(agreement_id: uuid.UUID, body: AgreementUpdate, write: Write, p: Party, deps: Deps):
    """协议三方可修改条款（省略的字段不变）。任何修改都会使协议版本加一、已有签署作废（各方签署自己读到的文本）。
    科技总师聘期不少于 2 年、每年服务不少于 90 天（3 个月），低于则拒绝并注明规则 R-F9。"""
    changes = body.changes()
    return await write(p, lambda uow: appointments.edit_agreement(agreement_id, changes, p, uow, deps.terms), read=view)


@router.post("/{agreement_id}/sign", response_model=AgreementRead, summary="签署（三方各自）")
async def sign(agreement_id: uuid.UUID, body: SignIn, write: Write, p: Party, deps: Deps):
    """以本方令牌签署协议当前版本：提交所阅读文本的 content_hash。记录签署人、角色、时间与文本哈希。第三方签署后
    协议即在市（地）（省属国企为省国资委）备案，聘任开始（AgreementSigned）。重复签署、代他方签署、签署已作废的
    版本均被拒绝。"""
    return await write(
        p, lambda uow: appointments.sign_agreement(agreement_id, body.content_hash, p, uow, deps.terms), read=view
    )


@router.get(
    "/{agreement_id}/pdf",
    summary="协议文本（PDF）",
    response_class=Response,
    responses={200: {"content": {PDF: {}}, "description": "可打印的协议 PDF（内嵌中文字体）"}},
)
async def pdf(agreement_id: uuid.UUID, uow: UowDep, p: AgreementReader):
    """可打印的协议：标题、三方及其信用代码或单位、全部条款、三方签署栏（签署人与时间）与文本哈希。"""
    async with uow:
        content = await appointments.agreement_pdf(agreement_id, p, uow)
    headers = {"Content-Disposition": f'inline; filename="agreement-{agreement_id}.pdf"'}
    return Response(content, media_type=PDF, headers=headers)


@router.post(
    "/{agreement_id}/original",
    response_model=AgreementRead,
    summary="上传盖章原件（扫描件）",
    responses={413: {"description": "application/problem+json"}},
)
async def upload_original(
    agreement_id: uuid.UUID,
    write: Write,
    p: AgreementReader,
    deps: Deps,
    file: Annotated[UploadFile, File(description="盖章扫描件：PDF、JPEG 或 PNG")],
):
    """备案后上传三方盖章的纸质协议扫描件作为备案原件：按文件内容核对类型（PDF、JPEG、PNG），大小受限，记录
    SHA-256。平台不加盖电子印章。"""
    content = await file.read(deps.terms.original_max_bytes + 1)
    if len(content) > deps.terms.original_max_bytes:
        limit = deps.terms.original_max_bytes // (1024 * 1024)
        raise ProblemError(f"盖章扫描件不能超过 {limit} MB", code="FILE_TOO_LARGE", title="文件过大", status=413)
    name = file.filename or "original"
    return await write(
        p, lambda uow: appointments.attach_original(agreement_id, content, name, p, uow, deps.terms), read=view
    )


@router.get(
    "/{agreement_id}/original",
    summary="下载盖章原件",
    response_class=Response,
    responses={200: UPLOAD_TYPES},
)
async def download_original(agreement_id: uuid.UUID, uow: UowDep, p: AgreementReader):
    """下载已备案的盖章原件（只经接口、凭权限提供，没有可猜测的文件地址）。"""
    async with uow:
        found = await appointments.original_file(agreement_id, p, uow)
    headers = {
        "Content-Disposition": f'attachment; filename="original-{agreement_id}"',
        "X-Content-SHA256": found["sha256"],
    }
    return Response(found["content"], media_type=found["content_type"], headers=headers)


# ------------------------------------------------------------------ service during the term (R-F9)
@router.get("/{agreement_id}/service", response_model=ServiceRead, summary="服务情况（各协议年度）")
async def service_(agreement_id: uuid.UUID, uow: UowDep, p: AgreementReader):
    """各协议年度企业已确认的服务天数与约定天数的比较（科技总师每年不少于 90 天），成果计数，进度预警，服务记录。"""
    async with uow:
        return ServiceRead.model_validate(await service.service_view(agreement_id, p, uow), from_attributes=True)


@router.post(
    "/{agreement_id}/service-logs", status_code=201, response_model=ServiceLogRead, summary="填写服务记录（专家）"
)
async def submit_log(agreement_id: uuid.UUID, body: ServiceLogIn, write: Write, p: Party):
    """专家记录一段服务：起止日期、驻企与远程天数、服务内容、成果计数。须在聘期内同一协议年度；企业确认后计入。"""
    return await write.created(
        p,
        lambda uow: service.submit_log(
            agreement_id, body.starts_on, body.ends_on, body.days_on_site, body.days_remote, body.description,
            dict(body.outcomes), p, uow,
        ),
        read=ServiceLogRead.model_validate,
        at="/agreements/v1/service-logs",
    )  # fmt: skip


@logs_router.post("/{log_id}/review", response_model=ServiceLogRead, summary="确认或不确认服务记录（企业）")
async def review_log(log_id: uuid.UUID, body: ReviewIn, write: Write, p: Party):
    """接收单位确认（计入服务时间与成果）或不确认（须说明原因）专家的服务记录。只有确认的时间计入年度服务。"""
    return await write(
        p,
        lambda uow: service.review_log(log_id, body.confirmed, body.reason, p, uow),
        read=ServiceLogRead.model_validate,
    )


@router.post("/{agreement_id}/contacts", status_code=201, response_model=ContactRead, summary="记录跟踪联系")
async def record_contact(agreement_id: uuid.UUID, body: ContactIn, write: Write, p: Organiser):
    """市（地）科技局、工信局（省属国企为省国资委）记录走访、电话或座谈，以及反映的问题（跟踪联系制度）。"""
    return await write.created(
        p,
        lambda uow: service.record_contact(
            agreement_id, body.kind, body.contacted_on, body.notes, body.problems_raised, p, uow
        ),
        read=ContactRead.model_validate,
        at="/agreements/v1/contacts",
    )


@router.get("/{agreement_id}/contacts", response_model=list[ContactRead], summary="跟踪联系记录")
async def contacts(agreement_id: uuid.UUID, uow: UowDep, p: AgreementReader):
    """该协议的走访、电话与座谈记录。"""
    async with uow:
        return [ContactRead.model_validate(x) for x in await service.contacts_of(agreement_id, p, uow)]


@contacts_router.post("/{contact_id}/resolve", response_model=ContactRead, summary="记录问题解决情况")
async def resolve_contact(contact_id: uuid.UUID, body: ResolutionIn, write: Write, p: Organiser):
    """记录跟踪联系中反映问题的解决情况。"""
    return await write(
        p, lambda uow: service.resolve_contact(contact_id, body.resolution, p, uow), read=ContactRead.model_validate
    )


# ------------------------------------------------------------------ termination (R-F10)
def _terminating(action, *args: Any):
    return lambda uow: action(*args, uow)


@router.post("/{agreement_id}/termination", response_model=AgreementRead, summary="申请终止协议（企业或专家）")
async def request_termination(agreement_id: uuid.UUID, body: ReasonIn, write: Write, p: Party):
    """专家因故不能继续服务时，接收单位或专家说明理由申请终止；另一方同意后，由市（地）科技局、工信局审批
    （省属国企为省国资委），批准后协议终止并报省科技厅备案（R-F10）。"""
    return await write(p, _terminating(termination.request, agreement_id, body.reason, p), read=view)


@router.post("/{agreement_id}/termination/agree", response_model=AgreementRead, summary="同意终止（另一方）")
async def agree_termination(agreement_id: uuid.UUID, write: Write, p: Party):
    """接收单位与专家协商一致：申请的另一方表示同意。"""
    return await write(p, _terminating(termination.agree, agreement_id, p), read=view)


@router.post("/{agreement_id}/termination/approve", response_model=AgreementRead, summary="审批同意终止")
async def approve_termination(agreement_id: uuid.UUID, write: Write, p: Organiser):
    """市（地）科技局与工信局都同意后协议终止（省属国企为省国资委）：AgreementTerminated。"""
    return await write(p, _terminating(termination.approve, agreement_id, p), read=view)


@router.post("/{agreement_id}/termination/refuse", response_model=AgreementRead, summary="不同意终止（须说明理由）")
async def refuse_termination(agreement_id: uuid.UUID, body: ReasonIn, write: Write, p: AgreementReader):
    """另一方或审批单位不同意，说明理由；申请办结，协议继续履行。"""
    return await write(p, _terminating(termination.refuse, agreement_id, body.reason, p), read=view)
