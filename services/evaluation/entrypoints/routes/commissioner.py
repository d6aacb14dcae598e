"""企业科技特派员年度考评 (R-V5, R-V6): the city's year, the enterprise's material, the county's score, the city's
result, 末位淘汰 with objections, and filing with the province."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from services.evaluation.adapters import spreadsheet
from services.evaluation.domain import model as m
from services.evaluation.entrypoints.deps import (
    PROBLEMS,
    CityBureau,
    County,
    Deps,
    Enterprise,
    Objector,
    PagingDep,
    UowDep,
    Write,
    YearQuery,
    YearReader,
    YearRoundReader,
    as_is,
)
from services.evaluation.schemas import (
    AssessmentIn,
    AttachmentRead,
    CommissionerEvaluationRead,
    CommissionerRoundIn,
    CommissionerRoundRead,
    MaterialIn,
    ObjectionIn,
    ObjectionRead,
    ResolutionIn,
    ResultIn,
)
from services.evaluation.service_layer import commissioner, views, workbooks
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from shared.errors import FieldError, ProblemError, ValidationFailed
from shared.history import AuditEntryRead, audit_trail
from shared.pagination import Page

router = APIRouter(prefix="/evaluation/v1", tags=["evaluation 企业科技特派员年度考评"], responses=PROBLEMS)
MAX_WORKBOOK_BYTES = 5 * 1024 * 1024
ROUND_FIELDS = ("id", "city_code", "year", "rule", "ranking", "objections_close_at", "counts", "filed_at", "updated_at")


def round_read(round_: m.CommissionerRound) -> CommissionerRoundRead:
    return CommissionerRoundRead(**{k: getattr(round_, k) for k in ROUND_FIELDS}, status=round_.status.value)


async def _evaluation_read(uow: EvaluationUnitOfWork, e: m.CommissionerEvaluation) -> CommissionerEvaluationRead:
    await uow.flush()
    return CommissionerEvaluationRead(**(await views.commissioner_evaluations(uow, [e]))[0])


@router.post("/commissioner-rounds", response_model=CommissionerRoundRead, status_code=201, summary="开启年度考评")
async def open_round(body: CommissionerRoundIn, write: Write, p: CityBureau):
    """市（地）科技局开启本市某年度的特派员考评：当年在岗的每份特派员协议生成一份考评记录，服务天数、成果、技术
    合同由平台记录预填（R-V5）。同一城市同一年度只有一轮（重复开启返回 409）。"""
    return await write.created(
        p,
        lambda uow: commissioner.open_round(body.year, p, uow),
        read=round_read,
        at="/evaluation/v1/commissioner-rounds",
    )


@router.get("/commissioner-rounds", response_model=Page[CommissionerRoundRead], summary="年度考评列表")
async def list_rounds(uow: UowDep, page: PagingDep, p: YearRoundReader, year: YearQuery = None):
    """市（地）与县（市、区）看本市的年度考评，省科技厅看全部。"""
    async with uow:
        items, total = await commissioner.list_rounds(p, uow, page, year=year)
        return Page.of(items, total, page, round_read)


@router.get("/commissioner-rounds/{round_id}", response_model=CommissionerRoundRead, summary="查看年度考评")
async def get_round(round_id: uuid.UUID, uow: UowDep, p: YearRoundReader):
    """状态、所用末位淘汰规则、排名与拟淘汰名单、异议截止时间、报省备案的统计。"""
    async with uow:
        return round_read(await commissioner.get_round(round_id, p, uow))


@router.post(
    "/commissioner-rounds/{round_id}/refresh", response_model=CommissionerRoundRead, summary="补充新备案的协议"
)
async def refresh(round_id: uuid.UUID, write: Write, p: CityBureau):
    """开启后新备案的特派员协议加入本轮（考评中才可）。"""
    return await write(p, lambda uow: commissioner.refresh(round_id, p, uow), read=round_read)


@router.post(
    "/commissioner-rounds/{round_id}/eliminations", response_model=CommissionerRoundRead, summary="提出末位淘汰名单"
)
async def propose(round_id: uuid.UUID, write: Write, p: CityBureau, deps: Deps):
    """全部确定结果后，按配置的规则排名并提出拟淘汰名单（不直接淘汰任何人）：本人、派出单位、接收企业可在异议期内
    提出异议；异议期结束、异议处理完毕后由市（地）科技局确认并报省备案（R-V5）。"""
    return await write(
        p, lambda uow: commissioner.propose(round_id, p, uow, deps.elimination, deps.objection_window), read=round_read
    )


@router.post("/commissioner-rounds/{round_id}/reopen", response_model=CommissionerRoundRead, summary="撤回淘汰名单")
async def reopen(round_id: uuid.UUID, write: Write, p: CityBureau):
    """撤回拟淘汰名单，修改考评结果后重新提出。"""
    return await write(p, lambda uow: commissioner.reopen(round_id, p, uow), read=round_read)


@router.post("/commissioner-rounds/{round_id}/file", response_model=CommissionerRoundRead, summary="确认并报省备案")
async def file(round_id: uuid.UUID, write: Write, p: CityBureau, deps: Deps):
    """异议期结束且异议均已处理后：确认末位淘汰（其协议经协议服务终止，匹配在设定期限内不再推荐）并将年度结果报省
    科技厅备案（R-V5）。"""
    return await write(
        p, lambda uow: commissioner.file(round_id, p, uow, exclusion_days=deps.exclusion_days), read=round_read
    )


@router.get(
    "/commissioner-rounds/{round_id}/workbook",
    summary="导出年度考评表（XLSX）",
    response_class=Response,
    responses={200: {"content": {spreadsheet.XLSX: {}}, "description": "年度考评表"}},
)
async def workbook(round_id: uuid.UUID, uow: UowDep, p: YearRoundReader):
    """本年度全部考评记录：企业材料、县级考核得分、等次、市级意见、排名与拟淘汰。"""
    async with uow:
        round_ = await commissioner.get_round(round_id, p, uow)
        rows = await views.commissioner_evaluations(uow, await uow.commissioner_evaluations.in_round(round_.id))
        round_view = round_read(round_).model_dump(mode="json")
    content = spreadsheet.commissioner_round_workbook(round_view, rows)
    headers = {"Content-Disposition": f'attachment; filename="commissioner-round-{round_id}.xlsx"'}
    return Response(content, media_type=spreadsheet.XLSX, headers=headers)


@router.post(
    "/commissioner-rounds/{round_id}/workbook", response_model=CommissionerRoundRead, summary="导入年度考评表（XLSX）"
)
async def import_workbook(
    round_id: uuid.UUID,
    write: Write,
    p: CityBureau,
    file: Annotated[UploadFile, File(description="导出的年度考评表，已填写等次、市级意见")],
):
    """市（地）科技局填写「等次」「市级意见」后导入：整份导入或全部不导入，每一行的错误注明行号；须在县级考核之后
    （R-V5）。"""
    content = await file.read(MAX_WORKBOOK_BYTES + 1)
    if len(content) > MAX_WORKBOOK_BYTES:
        raise ValidationFailed("考评表不能超过 5 MB", code="FILE_TOO_LARGE")
    try:
        rows = spreadsheet.read_grades(content, comments_column=spreadsheet.CITY_COMMENTS)
    except spreadsheet.SheetError as exc:
        raise ValidationFailed(str(exc), code="WORKBOOK_UNREADABLE", errors=[FieldError("file", str(exc))]) from exc
    return await write(p, lambda uow: workbooks.import_city_results(round_id, rows, p, uow), read=round_read)


@router.get("/commissioner-rounds/{round_id}/history", response_model=list[AuditEntryRead], summary="年度考评记录")
async def history(round_id: uuid.UUID, uow: UowDep, p: YearRoundReader):
    """开启、补充、提出淘汰名单、撤回、报省备案的全部记录（审计日志）。"""
    async with uow:
        await commissioner.get_round(round_id, p, uow)
        return await audit_trail(uow, "commissioner_round", str(round_id))


@router.get("/commissioner-evaluations", response_model=Page[CommissionerEvaluationRead], summary="特派员考评记录列表")
async def list_evaluations(
    uow: UowDep,
    page: PagingDep,
    p: YearReader,
    round_id: uuid.UUID | None = None,
    year: YearQuery = None,
    status: m.YearStatus | None = None,
):
    """市（地）看本市的，县（市、区）只看本县的，企业、派出单位、特派员本人看自己的，省科技厅看全部。"""
    async with uow:
        items, total = await commissioner.list_evaluations(p, uow, page, round_id=round_id, year=year, status=status)
        rows = await views.commissioner_evaluations(uow, items)
    return Page.of(rows, total, page, lambda r: CommissionerEvaluationRead(**r))


@router.get(
    "/commissioner-evaluations/{evaluation_id}", response_model=CommissionerEvaluationRead, summary="查看特派员考评记录"
)
async def get_evaluation(evaluation_id: uuid.UUID, uow: UowDep, p: YearReader):
    """协议约定、平台预填（服务天数、成果、技术合同）、企业材料与附件、县级考核、市级结果、异议。"""
    async with uow:
        return await _evaluation_read(uow, await commissioner.get_evaluation(evaluation_id, p, uow))


@router.put(
    "/commissioner-evaluations/{evaluation_id}/material",
    response_model=CommissionerEvaluationRead,
    summary="企业提交考评材料",
)
async def material(evaluation_id: uuid.UUID, body: MaterialIn, write: Write, p: Enterprise):
    """接收企业向市（地）提交对特派员的考评材料：解决的技术难题、建设的平台、开发的核心产品、能力提升（R-V6）。"""
    fields = body.model_dump()

    async def use_case(uow):
        return await _evaluation_read(uow, await commissioner.submit_material(evaluation_id, fields, p, uow))

    return await write(p, use_case, read=as_is)


@router.post(
    "/commissioner-evaluations/{evaluation_id}/attachments",
    response_model=AttachmentRead,
    status_code=201,
    summary="上传材料附件",
    responses={413: {"description": "application/problem+json"}},
)
async def attach(
    evaluation_id: uuid.UUID,
    write: Write,
    p: Enterprise,
    deps: Deps,
    file: Annotated[UploadFile, File(description="PDF、JPEG、PNG、XLSX 或 DOCX")],
):
    """附件按内容核对类型，大小与数量受限，记录 SHA-256；只能凭权限经接口下载（随机标识，无可猜测的地址）（R-V6）。"""
    content = await file.read(deps.attachment_max_bytes + 1)
    if len(content) > deps.attachment_max_bytes:
        limit = deps.attachment_max_bytes // (1024 * 1024)
        raise ProblemError(f"附件不能超过 {limit} MB", code="FILE_TOO_LARGE", title="文件过大", status=413)
    name = file.filename or "attachment"

    async def use_case(uow):
        found = await commissioner.attach(
            evaluation_id, content, name, p, uow, max_files=deps.attachments_per_evaluation
        )
        return AttachmentRead(**found)

    return await write(p, use_case, read=as_is, status=201)


@router.get(
    "/attachments/{attachment_id}",
    summary="下载材料附件",
    response_class=Response,
    responses={200: {"description": "附件内容（类型按内容核对）"}},
)
async def download(attachment_id: uuid.UUID, uow: UowDep, p: YearReader):
    """凭权限下载附件（随机标识；无权查看与不存在同样返回 404）。"""
    async with uow:  # read inside: the session's rollback on exit expires what it loaded
        found = await commissioner.attachment_file(attachment_id, p, uow)
        content, content_type, sha256 = found.content, found.content_type, found.sha256
    headers = {
        "Content-Disposition": f'attachment; filename="attachment-{attachment_id}"',
        "X-Content-SHA256": sha256,
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content, media_type=content_type, headers=headers)


@router.put(
    "/commissioner-evaluations/{evaluation_id}/county-assessment",
    response_model=CommissionerEvaluationRead,
    summary="县级考核",
)
async def assess(evaluation_id: uuid.UUID, body: AssessmentIn, write: Write, p: County):
    """企业所在县（市、区）对特派员服务成效考核打分（R-V5）；企业未提交材料的如实记录。"""

    async def use_case(uow):
        return await _evaluation_read(uow, await commissioner.assess(evaluation_id, body.score, body.comments, p, uow))

    return await write(p, use_case, read=as_is)


@router.put(
    "/commissioner-evaluations/{evaluation_id}/result",
    response_model=CommissionerEvaluationRead,
    summary="市级确定结果",
)
async def result(evaluation_id: uuid.UUID, body: ResultIn, write: Write, p: CityBureau):
    """市（地）科技局对照协议约定（聘期、每年服务天数，见 commitment）与县级考核确定年度考评等次（R-V5）。"""

    async def use_case(uow):
        found = await commissioner.determine(evaluation_id, body.grade, body.comments, p, uow)
        return await _evaluation_read(uow, found)

    return await write(p, use_case, read=as_is)


@router.post(
    "/commissioner-evaluations/{evaluation_id}/objections",
    response_model=ObjectionRead,
    status_code=201,
    summary="对拟淘汰提出异议",
)
async def object_to(evaluation_id: uuid.UUID, body: ObjectionIn, write: Write, p: Objector):
    """特派员本人、派出单位或接收企业在异议期内对拟淘汰提出异议，由市（地）科技局处理。"""

    async def use_case(uow):
        return await commissioner.object_to(evaluation_id, body.reason, p, uow)

    return await write(p, use_case, read=_objection, status=201)


@router.post(
    "/commissioner-evaluations/{evaluation_id}/objections/{objection_id}/resolve",
    response_model=ObjectionRead,
    summary="处理异议",
)
async def resolve(evaluation_id: uuid.UUID, objection_id: uuid.UUID, body: ResolutionIn, write: Write, p: CityBureau):
    """异议成立则不予淘汰（排名中注明）；驳回则维持。"""

    async def use_case(uow):
        return await commissioner.resolve(evaluation_id, str(objection_id), body.upheld, body.resolution, p, uow)

    return await write(p, use_case, read=_objection)


@router.get(
    "/commissioner-evaluations/{evaluation_id}/history", response_model=list[AuditEntryRead], summary="考评记录的历史"
)
async def evaluation_history(evaluation_id: uuid.UUID, uow: UowDep, p: YearReader):
    """材料、附件、考核、结果、异议的全部记录（审计日志）。"""
    async with uow:
        await commissioner.get_evaluation(evaluation_id, p, uow)
        return await audit_trail(uow, "commissioner_evaluation", str(evaluation_id))


def _objection(found):
    return ObjectionRead(**found)
