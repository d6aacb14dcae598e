"""派出单位 registry."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile

from services.intake.domain import model as m
from services.intake.entrypoints.deps import ANY_ROLE, PROBLEMS, PagingDep, UowDep, Write
from services.intake.entrypoints.researcher_file import read_import
from services.intake.schemas import (
    ImportResult,
    InstitutionCreate,
    InstitutionRead,
    InstitutionUpdate,
    ResearcherCreate,
    ResearcherRead,
)
from services.intake.service_layer import imports, registries
from shared.auth import Principal
from shared.errors import Forbidden, ProblemError
from shared.history import AuditEntryRead, audit_trail
from shared.http import require_roles
from shared.pagination import Page
from shared.types import SearchQuery
from shared.vocabulary import Role

router = APIRouter(prefix="/intake/v1/institutions", tags=["institutions 派出单位"], responses=PROBLEMS)
MAX_IMPORT_BYTES = 5 * 1024 * 1024
ProvinceOrUnit = Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.INSTITUTION))]
read = InstitutionRead.model_validate


@router.post("", status_code=201, response_model=InstitutionRead, summary="登记派出单位（省科技厅）")
async def create(body: InstitutionCreate, write: Write, p: Annotated[Principal, Depends(require_roles(Role.PROVINCE))]):
    """省科技厅登记派出单位（高校或科研院所），含隶属关系与学科（R-U1、R-U2）。"""
    return await write.created(
        p, lambda uow: registries.create_institution(body.command(), p, uow), read=read, at="/intake/v1/institutions"
    )


@router.get("", response_model=Page[InstitutionRead], summary="派出单位列表")
async def list_(
    uow: UowDep,
    page: PagingDep,
    _: Annotated[Principal, Depends(ANY_ROLE)],
    kind: m.InstitutionKind | None = None,
    affiliation: m.Affiliation | None = None,
    q: SearchQuery("按名称搜索") = None,
):
    """派出单位列表（任何角色可见），可按类型与隶属关系筛选，按名称搜索。"""
    async with uow:
        items, total = await uow.institutions.list(page, kind=kind, affiliation=affiliation, q=q)
        return Page.of(items, total, page, read)


@router.get("/{institution_id}", response_model=InstitutionRead, summary="查看派出单位")
async def get(institution_id: uuid.UUID, uow: UowDep, _: Annotated[Principal, Depends(ANY_ROLE)]):
    """查看派出单位。"""
    async with uow:
        return read(await registries.get_institution(institution_id, uow))


@router.patch(
    "/{institution_id}", response_model=InstitutionRead, summary="修改派出单位（省科技厅；单位可维护本单位学科）"
)
async def update(institution_id: uuid.UUID, body: InstitutionUpdate, write: Write, p: ProvinceOrUnit):
    """修改派出单位：省科技厅可改全部；派出单位只能维护本单位的学科信息（R-U2）。"""
    return await write(p, lambda uow: registries.update_institution(institution_id, body.command(), p, uow), read=read)


@router.get("/{institution_id}/history", response_model=list[AuditEntryRead], summary="变更记录")
async def history(institution_id: uuid.UUID, uow: UowDep, p: ProvinceOrUnit):
    """派出单位的变更记录（省科技厅，或本单位）。"""
    if p.role is Role.INSTITUTION and p.institution_id != str(institution_id):
        raise Forbidden("只能查看本单位的变更记录", code="OUT_OF_SCOPE")
    async with uow:
        await registries.get_institution(institution_id, uow)
        return await audit_trail(uow, "institution", str(institution_id))


@router.post(
    "/{institution_id}/researchers",
    status_code=201,
    response_model=ResearcherRead,
    tags=["researchers 科研人员"],
    summary="登记本单位科研人员",
)
async def create_researcher(institution_id: uuid.UUID, body: ResearcherCreate, write: Write, p: ProvinceOrUnit):
    """派出单位登记本单位科研人员（工号在单位内唯一），可同时登记其科技成果。"""
    return await write.created(
        p,
        lambda uow: registries.create_researcher(institution_id, body.command(), p, uow),
        read=ResearcherRead.model_validate,
        at="/intake/v1/researchers",
    )


@router.post(
    "/{institution_id}/researchers/import",
    response_model=ImportResult,
    tags=["researchers 科研人员"],
    summary="批量导入科研人员（CSV 或 XLSX；任一行有误则全部不导入）",
)
async def import_researchers(
    institution_id: uuid.UUID,
    write: Write,
    p: ProvinceOrUnit,
    file: Annotated[UploadFile, File(description="科研人员表；XLSX 可附“成果”工作表")],
):
    """批量导入本单位科研人员：CSV（UTF-8 或 GBK）或 XLSX，中文表头（工号、姓名、出生日期、最高学位、职称、学科，
    可选研究方向、科研失信记录）；XLSX 可附“成果”工作表。按工号新增或更新。任一行有误则全部不导入，
    422 列出每个出错的行、字段与原因。"""
    content = await file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise ProblemError("文件不能超过 5 MB", code="IMPORT_FILE_TOO_LARGE", title="导入文件超过限制", status=413,
                           extra={"limit": "file_bytes", "limit_value": MAX_IMPORT_BYTES})  # fmt: skip

    async def import_file(uow):
        await imports.check_may_import(institution_id, p, uow)  # who and where first: a stranger learns nothing
        command = await asyncio.to_thread(read_import, institution_id, file.filename or "", content)  # off the loop
        return await imports.import_researchers(command, p, uow)

    return await write(p, import_file, read=ImportResult.model_validate)
