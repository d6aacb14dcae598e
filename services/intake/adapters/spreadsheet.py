"""Read the researcher spreadsheets institutions have: CSV (UTF-8 or GBK, as Excel saves it) or XLSX.

Returns raw text cells keyed by canonical field names; the fields are checked by the import's schemas.
Reading streams (CSV rows, openpyxl's read-only mode) and every limit applies as it is reached; an XLSX
whose zip parts would inflate beyond the limit is refused before it is opened.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
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


class LimitExceeded(SpreadsheetError):
    """The file is over one of the limits below; ``limit`` names it (the answer says which)."""

    def __init__(self, message: str, limit: str, value: int) -> None:
        super().__init__(message)
        self.limit, self.value = limit, value


@dataclass(frozen=True)
class Limits:
    """What one import may hold. They are checked while reading, before anything large is built."""

    researcher_rows: int = 5000
    achievement_rows: int = 50_000
    cell_chars: int = 5000  # the longest field (an achievement's summary) takes 5,000 characters
    columns: int = 40
    uncompressed_bytes: int = 32 * 1024 * 1024  # an XLSX is a zip: its parts may not inflate beyond this
    zip_members: int = 200


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


def _rows(lines: Iterator[Sequence[object]], aliases: dict[str, str], *, max_rows: int, limits: Limits, sheet: str):
    """Rows as canonical cells, read one at a time with every limit applied as it is reached."""
    header = next(lines, None)
    if header is None:
        return []
    keys = [aliases.get(_text(cell), _text(cell).lower().replace(" ", "_")) for cell in header[: limits.columns]]
    out = []
    for number, values in enumerate(lines, start=2):
        cells = {}
        for key, value in zip(keys, values, strict=False):
            text = _text(value)
            if len(text) > limits.cell_chars:
                raise LimitExceeded(
                    f"{sheet} 第 {number} 行有单元格超过 {limits.cell_chars} 个字符", "cell_chars", limits.cell_chars
                )
            if key:
                cells[key] = text
        if any(cells.values()):
            out.append(Row(number, cells))
            if len(out) > max_rows:
                raise LimitExceeded(f"{sheet} 一次最多导入 {max_rows} 行", "rows", max_rows)
    return out


def _decode_csv(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError("CSV 文件编码无法识别（请使用 UTF-8 或 GBK）")


def _csv_lines(text: str, limits: Limits) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text))
    try:
        yield from reader
    except csv.Error as exc:  # e.g. a field longer than the csv module's own limit
        raise LimitExceeded(f"CSV 第 {reader.line_num} 行无法读取：单元格过长或引号不匹配", "cell_chars",
                            limits.cell_chars) from exc  # fmt: skip


def _check_zip(content: bytes, limits: Limits) -> None:
    """An XLSX is a zip archive: refuse one that would inflate beyond the limit (a zip bomb) before parsing it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise SpreadsheetError("无法读取 XLSX 文件，请确认文件未损坏") from exc
    if len(members) > limits.zip_members:
        raise LimitExceeded(
            f"XLSX 文件的组成部分过多（超过 {limits.zip_members} 个）", "zip_members", limits.zip_members
        )
    inflated, mb = sum(m.file_size for m in members), 1024 * 1024
    if inflated > limits.uncompressed_bytes:
        message = f"XLSX 文件解压后为 {inflated // mb} MB，超过 {limits.uncompressed_bytes // mb} MB 的限制"
        raise LimitExceeded(message, "uncompressed_bytes", limits.uncompressed_bytes)


def read_researcher_file(filename: str, content: bytes, *, limits: Limits = Limits()) -> ResearcherWorkbook:
    """Blocking (it parses): call it off the event loop."""
    name = filename.lower()
    if name.endswith(".csv"):
        lines = _csv_lines(_decode_csv(content), limits)
        researchers = _rows(lines, RESEARCHER_HEADERS, max_rows=limits.researcher_rows, limits=limits, sheet="csv")
        workbook = ResearcherWorkbook(researchers, None, "csv", None)
    elif name.endswith(".xlsx"):
        from openpyxl import load_workbook

        _check_zip(content, limits)
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise SpreadsheetError("无法读取 XLSX 文件，请确认文件未损坏") from exc
        try:
            sheets = book.worksheets
            if not sheets:
                raise SpreadsheetError("文件中没有工作表")
            first = sheets[0]
            extra = next((s for s in sheets[1:] if s.title.strip().lower() in ACHIEVEMENT_SHEETS), None)

            def sheet_rows(sheet, aliases, max_rows):
                lines = sheet.iter_rows(values_only=True, max_col=limits.columns)  # streamed (read-only mode)
                return _rows(lines, aliases, max_rows=max_rows, limits=limits, sheet=sheet.title)

            workbook = ResearcherWorkbook(
                sheet_rows(first, RESEARCHER_HEADERS, limits.researcher_rows),
                sheet_rows(extra, ACHIEVEMENT_HEADERS, limits.achievement_rows) if extra is not None else None,
                first.title,
                extra.title if extra is not None else None,
            )
        finally:
            book.close()
    else:
        raise SpreadsheetError("只支持 .csv 或 .xlsx 文件")
    if not workbook.researchers:
        raise SpreadsheetError("文件中没有科研人员数据行")
    missing = REQUIRED_RESEARCHER_COLUMNS - set(workbook.researchers[0].cells)
    if missing:
        raise SpreadsheetError(
            f"缺少必需的列：{', '.join(sorted(missing))}（可用中文表头：工号、姓名、出生日期、最高学位、职称、学科）"
        )
    return workbook
