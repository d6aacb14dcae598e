"""Hostile input, class by class: every bad request is a 4xx problem+json, never a 500 (the fix for each class is
one mechanism — bounded types, the body limit, streamed imports — and this file keeps each from coming back)."""

from __future__ import annotations

import asyncio
import io
import threading
import uuid
import zipfile

from shared.auth import Role
from tests.factories import enterprise_body, institution_body
from tests.flows import PROVINCE, register_enterprise, register_institution, register_researcher
from tests.support import Platform, auth


def _is_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    if code:
        assert body["code"] == code, body
    return body


async def test_nul_characters_are_refused_in_stored_text_searches_and_paths(platform: Platform) -> None:
    client = platform["intake"].client
    stored = await client.post(
        "/intake/v1/institutions", json=institution_body(name="测试\u0000大学"), headers=PROVINCE
    )
    assert _is_problem(stored, 422)["errors"][0]["field"] == "name"
    listed = await client.get("/intake/v1/needs", params={"q": "秸秆\u0000"}, headers=PROVINCE)
    assert _is_problem(listed, 422)["errors"][0]["field"] == "q"
    for path in (
        "/intake/v1/enterprises/%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00",
        "/intake/v1/needs/%00",
    ):
        _is_problem(await client.get(path, headers=PROVINCE), 422)
    keywords = await client.post(
        "/intake/v1/enterprises", json=enterprise_body(county="南岗\u0000区"), headers=PROVINCE
    )
    assert _is_problem(keywords, 422)["errors"][0]["field"] == "county"


async def test_huge_and_out_of_range_numbers_are_refused_on_every_list(platform: Platform) -> None:
    for name in ("intake", "matching"):
        client = platform[name].client
        document = (await client.get(f"/{name}/openapi.json")).json()
        lists = [
            p
            for p, ops in document["paths"].items()
            if any(x["name"] == "page" for x in ops.get("get", {}).get("parameters", []))
        ]
        assert lists, name
        for path in lists:
            if "{" in path:
                continue
            answer = await client.get(
                path, params={"page": 9223372036854775807}, headers=auth(Role.OPS if "/ops/" in path else Role.PROVINCE)
            )
            assert _is_problem(answer, 422)["errors"][0]["field"] == "page", path
    intake, matching = platform["intake"].client, platform["matching"].client
    _is_problem(await intake.get("/intake/v1/batches", params={"year": 2147483648}, headers=PROVINCE), 422)
    _is_problem(await matching.get(f"/matching/v1/needs/{uuid.uuid4()}/proposals/2147483648", headers=PROVINCE), 422)


async def test_an_explicit_null_in_an_edit_is_refused_naming_the_field(platform: Platform, batches: dict) -> None:
    client = platform["intake"].client
    code, _ = await register_enterprise(platform)
    institution_id, unit = await register_institution(platform)
    researcher = await register_researcher(platform, institution_id, unit)
    edits = [
        (f"/intake/v1/batches/{batches['chief_technologist']}", {"closed_early": None}),
        (f"/intake/v1/enterprises/{code}", {"name": None}),
        (f"/intake/v1/researchers/{researcher['id']}", {"research_misconduct": None}),
        (f"/intake/v1/institutions/{institution_id}", {"affiliation": None}),
    ]
    for path, body in edits:
        answer = await client.patch(path, json=body, headers=PROVINCE)
        assert _is_problem(answer, 422)["errors"][0]["field"] == next(iter(body)), path
    # A field that may really be empty still may: an institution outside Heilongjiang has no city.
    outside = await client.patch(
        f"/intake/v1/institutions/{institution_id}", json={"city_code": None}, headers=PROVINCE
    )
    assert outside.status_code == 200 and outside.json()["city_code"] is None


async def test_names_lists_drop_blanks_and_repeats_and_windows_and_codes_are_real(platform: Platform) -> None:
    client = platform["intake"].client
    institution_id, unit = await register_institution(platform)
    researcher = await register_researcher(platform, institution_id, unit)
    edited = await client.patch(
        f"/intake/v1/researchers/{researcher['id']}", json={"disciplines": ["机械工程", "机械工程", " "]}, headers=unit
    )
    assert edited.status_code == 200 and edited.json()["disciplines"] == ["机械工程"]
    forever = {
        "programme": "commissioner",
        "year": 2099,
        "title": "永久征集",
        "opens_on": "0001-01-01",
        "closes_on": "9999-12-31",
    }
    assert _is_problem(await client.post("/intake/v1/batches", json=forever, headers=PROVINCE), 422)["rule_ids"] == [
        "R-F1"
    ]
    ligature = enterprise_body()
    ligature["credit_code"] = ligature["credit_code"][:16] + "\ufb00"  # "ﬀ".upper() is "FF": 18 characters after
    refused = _is_problem(await client.post("/intake/v1/enterprises", json=ligature, headers=PROVINCE), 422)
    assert refused["errors"][0]["rule_ids"] == ["R-C7"]


async def test_a_body_over_the_limit_and_a_broken_body_are_refused_before_any_work(platform: Platform) -> None:
    client = platform["intake"].client
    limit = platform["intake"].runtime.settings.http_max_body_bytes
    huge = b'{"name": "' + b"x" * (limit + 1) + b'"}'
    answer = await client.post(
        "/intake/v1/institutions", content=huge, headers=PROVINCE | {"Content-Type": "application/json"}
    )
    assert _is_problem(answer, 413, "BODY_TOO_LARGE")["limit_bytes"] == limit
    broken = await client.post(
        "/intake/v1/institutions", content=b'{"name": ', headers=PROVINCE | {"Content-Type": "application/json"}
    )
    error = _is_problem(broken, 422)["errors"][0]
    assert error["field"] == "(body)" and "JSON" in error["message"]
    garbage = await client.post(
        "/intake/v1/institutions", content=b"\xff\xfe\x00", headers=PROVINCE | {"Content-Type": "application/json"}
    )
    _is_problem(garbage, 422)


async def test_a_correlation_id_that_is_not_one_is_replaced(platform: Platform) -> None:
    for bad in ("id with spaces", "x" * 65, "bad\xe9id".encode("latin-1")):
        answer = await platform["intake"].client.get("/healthz", headers={"X-Correlation-ID": bad})
        assert answer.status_code == 200 and len(answer.headers["x-correlation-id"]) == 32, bad
    kept = await platform["intake"].client.get("/healthz", headers={"X-Correlation-ID": "trace-123"})
    assert kept.headers["x-correlation-id"] == "trace-123"


# ------------------------------------------------------------------ imports
def _zip_bomb(inflated_mb: int = 40) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<x>" + b"0" * (inflated_mb * 1024 * 1024) + b"</x>")
    return buffer.getvalue()


async def _import(platform: Platform, institution_id: str, headers, filename: str, content: bytes):
    return await platform["intake"].client.post(
        f"/intake/v1/institutions/{institution_id}/researchers/import",
        files={"file": (filename, content, "application/octet-stream")},
        headers=headers,
    )


async def test_a_zip_bomb_and_an_oversized_cell_are_refused_naming_the_limit(platform: Platform) -> None:
    institution_id, unit = await register_institution(platform)
    bomb = _zip_bomb()
    assert len(bomb) < 200_000  # tiny on the wire, 40 MB inflated
    refused = _is_problem(
        await _import(platform, institution_id, unit, "staff.xlsx", bomb), 413, "IMPORT_LIMIT_EXCEEDED"
    )
    assert refused["limit"] == "uncompressed_bytes"
    cell = (
        "工号,姓名,出生日期,最高学位,职称,学科,研究方向\nA1,王磊,1980-05-01,博士,教授,化学,"
        + "长" * (4_900_000 // 3)
        + "\n"
    ).encode()
    answer = _is_problem(await _import(platform, institution_id, unit, "staff.csv", cell), 413, "IMPORT_LIMIT_EXCEEDED")
    assert answer["limit"] == "cell_chars" and answer["limit_value"] == 5000


async def test_the_service_keeps_answering_while_a_large_file_is_parsed(platform: Platform, monkeypatch) -> None:
    """The file is parsed in a worker thread, never on the event loop: health checks are answered meanwhile."""
    from services.intake.entrypoints import researcher_file
    from services.intake.entrypoints.routes import institutions

    parsed_on: list[int] = []

    def recording(*args):
        parsed_on.append(threading.get_ident())
        return researcher_file.read_import(*args)

    monkeypatch.setattr(institutions, "read_import", recording)
    institution_id, unit = await register_institution(platform)
    rows = "".join(f"B{i:05d},王磊{i},1980-05-01,博士,教授,化学,高分子材料{i}\n" for i in range(1500))
    content = ("工号,姓名,出生日期,最高学位,职称,学科,研究方向\n" + rows).encode()
    client = platform["intake"].client
    import_task = asyncio.create_task(_import(platform, institution_id, unit, "staff.csv", content))
    answered_during = 0
    while not import_task.done():
        health = await client.get("/healthz")
        assert health.status_code == 200
        answered_during += not import_task.done()
        await asyncio.sleep(0)
    assert (await import_task).status_code == 200
    assert answered_during > 0
    assert parsed_on and parsed_on[0] != threading.get_ident()  # not the event loop's thread


async def test_two_requests_racing_to_create_the_same_record_get_201_and_409_never_a_500(platform: Platform) -> None:
    """Both pass the use case's own "does it exist?" check; the database's unique constraint stops the second at
    commit. That is the client's conflict (409 ALREADY_EXISTS), not a server error — found by schemathesis running
    two roles at once."""
    client = platform["intake"].client
    for _ in range(3):  # a race may or may not happen on a given try; neither outcome may be a 500
        body = enterprise_body()
        own = auth(Role.ENTERPRISE, enterprise_id=body["credit_code"])
        answers = await asyncio.gather(
            *[client.post("/intake/v1/enterprises", json=body, headers=h) for h in (PROVINCE, own, PROVINCE)]
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses[0] == 201 and statuses[1:] == [409, 409], [a.text for a in answers]
        conflicts = {a.json()["code"] for a in answers if a.status_code == 409}
        assert conflicts <= {"ALREADY_EXISTS", "ENTERPRISE_ALREADY_REGISTERED"}
