"""Health, readiness, OpenAPI, metrics and JSON logs with the correlation id."""

from __future__ import annotations

import json
import logging

import pytest

from shared.observability import JsonFormatter, correlation_id_var
from tests.flows import register_enterprise, submit_need
from tests.support import Platform


@pytest.mark.parametrize("service", ["intake", "matching", "agreements", "evaluation"])
async def test_openapi_and_metrics_are_served(platform: Platform, service: str) -> None:
    client = platform[service].client
    spec = await client.get(f"/{service}/openapi.json")
    assert spec.status_code == 200
    assert f"/{service}/v1/me" in spec.json()["paths"]
    assert spec.json()["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert (await client.get(f"/{service}/docs")).status_code == 200
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert "techbridge_http_requests_total" in metrics.text


async def test_consumer_lag_and_relay_backlog_are_exported(platform: Platform, batches: dict) -> None:
    await submit_need(platform, (await register_enterprise(platform))[1], batches["commissioner"])
    text = (await platform["matching"].client.get("/metrics")).text
    assert 'techbridge_consumer_lag{consumer="matching.intake-needs"' in text
    assert 'techbridge_events_consumed_total{consumer="matching.intake-needs",outcome="processed"' in text
    await platform["intake"].runtime.relay.refresh_backlog_metric()
    assert 'techbridge_outbox_backlog{service="intake"}' in (await platform["intake"].client.get("/metrics")).text


def test_json_log_lines_carry_the_correlation_id() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "需求已提交 %s", ("n1",), None)
    record.need_id = "n1"
    token = correlation_id_var.set("cid-123")
    try:
        line = json.loads(JsonFormatter("intake").format(record))
    finally:
        correlation_id_var.reset(token)
    assert line["correlation_id"] == "cid-123"
    assert line["service"] == "intake"
    assert line["msg"] == "需求已提交 n1"
    assert line["need_id"] == "n1"


async def test_unknown_route_is_problem_json(platform: Platform) -> None:
    response = await platform["intake"].client.get("/intake/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "NOT_FOUND"
