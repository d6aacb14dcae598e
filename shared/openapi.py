"""The OpenAPI document every service publishes, completed so that it says everything a client needs.

FastAPI derives operations and schemas from the code; this adds what it cannot know: each enum value's
Chinese name (``x-enum-descriptions`` and the enum's description), one ``Problem`` schema for every error
response (application/problem+json), and the error statuses each operation really answers — a test walks
the document and a schemathesis run in CI holds the service to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import PROBLEM_JSON


class FieldProblem(BaseModel):
    field: str = Field(description="出错的字段（嵌套字段以点分隔；整个请求体为 (body)）")
    message: str = Field(description="中文说明")
    rule_ids: list[str] = Field(description="违反的项目规则编号（R-…，见 RULES.md）")
    row: int | None = Field(default=None, description="批量导入时出错的表格行号（表头为第 1 行）")
    sheet: str | None = Field(default=None, description="批量导入时出错的工作表")


class Problem(BaseModel):
    """错误（RFC 9457 application/problem+json）：程序按 code 判断，title/detail 供人阅读。"""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="错误类型 URI（urn:techbridge:problem:<code>）")
    title: str = Field(description="错误类别（中文）")
    status: int = Field(description="HTTP 状态码")
    code: str = Field(description="稳定的错误代码，例如 NEED_NOT_FOUND、ILLEGAL_TRANSITION")
    detail: str = Field(description="本次错误的中文说明")
    instance: str | None = Field(default=None, description="出错的请求路径")
    errors: list[FieldProblem] | None = Field(default=None, description="逐字段的错误")
    rule_ids: list[str] | None = Field(default=None, description="涉及的全部规则编号")
    correlation_id: str | None = Field(default=None, description="关联标识，与日志和事件中的相同")
    current_state: str | None = Field(default=None, description="ILLEGAL_TRANSITION 时：对象当前状态")


STATUS_ZH = {
    401: "未认证或令牌无效",
    403: "当前角色无权执行此操作",
    404: "资源不存在，或不在当前用户的权限范围内",
    409: "与对象当前状态冲突（例如状态不允许此操作）",
    413: "请求体或上传文件超过限制",
    422: "请求数据校验未通过（逐字段说明及违反的规则编号见 errors）",
    429: "请求过于频繁，请按 Retry-After 稍后再试",
    503: "依赖的服务（数据库）暂不可用，请按 Retry-After 稍后重试",
}
AUTHENTICATED = (401, 403, 404, 409, 422, 503)
PUBLIC = (404, 409, 422, 503)
WRITES = ("post", "put", "patch", "delete")
HEALTH_PATHS = ("/healthz", "/readyz", "/metrics")


def labels_by_enum(tables: Iterable[Mapping[Any, Any]]) -> dict[str, dict[str, str]]:
    """Enum class name → value → Chinese label. A table maps each enum class to its members' labels
    (``{Degree: {Degree.DOCTORATE: "博士"}}``), or members straight to labels (a state machine's ``states``)."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for table in tables:
        for key, value in table.items():
            members = value.items() if isinstance(value, Mapping) else [(key, value)]
            for member, label in members:
                out[type(member).__name__][str(member.value)] = label
    return out


def _problem_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": STATUS_ZH[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in (429, 503):
        response["headers"] = {"Retry-After": {"description": "建议等待的秒数", "schema": {"type": "integer"}}}
    return response


def complete(document: dict[str, Any], labels: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, model in (("Problem", Problem), ("FieldProblem", FieldProblem)):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schema.pop("$defs", None)
        schemas[name] = schema
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's own 422 body: ours is a Problem
        schemas.pop(name, None)
    for name, schema in schemas.items():
        named = labels.get(name)
        if named and "enum" in schema:
            values = [str(v) for v in schema["enum"]]
            schema["x-enum-descriptions"] = [named.get(v, v) for v in values]
            listing = "；".join(f"{named.get(v, v)}（{v}）" for v in values)
            schema["description"] = (schema.get("description", "").rstrip("。. ") + "。取值：" + listing).lstrip("。")
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if path in HEALTH_PATHS:  # probes answer their own documented bodies
                continue
            for status, response in responses.items():
                if response.get("description") == "Successful Response":
                    response["description"] = "成功" if status != "201" else "已创建"
            statuses = {int(s) for s in responses if s.isdigit() and int(s) >= 400}
            if "/public/" in path:  # no login: public notices (agreements), answered without 401/403
                statuses |= set(PUBLIC)
            elif operation.get("security") or "/v1/" in path or "/ops/" in path:
                statuses |= set(AUTHENTICATED)
            if method in WRITES:
                statuses |= {409, 413}
            for status in sorted(statuses):
                responses[str(status)] = _problem_response(status)
    return document


def install(app: FastAPI, labels: Mapping[str, Mapping[str, str]]) -> None:
    """Make ``app.openapi()`` return the completed document (computed once, as FastAPI does)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(generate(), labels)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
