"""Who may call what in evaluation, as a matrix of role × endpoint: every other role is 403 ROLE_FORBIDDEN, and
without a token 401. The county role (县（市、区）) reaches only the 特派员 yearly records (R-V5)."""

from __future__ import annotations

import re
import uuid

import pytest

from shared.auth import Bureau, Role
from tests.factories import HARBIN
from tests.support import Platform, assert_admits_exactly, auth

E, C, S, P, INST, R, OPS, CO = (
    "enterprise", "city_bureau", "sasac", "province", "institution", "researcher", "ops", "county"
)  # fmt: skip
ALL = {E, C, S, P, INST, R, OPS, CO}
SOME_ID = str(uuid.uuid4())
V = "/evaluation/v1"
CHIEF = {"problems_solved": [], "achievements": [], "comments": "考评意见"}
CONTRACT = {"agreement_id": SOME_ID, "kind": "transfer", "registration_number": "23010001", "signed_on": "2026-06-01",
            "amount_yuan": 1000}  # fmt: skip

# (method, path, body, roles admitted)
ENDPOINTS = [
    ("GET", f"{V}/chief-evaluations", None, {P, C, S, E, INST, R}),
    ("GET", f"{V}/chief-evaluations/{SOME_ID}", None, {P, C, S, E, INST, R}),
    ("GET", f"{V}/chief-evaluations/{SOME_ID}/history", None, {P, C, S, E, INST, R}),
    ("PUT", f"{V}/chief-evaluations/{SOME_ID}", CHIEF, {C, S}),
    ("POST", f"{V}/chief-evaluations/{SOME_ID}/confirm-problems", {"problem_ids": [SOME_ID]}, {E}),
    ("POST", f"{V}/chief-evaluations/{SOME_ID}/window-extension", {"until": "2027-01-31", "reason": "延期理由"}, {P}),
    ("GET", f"{V}/chief-rounds", None, {P, C, S}),
    ("GET", f"{V}/chief-rounds/{SOME_ID}", None, {P, C, S}),
    ("GET", f"{V}/chief-rounds/{SOME_ID}/history", None, {P, C, S}),
    ("GET", f"{V}/chief-rounds/{SOME_ID}/workbook", None, {P, C, S}),
    ("POST", f"{V}/chief-rounds/{SOME_ID}/workbook", None, {C, S}),
    ("POST", f"{V}/chief-rounds/{SOME_ID}/submit", None, {C, S}),
    ("POST", f"{V}/chief-rounds/{SOME_ID}/confirm", None, {C, S}),
    ("POST", f"{V}/chief-rounds/{SOME_ID}/allocation", {"places": 1, "reason": "小组名额"}, {P}),
    ("POST", f"{V}/chief-rounds/{SOME_ID}/return", {"reason": "请修改"}, {P}),
    ("POST", f"{V}/chief-rounds/{SOME_ID}/notify", None, {P}),
    ("POST", f"{V}/commissioner-rounds", {"year": 2026}, {C}),
    ("GET", f"{V}/commissioner-rounds", None, {P, C, CO}),
    ("GET", f"{V}/commissioner-rounds/{SOME_ID}", None, {P, C, CO}),
    ("GET", f"{V}/commissioner-rounds/{SOME_ID}/workbook", None, {P, C, CO}),
    ("GET", f"{V}/commissioner-rounds/{SOME_ID}/history", None, {P, C, CO}),
    ("POST", f"{V}/commissioner-rounds/{SOME_ID}/refresh", None, {C}),
    ("POST", f"{V}/commissioner-rounds/{SOME_ID}/workbook", None, {C}),
    ("POST", f"{V}/commissioner-rounds/{SOME_ID}/eliminations", None, {C}),
    ("POST", f"{V}/commissioner-rounds/{SOME_ID}/reopen", None, {C}),
    ("POST", f"{V}/commissioner-rounds/{SOME_ID}/file", None, {C}),
    ("GET", f"{V}/commissioner-evaluations", None, {P, C, CO, E, INST, R}),
    ("GET", f"{V}/commissioner-evaluations/{SOME_ID}", None, {P, C, CO, E, INST, R}),
    ("GET", f"{V}/commissioner-evaluations/{SOME_ID}/history", None, {P, C, CO, E, INST, R}),
    ("PUT", f"{V}/commissioner-evaluations/{SOME_ID}/material", {"capability_gained": "能力提升"}, {E}),
    ("POST", f"{V}/commissioner-evaluations/{SOME_ID}/attachments", None, {E}),
    ("PUT", f"{V}/commissioner-evaluations/{SOME_ID}/county-assessment", {"score": 80, "comments": "考核"}, {CO}),
    ("PUT", f"{V}/commissioner-evaluations/{SOME_ID}/result", {"grade": "qualified", "comments": "意见"}, {C}),
    ("POST", f"{V}/commissioner-evaluations/{SOME_ID}/objections", {"reason": "异议理由"}, {R, INST, E}),
    ("POST", f"{V}/commissioner-evaluations/{SOME_ID}/objections/{SOME_ID}/resolve",
     {"upheld": False, "resolution": "驳回"}, {C}),
    ("GET", f"{V}/attachments/{SOME_ID}", None, {P, C, CO, E, INST, R}),
    ("POST", f"{V}/technology-contracts", CONTRACT, {E, C}),
    ("PATCH", f"{V}/technology-contracts/{SOME_ID}", {"reward_yuan": 10}, {E, C}),
    ("GET", f"{V}/technology-contracts", None, {P, C, CO, E, INST, R}),
    ("GET", f"{V}/technology-contracts/{SOME_ID}", None, {P, C, CO, E, INST, R}),
    ("GET", f"{V}/summary?year=2026", None, {P}),
    ("GET", "/evaluation/ops/outbox", None, {OPS}),
    ("GET", "/evaluation/ops/timers/failed", None, {OPS}),
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
    await assert_admits_exactly(platform["evaluation"].client, method, path, body, admitted, ALL, headers_for)


def test_every_route_is_in_the_matrix() -> None:
    from services.evaluation.spec import SPEC

    routes = {
        (method, route.path)
        for router in SPEC.routers
        for route in router.routes
        for method in route.methods  # type: ignore[attr-defined]
    }
    listed = {(m, p.split("?")[0].replace(SOME_ID, "{x}")) for m, p, _, _ in ENDPOINTS}
    assert {(m, re.sub(r"\{[^}]+\}", "{x}", p)) for m, p in routes} - listed == set()
