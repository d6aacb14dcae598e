"""Each service's OpenAPI document says everything a client needs: every operation described, every field
described, every enum value named in Chinese, every error a Problem (application/problem+json), and every
input bounded (strings, lists, numbers). A new undocumented field or unbounded input fails here."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.services import SERVICES
from shared.service import bootstrap
from tests.support import TEST_JWT_SECRET

DOCUMENTS = {
    spec.name: bootstrap(spec, spec.settings(auth_hs256_secret=TEST_JWT_SECRET), role="api").app.openapi()
    for spec in SERVICES
}


def _operations(doc: dict) -> list[tuple[str, str, dict]]:
    return [(m.upper(), p, op) for p, ops in doc["paths"].items() for m, op in ops.items() if isinstance(op, dict)]


def _resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _variants(schema: dict) -> list[dict]:
    return [v for v in schema.get("anyOf", [schema]) if v.get("type") != "null"]


@pytest.mark.parametrize("service", sorted(DOCUMENTS))
def test_every_operation_is_described_and_answers_errors_as_problems(service: str) -> None:
    doc = DOCUMENTS[service]
    undescribed, bare_errors = [], []
    for method, path, op in _operations(doc):
        if not op.get("summary") or not op.get("description"):
            undescribed.append(f"{method} {path}")
        for status, response in op["responses"].items():
            if (int(status) >= 400 and status != "503") or (status == "503" and path != "/readyz"):
                content = response.get("content", {})
                if "application/problem+json" not in content:
                    bare_errors.append(f"{method} {path} {status}")
    assert undescribed == [] and bare_errors == []


@pytest.mark.parametrize("service", sorted(DOCUMENTS))
def test_every_field_is_described_and_every_enum_value_named(service: str) -> None:
    doc = DOCUMENTS[service]
    missing = []
    for name, schema in doc["components"]["schemas"].items():
        if "enum" in schema:
            labels = schema.get("x-enum-descriptions", [])
            if len(labels) != len(schema["enum"]) or any(
                label == value for label, value in zip(labels, schema["enum"], strict=False)
            ):
                missing.append(f"{name}: enum values without Chinese names")
            continue
        for field, prop in schema.get("properties", {}).items():
            if not prop.get("description") and not _resolve(doc, prop).get("description"):
                missing.append(f"{name}.{field}")
    assert missing == []


def _unbounded(doc: dict, schema: dict, where: str, seen: set) -> list[str]:
    """Every string has a maximum length (or is an enum or a typed format), lists a maximum size, numbers a range."""
    out = []
    for variant in _variants(schema):
        ref = variant.get("$ref")
        if ref:
            if ref in seen:
                continue
            seen.add(ref)
            variant = _resolve(doc, variant)
        kind = variant.get("type")
        if kind == "string" and not ({"maxLength", "enum"} & set(variant) or variant.get("format") in {
            "uuid", "date", "date-time", "binary"} or "contentMediaType" in variant):  # fmt: skip
            out.append(f"{where}: string without maxLength")
        elif kind == "array":
            if "maxItems" not in variant:
                out.append(f"{where}: array without maxItems")
            out += _unbounded(doc, variant.get("items", {}), f"{where}[]", seen)
        elif kind in ("integer", "number") and not {"maximum", "exclusiveMaximum"} & set(variant):
            out.append(f"{where}: number without maximum")
        for field, prop in variant.get("properties", {}).items():
            out += _unbounded(doc, prop, f"{where}.{field}", seen)
    return out


@pytest.mark.parametrize("service", sorted(DOCUMENTS))
def test_every_input_is_bounded(service: str) -> None:
    doc = DOCUMENTS[service]
    found: list[str] = []
    for method, path, op in _operations(doc):
        for param in op.get("parameters", []):
            if param["in"] in ("query", "path"):
                found += _unbounded(doc, param["schema"], f"{method} {path} ?{param['name']}", set())
        for media in op.get("requestBody", {}).get("content", {}).values():
            found += _unbounded(doc, media["schema"], f"{method} {path} body", set())
    assert found == []


def test_the_checks_find_what_they_look_for() -> None:
    doc: dict[str, Any] = {"components": {"schemas": {}}}
    assert _unbounded(doc, {"type": "string"}, "x", set()) == ["x: string without maxLength"]
    assert _unbounded(doc, {"type": "array", "items": {"type": "integer"}}, "y", set()) == [
        "y: array without maxItems",
        "y[]: number without maximum",
    ]
