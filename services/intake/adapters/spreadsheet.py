"""Read the researcher spreadsheets institutions have: CSV (UTF-8 or GBK, as Excel saves it) or XLSX.

Returns raw text cells keyed by canonical field names; validation happens in the service layer.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

RESEARCHER_HEADERS = {
    "工号": "employee_no",
    "姓名": "name",
    "出生日期": "date_of_birth",
    "最高学位": "highest_degree",
    "学位": "highest_degree",
    "职称": "title",
    "专业技术职称": "title",
    "学科": "disciplines",
    "所属学科": "disciplines",
    "研究方向": "research_fields",
    "研究领域": "research_fields",
    "科研失信记录": "research_misconduct",
    "科研失信": "research_misconduct",
}
ACHIEVEMENT_HEADERS = {
    "工号": "employee_no",
    "类型": "kind",
    "成果类型": "kind",
    "成果名称": "title",
    "名称": "title",
    "摘要": "summary",
    "简介": "summary",
    "年份": "year",
    "关键词": "keywords",
}
ACHIEVEMENT_SHEETS = {"成果", "科技成果", "achievements"}
REQUIRED_RESEARCHER_COLUMNS = {"employee_no", "name", "date_of_birth", "highest_degree", "title", "disciplines"}


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (wrong type, encoding, missing columns)."""


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    cells: dict[str, str]


@dataclass(frozen=True)
class ResearcherWorkbook:
    researchers: list[Row]
    achievements: list[Row] | None  # None: the file has no achievements sheet
    researcher_sheet: str
    achievement_sheet: str | None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(header: list[object], body: list[tuple[int, list[object]]], aliases: dict[str, str]) -> list[Row]:
    keys = []
    for cell in header:
        name = _text(cell)
        keys.append(aliases.get(name, name.lower().replace(" ", "_")))
    out = []
    for number, values in body:
        cells = {k: _text(v) for k, v in zip(keys, values, strict=False) if k}
        if any(cells.values()):
            out.append(Row(number, cells))
    return out


def _decode_csv(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError("CSV 文件编码无法识别（请使用 UTF-8 或 GBK）")


def read_researcher_file(filename: str, content: bytes, *, max_rows: int) -> ResearcherWorkbook:
    name = filename.lower()
    if name.endswith(".csv"):
        lines = list(csv.reader(io.StringIO(_decode_csv(content))))
        if not lines:
            raise SpreadsheetError("文件为空")
        researchers = _rows(lines[0], [(i + 2, r) for i, r in enumerate(lines[1:])], RESEARCHER_HEADERS)
        workbook = ResearcherWorkbook(researchers, None, "csv", None)
    elif name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise SpreadsheetError("无法读取 XLSX 文件，请确认文件未损坏") from exc
        sheets = book.worksheets
        if not sheets:
            raise SpreadsheetError("文件中没有工作表")

        def sheet_rows(sheet, aliases):
            values = list(sheet.iter_rows(values_only=True))
            if not values:
                return []
            return _rows(list(values[0]), [(i + 2, list(r)) for i, r in enumerate(values[1:])], aliases)

        first = sheets[0]
        extra = next((s for s in sheets[1:] if s.title.strip().lower() in ACHIEVEMENT_SHEETS), None)
        workbook = ResearcherWorkbook(
            sheet_rows(first, RESEARCHER_HEADERS),
            sheet_rows(extra, ACHIEVEMENT_HEADERS) if extra is not None else None,
            first.title,
            extra.title if extra is not None else None,
        )
    else:
        raise SpreadsheetError("只支持 .csv 或 .xlsx 文件")
    if not workbook.researchers:
        raise SpreadsheetError("文件中没有科研人员数据行")
    missing = REQUIRED_RESEARCHER_COLUMNS - set(workbook.researchers[0].cells)
    if missing:
        raise SpreadsheetError(
            f"缺少必需的列：{', '.join(sorted(missing))}（可用中文表头：工号、姓名、出生日期、最高学位、职称、学科）"
        )
    if len(workbook.researchers) > max_rows:
        raise SpreadsheetError(f"一次最多导入 {max_rows} 名科研人员")
    return workbook
