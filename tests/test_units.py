"""Pure unit tests: no database, no broker."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from services.intake.domain.model import normalise_keywords
from shared.auth import Bureau, Principal, Role, need_scope
from shared.errors import field_errors_from_pydantic
from shared.regions import CITIES
from shared.scope import NOTHING, Scope


def test_thirteen_cities_of_heilongjiang() -> None:
    assert len(CITIES) == 13
    assert CITIES["230100"] == "哈尔滨市" and CITIES["232700"] == "大兴安岭地区"


def test_keywords_are_trimmed_and_deduplicated_keeping_order() -> None:
    assert normalise_keywords([" 秸秆 ", "低温发酵", "秸秆", "", "PLC", "plc"]) == ["秸秆", "低温发酵", "PLC"]


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (Principal(subject="p", role=Role.PROVINCE), Scope()),
        (
            Principal(subject="c", role=Role.CITY_BUREAU, city_code="230600", bureau=Bureau.INDUSTRY_IT),
            Scope.where(city_code="230600", is_soe=False),
        ),
        (Principal(subject="s", role=Role.SASAC), Scope.where(is_soe=True)),
        (
            Principal(subject="e", role=Role.ENTERPRISE, enterprise_id="e1", city_code="230100"),
            Scope.where(enterprise_id="e1"),
        ),
        (Principal(subject="o", role=Role.OPS), NOTHING),
        (Principal(subject="i", role=Role.INSTITUTION, institution_id="u1"), NOTHING),
    ],
)
def test_need_scope_follows_the_review_routing_of_R_F1(principal: Principal, expected: Scope) -> None:
    assert need_scope(principal) == expected


@pytest.mark.parametrize(
    "claims",
    [
        {"role": Role.CITY_BUREAU, "city_code": "110000", "bureau": Bureau.SCIENCE_TECH},  # Beijing: not one of the 13
        {"role": Role.CITY_BUREAU, "city_code": "230100"},  # which bureau?
        {"role": Role.INSTITUTION},
        {"role": Role.ENTERPRISE},  # which enterprise?
        {"role": Role.RESEARCHER},
    ],
)
def test_principal_requires_the_scope_claims_of_its_role(claims: dict) -> None:
    with pytest.raises(ValidationError):
        Principal(subject="x", **claims)


def test_validation_errors_carry_rule_ids_and_chinese_messages() -> None:
    class Form(BaseModel):
        age: int
        credit_code: str

        @field_validator("credit_code")
        @classmethod
        def _check(cls, v: str) -> str:
            raise PydanticCustomError("rule_violation", "统一社会信用代码校验位错误", {"rule_ids": ["R-C7"]})

    with pytest.raises(ValidationError) as exc:
        Form(age="abc", credit_code="x")
    errors = {e.field: e for e in field_errors_from_pydantic(exc.value.errors())}
    assert errors["age"].message == "应为整数" and errors["age"].rule_ids == []
    assert errors["credit_code"].message == "统一社会信用代码校验位错误"
    assert errors["credit_code"].rule_ids == ["R-C7"]


def test_R_C3_a_need_states_its_problem_and_the_conditions_the_enterprise_offers() -> None:
    from services.intake.schemas import NeedCreate
    from tests.factories import need_body

    body = need_body("00000000-0000-0000-0000-000000000001")
    assert NeedCreate.model_validate(body).command().conditions_offered == body["conditions_offered"]
    for missing in ("description", "conditions_offered"):
        with pytest.raises(ValidationError) as refused:
            NeedCreate.model_validate({k: v for k, v in body.items() if k != missing})
        assert [e["loc"] for e in refused.value.errors()] == [(missing,)]
