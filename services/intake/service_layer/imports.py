"""Bulk import of researchers by their dispatching unit — validated row by row, all or nothing.

A file with any bad row imports nothing and the answer lists every bad row, its field and why.
Rows are matched to existing researchers by 工号 (employee number): new ones are registered,
known ones updated. With an achievements sheet, it replaces the achievements of the researchers
it lists.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from pydantic import ValidationError

from services.intake.adapters.spreadsheet import ResearcherWorkbook, Row, SpreadsheetError, read_researcher_file
from services.intake.domain import model as m
from services.intake.schemas import AchievementIn, ImportResult, ResearcherCreate, ResearcherUpdate
from services.intake.service_layer.registries import apply_researcher_update, new_researcher
from services.intake.service_layer.snapshots import researcher_fields
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared.auth import Principal, Role
from shared.errors import FieldError, Forbidden, NotFound, ProblemError, ValidationFailed, field_errors_from_pydantic
from shared.events import contracts as c

MAX_ROWS = 5000

DEGREES = {
    "博士": "doctorate",
    "博士研究生": "doctorate",
    "硕士": "master",
    "硕士研究生": "master",
    "学士": "bachelor",
    "本科": "bachelor",
    "其他": "other",
}
TITLES = {
    "正高": "senior",
    "正高级": "senior",
    "教授": "senior",
    "研究员": "senior",
    "副高": "associate_senior",
    "副高级": "associate_senior",
    "副教授": "associate_senior",
    "副研究员": "associate_senior",
    "中级": "intermediate",
    "讲师": "intermediate",
    "助理研究员": "intermediate",
    "初级": "junior",
    "助教": "junior",
    "无": "none",
}
KINDS = {"论文": "paper", "专利": "patent", "项目": "project", "产品": "product"}
YES = {"是", "有", "true", "yes", "1", "y"}
NO = {"否", "无", "false", "no", "0", "n", ""}


def _split(value: str) -> list[str]:
    for sep in ("；", "，", "、", "|", ","):
        value = value.replace(sep, ";")
    return [v.strip() for v in value.split(";") if v.strip()]


def _bool(value: str) -> bool | str:
    v = value.strip().lower()
    return True if v in YES else False if v in NO else value


def _researcher_payload(cells: dict[str, str]) -> dict:
    payload: dict = {k: cells[k] for k in ("employee_no", "name", "date_of_birth") if k in cells}
    payload["highest_degree"] = DEGREES.get(cells.get("highest_degree", ""), cells.get("highest_degree", ""))
    payload["title"] = TITLES.get(cells.get("title", ""), cells.get("title", ""))
    payload["disciplines"] = _split(cells.get("disciplines", ""))
    payload["research_fields"] = cells.get("research_fields", "")
    payload["research_misconduct"] = _bool(cells.get("research_misconduct", ""))
    return payload


def _achievement_payload(cells: dict[str, str]) -> dict:
    return {
        "kind": KINDS.get(cells.get("kind", ""), cells.get("kind", "")),
        "title": cells.get("title", ""),
        "summary": cells.get("summary", ""),
        "year": cells.get("year", ""),
        "keywords": _split(cells.get("keywords", "")),
    }


def _row_errors(exc: ValidationError, row: Row, sheet: str) -> list[FieldError]:
    errors = field_errors_from_pydantic(list(exc.errors()))
    for e in errors:
        e.row, e.sheet = row.number, sheet
    return errors


def validate_workbook(
    book: ResearcherWorkbook,
) -> tuple[dict[str, tuple[Row, ResearcherCreate]], dict[str, list[AchievementIn]] | None, list[FieldError]]:
    errors: list[FieldError] = []
    valid: dict[str, tuple[Row, ResearcherCreate]] = {}
    seen: dict[str, int] = {}
    for row in book.researchers:
        employee_no = row.cells.get("employee_no", "")
        if employee_no and employee_no in seen:
            errors.append(
                FieldError(
                    "employee_no",
                    f"工号 {employee_no} 与第 {seen[employee_no]} 行重复",
                    row=row.number,
                    sheet=book.researcher_sheet,
                )
            )
            continue
        seen[employee_no] = row.number
        try:
            valid[employee_no] = (row, ResearcherCreate.model_validate(_researcher_payload(row.cells)))
        except ValidationError as exc:
            errors.extend(_row_errors(exc, row, book.researcher_sheet))

    achievements: dict[str, list[AchievementIn]] | None = None
    if book.achievements is not None:
        achievements = defaultdict(list)
        sheet = book.achievement_sheet or "achievements"
        for row in book.achievements:
            employee_no = row.cells.get("employee_no", "")
            if employee_no not in seen:
                errors.append(
                    FieldError(
                        "employee_no", f"工号 {employee_no or '（空）'} 不在科研人员表中", row=row.number, sheet=sheet
                    )
                )
                continue
            try:
                achievements[employee_no].append(AchievementIn.model_validate(_achievement_payload(row.cells)))
            except ValidationError as exc:
                errors.extend(_row_errors(exc, row, sheet))
    return valid, achievements, errors


async def import_researchers(
    institution_id: uuid.UUID, filename: str, content: bytes, p: Principal, uow: IntakeUnitOfWork
) -> ImportResult:
    if not (p.role is Role.PROVINCE or (p.role is Role.INSTITUTION and p.institution_id == str(institution_id))):
        raise Forbidden("只能导入本单位的科研人员", code="ROLE_FORBIDDEN")
    if await uow.institutions.get(institution_id) is None:
        raise NotFound("派出单位不存在", code="INSTITUTION_NOT_FOUND")
    try:
        book = read_researcher_file(filename, content, max_rows=MAX_ROWS)
    except SpreadsheetError as exc:
        raise ValidationFailed(str(exc), code="IMPORT_FILE_INVALID") from exc

    valid, achievements, errors = validate_workbook(book)
    existing = await uow.researchers.by_employee_numbers(institution_id, list(valid))
    created = updated = n_achievements = 0
    ids: list[uuid.UUID] = []
    changed: list[tuple[m.Researcher, bool]] = []  # (researcher, newly registered)
    for employee_no, (row, data) in valid.items():
        if achievements is not None:
            data = data.model_copy(update={"achievements": achievements.get(employee_no, [])})
        n_achievements += len(data.achievements)
        researcher = existing.get(employee_no)
        if researcher is None:
            researcher = new_researcher(institution_id, data)
            uow.researchers.add(researcher)
            created += 1
            changed.append((researcher, True))
        else:
            update = ResearcherUpdate.model_validate(
                data.model_dump(exclude={"employee_no"} | (set() if achievements is not None else {"achievements"}))
            )
            try:
                changes = apply_researcher_update(researcher, update, p)
            except ProblemError as exc:
                errors.extend(
                    FieldError(e.field, e.message, e.rule_ids, row.number, book.researcher_sheet) for e in exc.errors
                )
                continue
            if changes:
                researcher.updated_at = m.now()
                updated += 1
                changed.append((researcher, False))
        ids.append(researcher.id)
    if errors:
        errors.sort(key=lambda e: (e.sheet or "", e.row or 0))
        raise ValidationFailed(
            f"文件中有 {len({(e.sheet, e.row) for e in errors})} 行未通过校验，未导入任何数据",
            code="IMPORT_ROWS_INVALID",
            errors=errors,
        )
    await uow.session.flush()
    for researcher, is_new in changed:
        cls = c.ResearcherRegisteredV1 if is_new else c.ResearcherProfileUpdatedV1
        uow.emit(cls(**researcher_fields(researcher)))
    await uow.record_audit(
        p,
        "researchers.imported",
        "institution",
        str(institution_id),
        {"file": filename, "created": created, "updated": updated, "achievements": n_achievements},
    )
    return ImportResult(created=created, updated=updated, achievements=n_achievements, researcher_ids=ids)
