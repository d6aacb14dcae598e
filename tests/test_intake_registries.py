"""Intake registries: dispatching units, researchers, enterprises — validation, scope, audit, events."""

from __future__ import annotations

import pytest

from services.intake.domain.credit_code import check_character, credit_code_problem
from shared.auth import Role
from tests.factories import DAQING, HARBIN, QIQIHAR, credit_code, enterprise_body, researcher_body
from tests.flows import PROVINCE, register_enterprise, register_institution, register_researcher
from tests.support import Platform, auth, outbox_event_types

# ------------------------------------------------------------------ R-C7 credit codes


def test_R_C7_credit_code_official_example_is_valid() -> None:
    assert credit_code_problem("91350100M000100Y43") is None  # the example printed in GB 32100-2015


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "应为 18 位"),
        ("91350100M000100Y42", "校验位错误（应为 3）"),
        ("91350100M000100I43", "不允许的字符：I"),
        ("91350100MO00100Y43", "不允许的字符：O"),
        ("91ABCDEFM000100Y43", "行政区划代码"),
    ],
)
def test_R_C7_bad_credit_codes_are_explained(code: str, reason: str) -> None:
    assert reason in (credit_code_problem(code) or "")


def test_R_C7_generated_codes_validate() -> None:
    for _ in range(50):
        code = credit_code(DAQING)
        assert credit_code_problem(code) is None and code[2:8] == DAQING
        assert check_character(code[:17]) == code[17]


async def test_R_C7_enterprise_with_wrong_credit_code_is_rejected(platform: Platform) -> None:
    body = enterprise_body(credit_code="91230100MA1B2C3D4E")
    response = await platform["intake"].client.post("/intake/v1/enterprises", json=body, headers=PROVINCE)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "credit_code" and error["rule_ids"] == ["R-C7"] and "校验位错误" in error["message"]
    assert response.json()["rule_ids"] == ["R-C7"]


async def test_lowercase_credit_code_is_normalised(platform: Platform) -> None:
    code = credit_code()
    response = await platform["intake"].client.post(
        "/intake/v1/enterprises", json=enterprise_body(credit_code=code.lower()), headers=PROVINCE
    )
    assert response.status_code == 201 and response.json()["id"] == code


# ------------------------------------------------------------------ enterprises


async def test_enterprise_registration_scope_and_duplicates(platform: Platform) -> None:
    client = platform["intake"].client
    harbin_bureau = auth(Role.CITY_BUREAU, city_code=HARBIN)
    ok = await client.post("/intake/v1/enterprises", json=enterprise_body(HARBIN), headers=harbin_bureau)
    assert ok.status_code == 201
    other_city = await client.post("/intake/v1/enterprises", json=enterprise_body(QIQIHAR), headers=harbin_bureau)
    assert other_city.status_code == 403 and other_city.json()["code"] == "OUT_OF_SCOPE"
    soe_by_city = await client.post(
        "/intake/v1/enterprises", json=enterprise_body(HARBIN, is_soe=True), headers=harbin_bureau
    )
    assert soe_by_city.status_code == 403
    soe_by_sasac = await client.post(
        "/intake/v1/enterprises", json=enterprise_body(HARBIN, is_soe=True), headers=auth(Role.SASAC)
    )
    assert soe_by_sasac.status_code == 201

    own = enterprise_body(HARBIN)
    me = auth(Role.ENTERPRISE, enterprise_id=own["credit_code"])
    assert (await client.post("/intake/v1/enterprises", json=own, headers=me)).status_code == 201
    stranger = await client.post("/intake/v1/enterprises", json=enterprise_body(HARBIN), headers=me)
    assert stranger.status_code == 403 and stranger.json()["code"] == "ENTERPRISE_MISMATCH"
    again = await client.post("/intake/v1/enterprises", json=own, headers=PROVINCE)
    assert again.status_code == 409 and again.json()["code"] == "ENTERPRISE_ALREADY_REGISTERED"


@pytest.mark.parametrize(
    ("field", "value"),
    [("city_code", "110000"), ("registered_on", "2999-01-01"), ("qualifications", ["nonsense"]), ("county", "")],
)
async def test_enterprise_bad_fields_are_422(platform: Platform, field: str, value) -> None:
    response = await platform["intake"].client.post(
        "/intake/v1/enterprises", json=enterprise_body(**{field: value}), headers=PROVINCE
    )
    assert response.status_code == 422
    assert next(e["field"] for e in response.json()["errors"]).startswith(field)


async def test_R_C5_equity_links_must_name_registered_parties(platform: Platform) -> None:
    institution_id, inst = await register_institution(platform)
    researcher = await register_researcher(platform, institution_id, inst)
    client = platform["intake"].client
    unknown = "6f1c1b1e-0000-4000-8000-000000000000"
    body = enterprise_body(
        equity_links=[
            {"party_type": "researcher", "party_id": researcher["id"], "relation": "founder"},
            {"party_type": "institution", "party_id": unknown, "relation": "shareholder"},
        ]
    )
    response = await client.post("/intake/v1/enterprises", json=body, headers=PROVINCE)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "equity_links.1.party_id" and error["rule_ids"] == ["R-C5"]
    body["equity_links"] = body["equity_links"][:1]
    created = await client.post("/intake/v1/enterprises", json=body, headers=PROVINCE)
    assert created.status_code == 201
    assert created.json()["equity_links"] == [
        {"party_type": "researcher", "party_id": researcher["id"], "relation": "founder"}
    ]


async def test_R_C1_only_the_province_clears_an_enterprise_misconduct_record(platform: Platform) -> None:
    code, me = await register_enterprise(platform, research_misconduct=True)
    client = platform["intake"].client
    response = await client.patch(f"/intake/v1/enterprises/{code}", json={"research_misconduct": False}, headers=me)
    assert response.status_code == 422 and response.json()["code"] == "MISCONDUCT_CLEAR_FORBIDDEN"
    assert response.json()["errors"][0]["rule_ids"] == ["R-C1"]
    soe_flip = await client.patch(f"/intake/v1/enterprises/{code}", json={"is_soe": True}, headers=me)
    assert soe_flip.status_code == 403
    cleared = await client.patch(
        f"/intake/v1/enterprises/{code}", json={"research_misconduct": False}, headers=PROVINCE
    )
    assert cleared.status_code == 200 and cleared.json()["research_misconduct"] is False


async def test_enterprise_update_is_audited_and_published(platform: Platform) -> None:
    code, me = await register_enterprise(platform)
    client = platform["intake"].client
    response = await client.patch(
        f"/intake/v1/enterprises/{code}", json={"platforms": ["pilot_platform"], "county": "松北区"}, headers=me
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    unchanged = await client.patch(f"/intake/v1/enterprises/{code}", json={"county": "松北区"}, headers=me)
    assert unchanged.json()["version"] == 2  # no change, no new version, no event
    history = (await client.get(f"/intake/v1/enterprises/{code}/history", headers=me)).json()
    assert [h["action"] for h in history] == ["enterprise.registered", "enterprise.updated"]
    assert history[1]["changes"]["county"] == {"from": "南岗区", "to": "松北区"}
    assert history[1]["actor_role"] == "enterprise"
    assert await outbox_event_types(platform, "intake", code) == ["registered", "updated"]


async def test_enterprise_visibility(platform: Platform) -> None:
    code, me = await register_enterprise(platform, HARBIN)
    client = platform["intake"].client
    assert (await client.get(f"/intake/v1/enterprises/{code}", headers=me)).status_code == 200
    assert (
        await client.get(f"/intake/v1/enterprises/{code}", headers=auth(Role.CITY_BUREAU, city_code=HARBIN))
    ).status_code == 200
    assert (
        await client.get(f"/intake/v1/enterprises/{code}", headers=auth(Role.CITY_BUREAU, city_code=QIQIHAR))
    ).status_code == 404
    assert (await client.get(f"/intake/v1/enterprises/{code}", headers=auth(Role.SASAC))).status_code == 404
    other_code, _ = await register_enterprise(platform)
    assert (await client.get(f"/intake/v1/enterprises/{other_code}", headers=me)).status_code == 404
    listed = (
        await client.get("/intake/v1/enterprises?page_size=100", headers=auth(Role.CITY_BUREAU, city_code=QIQIHAR))
    ).json()
    assert all(e["city_code"] == QIQIHAR for e in listed["items"])


# ------------------------------------------------------------------ institutions and researchers


async def test_institutions_are_registered_by_the_province_and_names_are_unique(platform: Platform) -> None:
    client = platform["intake"].client
    from tests.factories import institution_body

    body = institution_body()
    assert (
        await client.post("/intake/v1/institutions", json=body, headers=auth(Role.CITY_BUREAU, city_code=HARBIN))
    ).status_code == 403
    created = await client.post("/intake/v1/institutions", json=body, headers=PROVINCE)
    assert created.status_code == 201
    dup = await client.post("/intake/v1/institutions", json=body, headers=PROVINCE)
    assert dup.status_code == 409 and dup.json()["code"] == "INSTITUTION_NAME_TAKEN"
    listed = (
        await client.get(
            f"/intake/v1/institutions?q={body['name'][-8:]}", headers=auth(Role.ENTERPRISE, enterprise_id="x")
        )
    ).json()
    assert [i["id"] for i in listed["items"]] == [created.json()["id"]]


async def test_institution_maintains_only_its_own_disciplines_R_U2(platform: Platform) -> None:
    institution_id, inst = await register_institution(platform)
    client = platform["intake"].client
    ok = await client.patch(
        f"/intake/v1/institutions/{institution_id}", json={"first_class_disciplines": ["控制科学与工程"]}, headers=inst
    )
    assert ok.status_code == 200 and ok.json()["first_class_disciplines"] == ["控制科学与工程"]
    affiliation = await client.patch(
        f"/intake/v1/institutions/{institution_id}", json={"affiliation": "ministerial"}, headers=inst
    )
    assert (
        affiliation.status_code == 403 and affiliation.json()["code"] == "FIELD_FORBIDDEN"
    )  # R-U1 data is the province's
    other_id, _ = await register_institution(platform)
    other = await client.patch(
        f"/intake/v1/institutions/{other_id}", json={"first_class_disciplines": []}, headers=inst
    )
    assert other.status_code == 403
    assert await outbox_event_types(platform, "intake", institution_id) == ["registered", "updated"]


async def test_researchers_are_registered_by_their_own_institution(platform: Platform) -> None:
    institution_id, inst = await register_institution(platform)
    _other_id, other = await register_institution(platform)
    client = platform["intake"].client
    researcher = await register_researcher(platform, institution_id, inst)
    assert researcher["achievements"][0]["title"] == "低温锂离子电池电解液研究"
    foreign = await client.post(
        f"/intake/v1/institutions/{institution_id}/researchers", json=researcher_body(), headers=other
    )
    assert foreign.status_code == 403
    dup = await client.post(
        f"/intake/v1/institutions/{institution_id}/researchers",
        json=researcher_body(employee_no=researcher["employee_no"]),
        headers=inst,
    )
    assert dup.status_code == 409 and dup.json()["code"] == "EMPLOYEE_NO_TAKEN"
    assert (await client.get(f"/intake/v1/researchers/{researcher['id']}", headers=other)).status_code == 404
    me = auth(Role.RESEARCHER, researcher_id=researcher["id"])
    assert (await client.get(f"/intake/v1/researchers/{researcher['id']}", headers=me)).status_code == 200
    assert (
        await client.get("/intake/v1/researchers", headers=auth(Role.CITY_BUREAU, city_code=HARBIN))
    ).status_code == 403
    listed = (await client.get("/intake/v1/researchers", headers=other)).json()
    assert researcher["id"] not in {r["id"] for r in listed["items"]}
    assert await outbox_event_types(platform, "intake", researcher["id"]) == ["registered"]


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "不能晚于今天"),
        ({"date_of_birth": "2015-01-01"}, "date_of_birth", "年龄"),
        ({"date_of_birth": "1985-02-30"}, "date_of_birth", "有效日期"),
        ({"title": "professor"}, "title", "取值无效"),
        ({"disciplines": []}, "disciplines", "至少"),
    ],
)
async def test_bad_researcher_fields(platform: Platform, overrides: dict, field: str, text: str) -> None:
    institution_id, inst = await register_institution(platform)
    response = await platform["intake"].client.post(
        f"/intake/v1/institutions/{institution_id}/researchers", json=researcher_body(**overrides), headers=inst
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == field and text in error["message"]


async def test_R_E1_only_the_province_clears_a_researcher_misconduct_record(platform: Platform) -> None:
    institution_id, inst = await register_institution(platform)
    researcher = await register_researcher(platform, institution_id, inst, research_misconduct=True)
    client = platform["intake"].client
    path = f"/intake/v1/researchers/{researcher['id']}"
    response = await client.patch(path, json={"research_misconduct": False}, headers=inst)
    assert response.status_code == 422 and response.json()["errors"][0]["rule_ids"] == ["R-E1"]
    updated = await client.patch(path, json={"research_fields": "寒区储能", "achievements": []}, headers=inst)
    assert updated.status_code == 200 and updated.json()["achievements"] == [] and updated.json()["version"] == 2
    history = (await client.get(f"{path}/history", headers=inst)).json()
    assert history[-1]["changes"]["achievements"] == {"from": 1, "to": 0}
    assert (await client.patch(path, json={"research_misconduct": False}, headers=PROVINCE)).status_code == 200
    assert await outbox_event_types(platform, "intake", researcher["id"]) == [
        "registered",
        "profile_updated",
        "profile_updated",
    ]
