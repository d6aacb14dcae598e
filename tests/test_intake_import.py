"""Bulk import of researchers from CSV / XLSX: row-by-row validation, all or nothing, upsert by 工号."""

from __future__ import annotations

import io
import uuid

from openpyxl import Workbook

from shared.auth import Role
from tests.flows import register_institution
from tests.support import Platform, auth

HEADER = "工号,姓名,出生日期,最高学位,职称,学科,研究方向\n"


def _csv(rows: list[str], encoding: str = "utf-8") -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode(encoding)


async def _import(platform: Platform, institution_id: str, headers, filename: str, content: bytes):
    return await platform["intake"].client.post(
        f"/intake/v1/institutions/{institution_id}/researchers/import",
        files={"file": (filename, content, "application/octet-stream")},
        headers=headers,
    )


async def _researchers(platform: Platform, headers) -> dict[str, dict]:
    items = (await platform["intake"].client.get("/intake/v1/researchers?page_size=100", headers=headers)).json()[
        "items"
    ]
    return {r["employee_no"]: r for r in items}


async def test_csv_import_creates_then_updates_by_employee_number(platform: Platform) -> None:
    institution_id, inst = await register_institution(platform)
    rows = [
        "A001,王磊,1980-05-01,博士,教授,材料科学与工程；化学,高分子材料",
        "A002,李娜,1990-11-20,硕士,讲师,计算机科学与技术,机器视觉",
    ]
    first = await _import(platform, institution_id, inst, "staff.csv", _csv(rows))
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 2 and first.json()["updated"] == 0
    stored = await _researchers(platform, inst)
    assert stored["A001"]["title"] == "senior" and stored["A001"]["disciplines"] == ["材料科学与工程", "化学"]
    assert stored["A002"]["highest_degree"] == "master"

    rows[1] = "A002,李娜,1990-11-20,博士,副教授,计算机科学与技术,机器视觉"
    second = await _import(platform, institution_id, inst, "staff.csv", _csv(rows))
    assert second.json() == second.json() | {"created": 0, "updated": 1}
    assert (await _researchers(platform, inst))["A002"]["title"] == "associate_senior"


async def test_gbk_csv_from_excel_is_read(platform: Platform) -> None:
    institution_id, inst = await register_institution(platform)
    response = await _import(
        platform, institution_id, inst, "名单.csv", _csv(["G1,赵敏,1982-02-02,博士,研究员,作物学,寒地水稻"], "gbk")
    )
    assert response.status_code == 200 and response.json()["created"] == 1
    assert (await _researchers(platform, inst))["G1"]["name"] == "赵敏"


async def test_a_file_with_bad_rows_imports_nothing_and_lists_every_bad_row(platform: Platform) -> None:
    institution_id, inst = await register_institution(platform)
    rows = [
        "B001,周杰,1979-01-01,博士,正高,力学,结构力学",  # good
        "B002,吴昊,2999-01-01,博士,正高,力学,x",  # birth date in the future
        "B003,郑爽,1985-01-01,博士后,教授,力学,x",  # unknown degree
        "B001,钱多,1985-01-01,博士,教授,力学,x",  # duplicate employee number
        ",孙丽,1985-13-01,硕士,中级,,x",  # no number, bad date, no discipline
    ]
    response = await _import(platform, institution_id, inst, "staff.csv", _csv(rows))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "IMPORT_ROWS_INVALID" and "未导入任何数据" in body["detail"]
    found = {(e["row"], e["field"]) for e in body["errors"]}
    assert {
        (3, "date_of_birth"),
        (4, "highest_degree"),
        (5, "employee_no"),
        (6, "employee_no"),
        (6, "date_of_birth"),
        (6, "disciplines"),
    } <= found
    assert not any(e["row"] == 2 for e in body["errors"])
    assert await _researchers(platform, inst) == {}  # not even the good row


async def test_xlsx_with_an_achievements_sheet(platform: Platform) -> None:
    institution_id, inst = await register_institution(platform)
    book = Workbook()
    sheet = book.active
    sheet.title = "科研人员"
    sheet.append(["工号", "姓名", "出生日期", "最高学位", "职称", "学科", "研究方向"])
    from datetime import datetime

    sheet.append(["X1", "陈晨", datetime(1984, 6, 1), "博士", "副研究员", "农业工程", "黑土地保护"])
    sheet.append([2002, "林木", "1988-08-08", "博士", "中级", "林学/林业工程", "寒温带森林"])
    achievements = book.create_sheet("成果")
    achievements.append(["工号", "类型", "成果名称", "摘要", "年份", "关键词"])
    achievements.append(["X1", "专利", "一种黑土保护性耕作装置", "装置说明", 2022, "黑土；保护性耕作"])
    achievements.append(["X1", "论文", "东北黑土区侵蚀研究", "", 2020, "侵蚀"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = await _import(platform, institution_id, inst, "staff.xlsx", buffer.getvalue())
    assert response.status_code == 200, response.text
    assert response.json() == response.json() | {"created": 2, "achievements": 2}
    stored = await _researchers(platform, inst)
    assert stored["X1"]["date_of_birth"] == "1984-06-01"
    assert [a["kind"] for a in stored["X1"]["achievements"]] == ["patent", "paper"]  # newest first
    assert stored["X1"]["achievements"][0]["keywords"] == ["黑土", "保护性耕作"]
    assert stored["2002"]["achievements"] == []

    bad = Workbook()
    bad.active.append(["工号", "姓名", "出生日期", "最高学位", "职称", "学科"])
    bad.active.append(["Y1", "某人", "1980-01-01", "博士", "教授", "数学"])
    extra = bad.create_sheet("achievements")
    extra.append(["工号", "类型", "成果名称", "年份"])
    extra.append(["NOPE", "论文", "孤儿成果", 2020])
    extra.append(["Y1", "报告", "未知类型", 2020])
    buffer = io.BytesIO()
    bad.save(buffer)
    response = await _import(platform, institution_id, inst, "bad.xlsx", buffer.getvalue())
    assert response.status_code == 422
    assert {(e["sheet"], e["row"], e["field"]) for e in response.json()["errors"]} == {
        ("achievements", 2, "employee_no"),
        ("achievements", 3, "kind"),
    }


async def test_unreadable_files_and_other_institutions(platform: Platform) -> None:
    institution_id, inst = await register_institution(platform)
    wrong_type = await _import(platform, institution_id, inst, "staff.pdf", b"%PDF")
    assert wrong_type.status_code == 422 and wrong_type.json()["code"] == "IMPORT_FILE_INVALID"
    missing = await _import(platform, institution_id, inst, "s.csv", "工号,姓名\nA,B\n".encode())
    assert missing.status_code == 422 and "缺少必需的列" in missing.json()["detail"]
    broken = await _import(platform, institution_id, inst, "s.xlsx", b"not a zip")
    assert broken.status_code == 422 and broken.json()["code"] == "IMPORT_FILE_INVALID"
    _, other = await register_institution(platform)
    assert (
        await _import(platform, institution_id, other, "s.csv", _csv(["Z,某,1980-01-01,博士,教授,数学,x"]))
    ).status_code == 403
    assert (await _import(platform, str(uuid.uuid4()), auth(Role.PROVINCE), "s.csv", _csv([]))).status_code == 404
