"""Who may call what in agreements, as a matrix of role × endpoint: every other role is 403 ROLE_FORBIDDEN, and
without a token 401 — except the public notice (R-F7), which answers everyone without a login."""

from __future__ import annotations

import uuid

import pytest

from shared.auth import Bureau, Role
from tests.factories import HARBIN
from tests.support import Platform, assert_admits_exactly, auth

E, C, S, P, INST, R, OPS = "enterprise", "city_bureau", "sasac", "province", "institution", "researcher", "ops"
CO = "county"  # 县（市、区）: only the 特派员 yearly records in evaluation; nothing here
ALL = {E, C, S, P, INST, R, OPS, CO}
SOME_ID = str(uuid.uuid4())
A = "/agreements/v1"
STARTS = "2027-01-12T09:00:00+08:00"

# (method, path, body, roles admitted)
ENDPOINTS = [
    ("GET", f"{A}/pairs", None, {P, C, S, E, INST}),
    ("GET", f"{A}/pairs/{SOME_ID}", None, {P, C, S, E, INST}),
    ("GET", f"{A}/pairs/{SOME_ID}/history", None, {P, C, S, E, INST}),
    ("POST", f"{A}/pairs/{SOME_ID}/intent", {}, {C, S}),
    ("POST", f"{A}/pairs/{SOME_ID}/no-intent", {"reason": "方向不一致"}, {C, S}),
    ("POST", f"{A}/pairs/{SOME_ID}/report", None, {C, S}),
    ("POST", f"{A}/meetings", {"pair_ids": [SOME_ID], "starts_at": STARTS, "place": "会议室"}, {C, S}),
    ("GET", f"{A}/meetings", None, {P, C, S}),
    ("GET", f"{A}/meetings/{SOME_ID}", None, {P, C, S}),
    ("GET", f"{A}/meetings/{SOME_ID}/history", None, {P, C, S}),
    ("POST", f"{A}/meetings/{SOME_ID}/reschedule", {"starts_at": STARTS, "reason": "改期原因"}, {C, S}),
    ("POST", f"{A}/meetings/{SOME_ID}/cancel", {"reason": "取消原因"}, {C, S}),
    ("POST", f"{A}/lists", {"batch_id": SOME_ID}, {P}),
    ("GET", f"{A}/lists", None, {P}),
    ("GET", f"{A}/lists/{SOME_ID}", None, {P}),
    ("GET", f"{A}/lists/{SOME_ID}/export.xlsx", None, {P}),
    ("GET", f"{A}/lists/{SOME_ID}/history", None, {P}),
    ("POST", f"{A}/lists/{SOME_ID}/remove", {"pair_id": SOME_ID, "reason": "调减理由"}, {P}),
    ("POST", f"{A}/lists/{SOME_ID}/restore", {"pair_id": SOME_ID, "reason": "恢复理由"}, {P}),
    ("POST", f"{A}/lists/{SOME_ID}/approve", {"meeting_date": "2026-12-10", "minutes_reference": "纪要"}, {P}),
    ("POST", f"{A}/lists/{SOME_ID}/notice", {}, {P}),
    ("POST", f"{A}/lists/{SOME_ID}/publish", {"document_number": "文号", "published_on": "2026-12-20"}, {P}),
    ("GET", f"{A}/objections", None, {P}),
    ("GET", f"{A}/objections/{SOME_ID}", None, {P}),
    ("POST", f"{A}/objections/{SOME_ID}/resolve", {"outcome": "dismissed", "reason": "不属实"}, {P}),
    ("GET", f"{A}/calendar/years", None, ALL),
    ("PUT", f"{A}/calendar/years/2031", {"reference": "测试文件", "holidays": [], "adjusted_working_days": []}, {P}),
    ("GET", f"{A}/calendar/working-days?starts_on=2026-12-29", None, ALL),
    ("GET", f"{A}/agreements", None, {P, C, S, E, INST, R}),
    ("POST", f"{A}/agreements/imported", None, {P}),
    ("GET", f"{A}/agreements/{SOME_ID}", None, {P, C, S, E, INST, R}),
    ("GET", f"{A}/agreements/{SOME_ID}/history", None, {P, C, S, E, INST, R}),
    ("GET", f"{A}/agreements/{SOME_ID}/pdf", None, {P, C, S, E, INST, R}),
    ("GET", f"{A}/agreements/{SOME_ID}/original", None, {P, C, S, E, INST, R}),
    ("POST", f"{A}/agreements/{SOME_ID}/original", None, {P, C, S, E, INST, R}),
    ("PATCH", f"{A}/agreements/{SOME_ID}", {"goals": "合作目标"}, {E, INST, R}),
    ("POST", f"{A}/agreements/{SOME_ID}/sign", {"content_hash": "0" * 64}, {E, INST, R}),
    ("GET", f"{A}/agreements/{SOME_ID}/service", None, {P, C, S, E, INST, R}),
    ("POST", f"{A}/agreements/{SOME_ID}/service-logs", {}, {E, INST, R}),
    ("POST", f"{A}/service-logs/{SOME_ID}/review", {"confirmed": True}, {E, INST, R}),
    ("GET", f"{A}/agreements/{SOME_ID}/contacts", None, {P, C, S, E, INST, R}),
    ("POST", f"{A}/agreements/{SOME_ID}/contacts", {}, {C, S}),
    ("POST", f"{A}/contacts/{SOME_ID}/resolve", {"resolution": "已解决"}, {C, S}),
    ("POST", f"{A}/agreements/{SOME_ID}/termination", {"reason": "无法继续服务"}, {E, INST, R}),
    ("POST", f"{A}/agreements/{SOME_ID}/termination/agree", None, {E, INST, R}),
    ("POST", f"{A}/agreements/{SOME_ID}/termination/approve", None, {C, S}),
    ("POST", f"{A}/agreements/{SOME_ID}/termination/refuse", {"reason": "不同意"}, {P, C, S, E, INST, R}),
    ("GET", "/agreements/ops/outbox", None, {OPS}),
    ("GET", "/agreements/ops/timers/failed", None, {OPS}),
]
PUBLIC = [
    ("GET", f"{A}/public/notices", None),
    ("GET", f"{A}/public/notices/{SOME_ID}", None),
    ("POST", f"{A}/public/notices/{SOME_ID}/objections", {"pair_id": SOME_ID, "text": "异议内容足够长的说明",
                                                          "objector_name": "王五", "contact": "13900000000"}),
]  # fmt: skip


def headers_for(role: str) -> dict[str, str]:
    claims = {
        E: {"enterprise_id": "91230100MA0000000X"},
        C: {"city_code": HARBIN, "bureau": Bureau.SCIENCE_TECH},
        CO: {"city_code": HARBIN, "county": "南岗区"},
        INST: {"institution_id": SOME_ID},
        R: {"researcher_id": SOME_ID},
    }
    return auth(Role(role), **claims.get(role, {}))


@pytest.mark.parametrize(
    ("method", "path", "body", "admitted"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS]
)
async def test_endpoint_admits_exactly_its_roles(
    platform: Platform, method: str, path: str, body, admitted: set
) -> None:
    await assert_admits_exactly(platform["agreements"].client, method, path, body, admitted, ALL, headers_for)


@pytest.mark.parametrize(("method", "path", "body"), PUBLIC, ids=[f"{m} {p}" for m, p, _ in PUBLIC])
async def test_R_F7_the_public_notice_needs_no_login_and_refuses_a_forged_public_token(
    platform: Platform, method: str, path: str, body
) -> None:
    client = platform["agreements"].client
    anonymous = await client.request(method, path, json=body)
    assert anonymous.status_code in (200, 404), anonymous.text  # a notice that does not exist is simply not found
    assert anonymous.headers["content-type"].startswith(("application/json", "application/problem+json"))
    forged = await client.get(f"{A}/calendar/years", headers=auth(Role.PUBLIC))
    assert forged.status_code == 401 and forged.json()["code"] == "TOKEN_CLAIMS_INVALID"
