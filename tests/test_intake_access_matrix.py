"""Who sees and does what in intake, as a matrix of role × endpoint.

Two tables: which roles an endpoint admits at all (everyone else: 403 ROLE_FORBIDDEN), and what each
caller sees of one concrete record (out of scope: 404, so existence does not leak).
"""

from __future__ import annotations

import uuid

import pytest

from shared.auth import Bureau, Role
from tests.factories import HARBIN, QIQIHAR, enterprise_body
from tests.flows import register_enterprise, register_institution, register_researcher, submit_need
from tests.support import Platform, assert_admits_exactly, auth

E, C, S, P, INST, R, OPS = "enterprise", "city_bureau", "sasac", "province", "institution", "researcher", "ops"
CO = "county"  # 县（市、区）: only the 特派员 yearly records in evaluation; nothing here
ALL = {E, C, S, P, INST, R, OPS, CO}
SOME_ID = str(uuid.uuid4())

# (method, path, body, roles admitted)
ENDPOINTS = [
    ("GET", "/intake/v1/institutions", None, ALL),
    ("POST", "/intake/v1/institutions", {}, {P}),
    ("GET", f"/intake/v1/institutions/{SOME_ID}/history", None, {P, INST}),
    ("POST", f"/intake/v1/institutions/{SOME_ID}/researchers", {}, {P, INST}),
    ("GET", "/intake/v1/researchers", None, {P, INST, R}),
    ("PATCH", f"/intake/v1/researchers/{SOME_ID}", {}, {P, INST}),
    ("GET", "/intake/v1/enterprises", None, {E, C, S, P}),
    ("POST", "/intake/v1/enterprises", {}, {E, C, S, P}),
    ("GET", "/intake/v1/batches", None, ALL),
    ("POST", "/intake/v1/batches", {}, {P}),
    ("PATCH", f"/intake/v1/batches/{SOME_ID}", {}, {P}),
    ("GET", "/intake/v1/needs", None, {E, C, S, P}),
    ("POST", "/intake/v1/needs", {}, {E}),
    ("POST", f"/intake/v1/needs/{SOME_ID}/approve", None, {C, S}),
    ("POST", f"/intake/v1/needs/{SOME_ID}/reject", {"reason": "理由充分"}, {C, S}),
    ("POST", f"/intake/v1/needs/{SOME_ID}/report", None, {C, S}),
    ("POST", f"/intake/v1/needs/{SOME_ID}/withdraw", None, {E}),
    ("GET", "/intake/v1/applications", None, {P, INST, R}),
    ("POST", "/intake/v1/applications", {}, {R}),
    ("POST", f"/intake/v1/applications/{SOME_ID}/approve", None, {INST}),
    ("GET", "/intake/ops/outbox", None, {OPS}),
    ("GET", "/intake/ops/dead-letters", None, {OPS}),
]


def headers_for(role: str, **claims) -> dict[str, str]:
    defaults = {
        E: {"enterprise_id": "91230100MA0000000X"},
        C: {"city_code": HARBIN, "bureau": Bureau.SCIENCE_TECH},
        CO: {"city_code": HARBIN, "county": "南岗区"},
        INST: {"institution_id": SOME_ID},
        R: {"researcher_id": SOME_ID},
    }
    return auth(Role(role), **(defaults.get(role, {}) | claims))


@pytest.mark.parametrize(
    ("method", "path", "body", "admitted"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS]
)
async def test_endpoint_admits_exactly_its_roles(
    platform: Platform, method: str, path: str, body, admitted: set
) -> None:
    await assert_admits_exactly(platform["intake"].client, method, path, body, admitted, ALL, headers_for)


@pytest.fixture(scope="module")
async def records(platform: Platform, batches: dict) -> dict:
    """One Harbin enterprise with a need, one researcher of one institution."""
    code, owner = await register_enterprise(platform, HARBIN)
    need = await submit_need(platform, owner, batches["commissioner"])
    institution_id, inst = await register_institution(platform)
    researcher = await register_researcher(platform, institution_id, inst)
    return {"enterprise": code, "need": need["id"], "institution": institution_id, "researcher": researcher["id"]}


# caller → expected status when reading the record
VIEWERS = {
    "owner enterprise": (E, {"enterprise_id": "{enterprise}"}),
    "other enterprise": (E, {"enterprise_id": "91230100MA0000000X"}),
    "harbin bureau": (C, {"city_code": HARBIN}),
    "qiqihar bureau": (C, {"city_code": QIQIHAR}),
    "sasac": (S, {}),
    "province": (P, {}),
    "own institution": (INST, {"institution_id": "{institution}"}),
    "other institution": (INST, {"institution_id": SOME_ID}),
    "the researcher": (R, {"researcher_id": "{researcher}"}),
    "another researcher": (R, {"researcher_id": SOME_ID}),
    "ops": (OPS, {}),
}
SCOPE = {
    # viewer: (need, enterprise, researcher)
    "owner enterprise": (200, 200, 403),
    "other enterprise": (404, 404, 403),
    "harbin bureau": (200, 200, 403),
    "qiqihar bureau": (404, 404, 403),
    "sasac": (404, 404, 403),
    "province": (200, 200, 200),
    "own institution": (403, 403, 200),
    "other institution": (403, 403, 404),
    "the researcher": (403, 403, 200),
    "another researcher": (403, 403, 404),
    "ops": (403, 403, 403),
}


@pytest.mark.parametrize("viewer", list(SCOPE))
async def test_what_each_caller_sees_of_one_record(platform: Platform, records: dict, viewer: str) -> None:
    role, claims = VIEWERS[viewer]
    headers = headers_for(role, **{k: v.format(**records) for k, v in claims.items()})
    client = platform["intake"].client
    paths = (
        f"/intake/v1/needs/{records['need']}",
        f"/intake/v1/enterprises/{records['enterprise']}",
        f"/intake/v1/researchers/{records['researcher']}",
    )
    got = tuple([(await client.get(path, headers=headers)).status_code for path in paths])
    assert got == SCOPE[viewer]
    # History follows the record's own visibility.
    history = await client.get(f"{paths[0]}/history", headers=headers)
    assert history.status_code == SCOPE[viewer][0]


async def test_lists_never_leak_other_scopes(platform: Platform, records: dict, batches: dict) -> None:
    _, qiqihar_owner = await register_enterprise(platform, QIQIHAR)
    await submit_need(platform, qiqihar_owner, batches["commissioner"])
    client = platform["intake"].client
    harbin = headers_for(C, city_code=HARBIN)
    needs = (await client.get("/intake/v1/needs?page_size=100", headers=harbin)).json()["items"]
    enterprises = (await client.get("/intake/v1/enterprises?page_size=100", headers=harbin)).json()["items"]
    assert needs and {n["city_code"] for n in needs} == {HARBIN} and not any(n["is_soe"] for n in needs)
    assert enterprises and {e["city_code"] for e in enterprises} == {HARBIN}
    # A filter for another city cannot widen the scope.
    assert (await client.get(f"/intake/v1/needs?city_code={QIQIHAR}", headers=harbin)).json()["total"] == 0
    body = enterprise_body(QIQIHAR)
    assert (await client.post("/intake/v1/enterprises", json=body, headers=harbin)).status_code == 403
