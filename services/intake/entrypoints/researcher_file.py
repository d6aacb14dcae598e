"""A unit's researcher file as the import use case receives it: read, mapped and checked row by row.

CSV (UTF-8 or GBK) or XLSX with Chinese headers and values (博士, 副教授, 是/否 …) are mapped onto the same
schemas a single registration uses, so a row is valid exactly when the same researcher would be valid
entered by hand. Every bad row is collected (the import is all or nothing, ``service_layer.imports``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from pydantic import ValidationError

from services.intake.adapters.spreadsheet import (
    LimitExceeded,
    ResearcherWorkbook,
    Row,
    SpreadsheetError,
    read_researcher_file,
)
from services.intake.domain.commands import ImportedRow
from services.intake.schemas import AchievementIn, ResearcherCreate
from services.intake.service_layer.imports import ImportResearchers
from shared.errors import FieldError, ProblemError, ValidationFailed, field_errors_from_pydantic

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


def _validate_workbook(
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


def read_import(institution_id: uuid.UUID, filename: str, content: bytes) -> ImportResearchers:
    """The file as an import command: valid rows as registrations, bad ones as field errors with their row.
    Blocking (it parses and validates): the route runs it in a worker thread."""
    try:
        book = read_researcher_file(filename, content)
    except LimitExceeded as exc:
        raise ProblemError(str(exc), code="IMPORT_LIMIT_EXCEEDED", title="导入文件超过限制", status=413,
                           extra={"limit": exc.limit, "limit_value": exc.value}) from exc  # fmt: skip
    except SpreadsheetError as exc:
        raise ValidationFailed(str(exc), code="IMPORT_FILE_INVALID") from exc
    valid, achievements, errors = _validate_workbook(book)
    rows = []
    for employee_no, (row, data) in valid.items():
        if achievements is not None:
            data = data.model_copy(update={"achievements": achievements.get(employee_no, [])})
        rows.append(ImportedRow(row.number, data.command()))
    return ImportResearchers(
        institution_id=institution_id,
        filename=filename,
        sheet=book.researcher_sheet,
        rows=tuple(rows),
        replaces_achievements=achievements is not None,
        invalid=tuple(errors),
    )
