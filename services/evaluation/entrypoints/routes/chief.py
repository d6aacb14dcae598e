"""科技总师期满考评 (R-V1–R-V4): evaluations, rounds, the province's consolidation and the Excel workbook."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from services.evaluation.adapters import spreadsheet
from services.evaluation.domain import model as m
from services.evaluation.entrypoints.deps import (
    PROBLEMS,
    ChiefReader,
    Deps,
    Enterprise,
    Evaluator,
    PagingDep,
    Province,
    RoundReader,
    UowDep,
    Write,
    YearQuery,
    as_is,
)
from services.evaluation.schemas import (
    AllocationIn,
    ChiefEvaluationIn,
    ChiefEvaluationRead,
    ChiefRoundRead,
    ConfirmProblemsIn,
    ReasonIn,
    WindowExtensionIn,
)
from services.evaluation.service_layer import chief, views, workbooks
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork
from shared.errors import FieldError, ValidationFailed
from shared.history import AuditEntryRead, audit_trail
from shared.pagination import Page

router = APIRouter(prefix="/evaluation/v1", tags=["evaluation 科技总师期满考评"], responses=PROBLEMS)
MAX_WORKBOOK_BYTES = 5 * 1024 * 1024


async def _evaluation_read(uow: EvaluationUnitOfWork, evaluation: m.ChiefEvaluation) -> ChiefEvaluationRead:
    await uow.flush()
    return ChiefEvaluationRead(**(await views.chief_evaluations(uow, [evaluation]))[0])


async def _round_read(uow: EvaluationUnitOfWork, round_: m.ChiefRound, deps) -> ChiefRoundRead:
    await uow.flush()
    return ChiefRoundRead(**await views.chief_round(uow, round_, deps.cap))


@router.get("/chief-evaluations", response_model=Page[ChiefEvaluationRead], summary="期满考评列表")
async def list_evaluations(
    uow: UowDep,
    page: PagingDep,
    p: ChiefReader,
    year: YearQuery = None,
    status: m.EvaluationStatus | None = None,
    round_id: uuid.UUID | None = None,
):
    """市（地）看本市的（省属国企为省国资委），省科技厅看全部，企业看本企业的；派出单位和专家本人在省科技厅通知后
    看到结果（R-V4）。"""
    async with uow:
        items, total = await chief.list_evaluations(p, uow, page, year=year, status=status, round_id=round_id)
        rows = await views.chief_evaluations(uow, items)
    return Page.of(rows, total, page, lambda r: ChiefEvaluationRead(**r))


@router.get("/chief-evaluations/{evaluation_id}", response_model=ChiefEvaluationRead, summary="查看期满考评")
async def get_evaluation(evaluation_id: uuid.UUID, uow: UowDep, p: ChiefReader):
    """证据（解决的问题及企业确认、成果转化）、各年确认的服务天数、得分与等次。"""
    async with uow:
        return await _evaluation_read(uow, await chief.get_evaluation(evaluation_id, p, uow))


@router.put("/chief-evaluations/{evaluation_id}", response_model=ChiefEvaluationRead, summary="录入期满考评")
async def record(evaluation_id: uuid.UUID, body: ChiefEvaluationIn, write: Write, p: Evaluator):
    """市（地）科技局、工信局（省属国企为省国资委）在聘期届满前一个月内录入（R-V1，期外拒绝并注明考评期）：
    解决的产业问题、派出单位成果转化（R-V2）、考评意见、得分与等次。评为优秀须有企业确认的问题或成果转化记录。"""
    evidence = body.model_dump(mode="json")

    async def use_case(uow):
        return await _evaluation_read(uow, await chief.record(evaluation_id, evidence, p, uow))

    return await write(p, use_case, read=as_is)


@router.post(
    "/chief-evaluations/{evaluation_id}/confirm-problems",
    response_model=ChiefEvaluationRead,
    summary="企业确认解决的问题",
)
async def confirm_problems(evaluation_id: uuid.UUID, body: ConfirmProblemsIn, write: Write, p: Enterprise):
    """接收企业逐项确认专家为其解决的产业问题（R-V2）。"""
    ids = [str(i) for i in body.problem_ids]

    async def use_case(uow):
        return await _evaluation_read(uow, await chief.confirm_problems(evaluation_id, ids, p, uow))

    return await write(p, use_case, read=as_is)


@router.post(
    "/chief-evaluations/{evaluation_id}/window-extension", response_model=ChiefEvaluationRead, summary="例外延长考评期"
)
async def extend_window(evaluation_id: uuid.UUID, body: WindowExtensionIn, write: Write, p: Province):
    """考评主体错过考评期（聘期届满前一个月，R-V1）时，省科技厅可例外延长一次（至多聘期届满后 90 天），理由记录并显示。
    否则该专家无法评定，所在轮次也无法提交。"""

    async def use_case(uow):
        found = await chief.extend_window(evaluation_id, body.until, body.reason, p, uow)
        return await _evaluation_read(uow, found)

    return await write(p, use_case, read=as_is)


@router.get("/chief-rounds", response_model=Page[ChiefRoundRead], summary="考评轮次列表")
async def list_rounds(
    uow: UowDep,
    page: PagingDep,
    p: RoundReader,
    deps: Deps,
    year: YearQuery = None,
    status: m.RoundStatus | None = None,
):
    """每个考评主体（市（地）两局，或省国资委）每年一轮；提交后再进入考评期的专家进入下一轮。"""
    async with uow:
        items, total = await chief.list_rounds(p, uow, page, year=year, status=status)
        rows = [await views.chief_round(uow, r, deps.cap) for r in items]
    return Page.of(rows, total, page, lambda r: ChiefRoundRead(**r))


@router.get("/chief-rounds/{round_id}", response_model=ChiefRoundRead, summary="查看考评轮次")
async def get_round(round_id: uuid.UUID, uow: UowDep, p: RoundReader, deps: Deps):
    """参评人数、各等次人数与按 R-V3 计算的优秀名额上限。"""
    async with uow:
        return await _round_read(uow, await chief.get_round(round_id, p, uow), deps)


@router.post("/chief-rounds/{round_id}/submit", response_model=ChiefRoundRead, summary="提交考评结果")
async def submit(round_id: uuid.UUID, write: Write, p: Evaluator, deps: Deps):
    """全部评定后提交：优秀不超过参评人数的 20%（向下取整；不足 5 人的由省科技厅分配名额，R-V3），超出则拒绝并
    说明人数。市（地）提交后须由另一局会签；省国资委提交即报省科技厅（R-V4）。"""

    async def use_case(uow):
        return await _round_read(uow, await chief.submit(round_id, p, uow, deps.cap), deps)

    return await write(p, use_case, read=as_is)


@router.post("/chief-rounds/{round_id}/confirm", response_model=ChiefRoundRead, summary="另一局会签")
async def confirm(round_id: uuid.UUID, write: Write, p: Evaluator, deps: Deps):
    """市（地）科技局、工信局联合上报：提交方之外的另一局会签后报省科技厅（R-V4）。"""

    async def use_case(uow):
        return await _round_read(uow, await chief.confirm(round_id, p, uow), deps)

    return await write(p, use_case, read=as_is)


@router.post("/chief-rounds/{round_id}/allocation", response_model=ChiefRoundRead, summary="分配优秀名额（省科技厅）")
async def allocate(round_id: uuid.UUID, body: AllocationIn, write: Write, p: Province, deps: Deps):
    """参评不足 5 人的考评主体，优秀只能使用省科技厅分配的名额，并记录理由（R-V3）。"""

    async def use_case(uow):
        round_ = await chief.allocate(round_id, body.places, body.reason, p, uow, deps.cap)
        return await _round_read(uow, round_, deps)

    return await write(p, use_case, read=as_is)


@router.post("/chief-rounds/{round_id}/return", response_model=ChiefRoundRead, summary="退回修改（省科技厅）")
async def return_(round_id: uuid.UUID, body: ReasonIn, write: Write, p: Province, deps: Deps):
    """省科技厅汇总时可退回某一轮并说明理由；考评主体修改后重新提交（R-V4）。"""

    async def use_case(uow):
        return await _round_read(uow, await chief.return_round(round_id, body.reason, p, uow), deps)

    return await write(p, use_case, read=as_is)


@router.post("/chief-rounds/{round_id}/notify", response_model=ChiefRoundRead, summary="通知派出单位（省科技厅）")
async def notify(round_id: uuid.UUID, write: Write, p: Province, deps: Deps):
    """省科技厅将结果通知派出单位（每个单位只看到本单位专家的结果）；优秀专家在后续项目中优先，并作为职称评审、
    职务晋升的参考（R-V4）。"""

    async def use_case(uow):
        return await _round_read(uow, await chief.notify(round_id, p, uow), deps)

    return await write(p, use_case, read=as_is)


@router.get(
    "/chief-rounds/{round_id}/workbook",
    summary="导出考评表（XLSX）",
    response_class=Response,
    responses={200: {"content": {spreadsheet.XLSX: {}}, "description": "考评表，可填写等次后导入"}},
)
async def workbook(round_id: uuid.UUID, uow: UowDep, p: RoundReader, deps: Deps):
    """本轮全部专家：聘期、各年确认服务天数、企业确认的问题、成果转化、得分、等次与意见。填写「得分」「等次」
    「考评意见」三列后可原样导入。"""
    async with uow:
        round_ = await chief.get_round(round_id, p, uow)
        round_view = await views.chief_round(uow, round_, deps.cap)
        rows = await views.chief_evaluations(uow, await uow.chief_evaluations.in_round(round_.id))
    content = spreadsheet.chief_round_workbook(round_view, rows)
    headers = {"Content-Disposition": f'attachment; filename="chief-round-{round_id}.xlsx"'}
    return Response(content, media_type=spreadsheet.XLSX, headers=headers)


@router.post("/chief-rounds/{round_id}/workbook", response_model=ChiefRoundRead, summary="导入考评表（XLSX）")
async def import_workbook(
    round_id: uuid.UUID,
    write: Write,
    p: Evaluator,
    deps: Deps,
    file: Annotated[UploadFile, File(description="导出的考评表，已填写得分、等次、考评意见")],
):
    """整份导入或全部不导入：每一行的错误注明行号（考评期 R-V1、优秀的证据 R-V2 同样适用）。"""
    content = await file.read(MAX_WORKBOOK_BYTES + 1)
    if len(content) > MAX_WORKBOOK_BYTES:
        raise ValidationFailed("考评表不能超过 5 MB", code="FILE_TOO_LARGE")
    try:
        rows = spreadsheet.read_grades(content, comments_column=spreadsheet.CHIEF_COMMENTS)
    except spreadsheet.SheetError as exc:
        raise ValidationFailed(str(exc), code="WORKBOOK_UNREADABLE", errors=[FieldError("file", str(exc))]) from exc

    async def use_case(uow):
        return await _round_read(uow, await workbooks.import_chief_grades(round_id, rows, p, uow), deps)

    return await write(p, use_case, read=as_is)


@router.get("/chief-rounds/{round_id}/history", response_model=list[AuditEntryRead], summary="考评轮次记录")
async def history(round_id: uuid.UUID, uow: UowDep, p: RoundReader):
    """本轮的提交、会签、分配名额、退回、通知、导入等全部记录（审计日志）。"""
    async with uow:
        await chief.get_round(round_id, p, uow)
        return await audit_trail(uow, "chief_round", str(round_id))


@router.get("/chief-evaluations/{evaluation_id}/history", response_model=list[AuditEntryRead], summary="考评记录")
async def evaluation_history(evaluation_id: uuid.UUID, uow: UowDep, p: ChiefReader):
    """录入、企业确认问题等全部记录（审计日志）。"""
    async with uow:
        await chief.get_evaluation(evaluation_id, p, uow)
        return await audit_trail(uow, "chief_evaluation", str(evaluation_id))
