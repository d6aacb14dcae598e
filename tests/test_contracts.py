"""Event contracts: committed JSON Schemas and AsyncAPI match the models; envelopes validate against them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import jsonschema
import pytest
import yaml

from devstack.config import REPO_ROOT
from shared.events.contracts import ALL_EVENTS, NeedSubmittedV1, Programme
from shared.events.envelope import CloudEvent
from shared.events.export import render
from shared.events.topics import PUBLIC_TOPICS


def test_committed_contracts_match_the_models() -> None:
    """Fails when a payload model changed without `make contracts` (and a review of v1 vs v2)."""
    for path, expected in render(REPO_ROOT / "docs").items():
        assert path.exists(), f"{path.relative_to(REPO_ROOT)} missing: run `make contracts`"
        assert path.read_text(encoding="utf-8") == expected, (
            f"{path.relative_to(REPO_ROOT)} is stale: run `make contracts`"
        )


@pytest.mark.parametrize("event_cls", ALL_EVENTS, ids=lambda c: c.__name__)
def test_event_types_follow_the_naming_scheme_and_live_on_a_public_topic(event_cls) -> None:
    parts = event_cls.event_type.split(".")
    assert parts[:4] == ["cn", "gov", "hlj", "techbridge"] and parts[-1].startswith("v")
    assert parts[4] == event_cls.topic.split(".")[1], "the publishing service owns the topic"
    assert event_cls.topic in {t.name for t in PUBLIC_TOPICS}


def test_a_real_envelope_validates_against_the_committed_schema() -> None:
    payload = NeedSubmittedV1(
        need_id=uuid.uuid4(),
        enterprise_id="e1",
        city_code="230100",
        is_soe=False,
        programme=Programme.COMMISSIONER,
        title="t",
        description="d",
        keywords=["k"],
        submitted_at=datetime.now(UTC),
    )
    envelope = CloudEvent.wrap(payload, source="/techbridge/intake", correlation_id="c1")
    wire = json.loads(envelope.to_bytes())
    assert wire["specversion"] == "1.0" and wire["subject"] == str(payload.need_id)
    schema = json.loads((REPO_ROOT / "docs" / "events" / f"{NeedSubmittedV1.event_type}.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    validator.validate(wire["data"])
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(dict(wire["data"], need_id="not-a-uuid"))
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({k: v for k, v in wire["data"].items() if k != "city_code"})


def test_additive_change_is_tolerated_by_v1_consumers() -> None:
    """A producer adding an optional field must not break a v1 consumer (additive changes keep v1)."""
    data = {
        "need_id": str(uuid.uuid4()),
        "enterprise_id": "e",
        "city_code": "230100",
        "is_soe": False,
        "programme": "commissioner",
        "title": "t",
        "description": "d",
        "keywords": [],
        "submitted_at": "2026-11-22T00:00:00Z",
        "a_future_field": 1,
    }
    assert NeedSubmittedV1.model_validate(data).need_id


def test_asyncapi_documents_every_public_event() -> None:
    doc = yaml.safe_load((REPO_ROOT / "docs" / "asyncapi.yaml").read_text())
    assert doc["asyncapi"].startswith("3.")
    names = {m["name"] for m in doc["components"]["messages"].values()}
    assert names == {cls.event_type for cls in ALL_EVENTS}
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {t.name for t in PUBLIC_TOPICS}
