"""The list as the bureaus use it: an Excel workbook (openpyxl), one row per person."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from services.agreements.domain.model import LIST_LIFECYCLE
from shared.regions import CITIES
from shared.vocabulary import LABELS, Programme

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "序号",
    "姓名",
    "职称",
    "派出单位",
    "接收企业",
    "统一社会信用代码",
    "所在市（地）",
    "省属国企",
    "状态",
    "移除原因",
]


def list_workbook(view: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "选派名单"
    programme = LABELS[Programme][view["programme"]]
    sheet.append([f"{programme}选派名单（{LIST_LIFECYCLE.label(view['status'])}）"])
    sheet["A1"].font = Font(bold=True, size=14)
    if view.get("notice_starts_on"):
        sheet.append([f"公示期：{view['notice_starts_on']} 至 {view['notice_ends_on']}"])
    if view.get("document_number"):
        sheet.append([f"文号：{view['document_number']}（{view['published_on']}）"])
    sheet.append(HEADER)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    ordered = sorted(view["entries"], key=lambda e: (not e["active"], e["city_code"], e["researcher_name"] or ""))
    for number, entry in enumerate(ordered, start=1):
        sheet.append(
            [
                number,
                entry["researcher_name"],
                entry["researcher_title"],
                entry["institution_name"],
                entry["enterprise_name"],
                entry["enterprise_id"],
                CITIES.get(entry["city_code"], entry["city_code"]),
                "是" if entry["is_soe"] else "否",
                "在名单中" if entry["active"] else "已移除",
                entry["removal_reason"] or "",
            ]
        )
    for column, width in zip("ABCDEFGHIJ", (6, 10, 10, 28, 30, 22, 14, 8, 10, 40), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
