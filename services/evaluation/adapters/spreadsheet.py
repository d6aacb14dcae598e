"""The rounds as the bureaus use them: XLSX workbooks (openpyxl). A 总师 round exports with a grade column the
evaluators fill in; the same workbook imports back (read-only mode, bounded before it is opened)."""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from services.evaluation.domain.rules import GRADE_LABELS, Grade
from shared.regions import CITIES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHIEF_HEADER = ["考评记录ID", "专家", "派出单位", "接收企业", "聘期", "各年度确认服务天数", "企业确认的问题",
                "成果转化", "得分", "等次", "考评意见"]  # fmt: skip
COMMISSIONER_HEADER = ["考评记录ID", "特派员", "派出单位", "接收企业", "县（市、区）", "本年度确认服务天数", "企业材料",
                       "县级考核得分", "等次", "市级意见", "排名", "拟淘汰"]  # fmt: skip
GRADE_BY_LABEL = {label: grade for grade, label in GRADE_LABELS.items()}
MAX_ROWS, MAX_UNZIPPED = 5000, 50 * 1024 * 1024
ID_COLUMN = "考评记录ID"
CHIEF_COMMENTS, CITY_COMMENTS = "考评意见", "市级意见"


class SheetError(ValueError):
    """The workbook as a whole cannot be read."""


@dataclass(frozen=True)
class GradeRow:
    row: int
    evaluation_id: uuid.UUID | None
    score: float | None
    grade: Grade | None
    grade_label: str
    comments: str


def _book(title: str, header: list[str], rows: list[list[Any]], widths: tuple[int, ...]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "考评"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def chief_round_workbook(round_view: dict[str, Any], evaluations: list[dict[str, Any]]) -> bytes:
    title = f"{round_view['body_label']} {round_view['year']} 年科技总师期满考评（第 {round_view['sequence']} 轮）"
    rows = [
        [
            str(e["id"]), e["researcher_name"], e["institution_name"], e["enterprise_name"],
            f"{e['term_start']} 至 {e['term_end']}",
            "；".join(f"第{s['year']}年 {s['confirmed_days']}/{s['required_days']} 天" for s in e["service"]),
            "；".join(_problem(p) for p in e["problems"]),
            "；".join(f"{a['title']}（{a['reference']}）" for a in e["achievements"]),
            e["score"], e["grade_label"] or "", e["comments"] or "",
        ]
        for e in evaluations
        if e["status"] != "withdrawn"
    ]  # fmt: skip
    return _book(title, CHIEF_HEADER, rows, (38, 10, 24, 28, 24, 30, 40, 30, 8, 8, 40))


def _problem(p: dict[str, Any]) -> str:
    return p["description"] + ("（企业已确认）" if p.get("confirmed_at") else "（企业未确认）")


def commissioner_round_workbook(round_view: dict[str, Any], evaluations: list[dict[str, Any]]) -> bytes:
    city = CITIES.get(round_view["city_code"], round_view["city_code"])
    ranks = {r["evaluation_id"]: r for r in round_view["ranking"]}
    rows = []
    for e in evaluations:
        rank = ranks.get(str(e["id"]))
        material = e["material"] or {}
        rows.append([
            str(e["id"]), e["researcher_name"], e["institution_name"], e["enterprise_name"], e["county"],
            e["prefilled"]["confirmed_service_days"], material.get("capability_gained", "（未提交）"),
            e["county_score"], e["grade_label"] or "", e["city_comments"] or "",
            f"{rank['rank']}/{rank['ranked']}" if rank else "", "是" if rank and rank["proposed"] else "",
        ])  # fmt: skip
    title = f"{city} {round_view['year']} 年度企业科技特派员考评"
    return _book(title, COMMISSIONER_HEADER, rows, (38, 10, 24, 28, 12, 10, 40, 10, 8, 40, 8, 8))


def read_grades(content: bytes, *, comments_column: str) -> list[GradeRow]:
    """The rows of a filled-in round workbook (either programme: the same first column, 等次 and a comments column);
    cells are checked by the caller, row by row."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            if sum(i.file_size for i in package.infolist()) > MAX_UNZIPPED:
                raise SheetError("文件解压后过大")
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except SheetError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SheetError("不是有效的 XLSX 文件") from exc
    header: list[str] | None = None
    out: list[GradeRow] = []
    for number, cells in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
        values = ["" if v is None else str(v).strip() for v in cells]
        if header is None:
            if values[:1] == [ID_COLUMN]:
                header = values
            elif number > 5:
                break
            continue
        if not any(values):
            continue
        if len(out) >= MAX_ROWS:
            raise SheetError(f"至多 {MAX_ROWS} 行")
        out.append(_grade_row(number, dict(zip(header, values, strict=False)), comments_column))
    if header is None:
        raise SheetError(f"找不到表头（第一列应为「{ID_COLUMN}」）")
    return out


def _grade_row(number: int, cell: dict[str, str], comments_column: str) -> GradeRow:
    try:
        evaluation_id: uuid.UUID | None = uuid.UUID(cell.get(ID_COLUMN, ""))
    except ValueError:
        evaluation_id = None
    try:
        score = float(cell["得分"]) if cell.get("得分") else None
    except ValueError:
        score = float("nan")
    label = cell.get("等次", "")
    return GradeRow(number, evaluation_id, score, GRADE_BY_LABEL.get(label), label, cell.get(comments_column, ""))
