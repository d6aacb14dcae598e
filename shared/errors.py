"""Errors as RFC 9457 ``application/problem+json`` with a stable ``code`` and Chinese ``title``/``detail``.

Front-end apps switch on ``code`` (never on the text); validation problems list every field and the
programme rule ids (R-…) it broke. This module is plain Python: the service layer raises these, and
``shared.http`` turns them (and the domain's own errors, ``shared.domain``) into responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.domain import DomainError, RuleFailure, RuleViolation, StateConflict
from shared.observability import correlation_id_var

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:techbridge:problem:"


@dataclass
class FieldError:
    field: str
    message: str
    rule_ids: list[str] = field(default_factory=list)
    row: int | None = None  # for file imports: the spreadsheet row (header = row 1)
    sheet: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "message": self.message, "rule_ids": self.rule_ids}
        if self.row is not None:
            out["row"] = self.row
        if self.sheet is not None:
            out["sheet"] = self.sheet
        return out

    @classmethod
    def from_rule(cls, failure: RuleFailure, *, prefix: str = "") -> FieldError:
        """A rule failure as a field error; ``prefix`` places the field (e.g. ``enterprise.``)."""
        name = f"{prefix}{failure.field}" if failure.field else "(body)"
        return cls(name, failure.message, [failure.rule_id])


class ProblemError(Exception):
    """Base of every error the API reports on purpose."""

    status: int = 500
    code: str = "INTERNAL_ERROR"
    title: str = "服务器内部错误"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        title: str | None = None,
        status: int | None = None,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail or self.title
        if code:
            self.code = code
        if title:
            self.title = title
        if status:
            self.status = status
        self.errors = errors or []
        self.extra = extra or {}
        super().__init__(f"{self.code}: {self.detail}")

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.code.lower(),
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
            body["rule_ids"] = sorted({r for e in self.errors for r in e.rule_ids})
        body.update(self.extra)
        cid = correlation_id_var.get()
        if cid:
            body["correlation_id"] = cid
        return body


class Unauthenticated(ProblemError):
    status, code, title = 401, "UNAUTHENTICATED", "未认证或令牌无效"


class Forbidden(ProblemError):
    status, code, title = 403, "FORBIDDEN", "无权执行此操作"


class NotFound(ProblemError):
    status, code, title = 404, "NOT_FOUND", "资源不存在"


class Conflict(ProblemError):
    status, code, title = 409, "CONFLICT", "与当前状态冲突"


class ValidationFailed(ProblemError):
    status, code, title = 422, "VALIDATION_FAILED", "请求数据校验未通过"


class TooManyRequests(ProblemError):
    """A rate limit was reached (429); ``retry_after_s`` says when to try again (also sent as Retry-After)."""

    status, code, title = 429, "TOO_MANY_REQUESTS", "请求过于频繁"


class ServiceUnavailable(ProblemError):
    status, code, title = 503, "SERVICE_UNAVAILABLE", "服务暂不可用"


# Chinese messages for pydantic's error types; anything else falls back to a generic sentence.
_PYDANTIC_MESSAGES_ZH: dict[str, str] = {
    "missing": "必填字段缺失",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多允许 {max_length} 项",
    "string_type": "应为字符串",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为布尔值",
    "enum": "取值无效，允许的取值：{expected}",
    "literal_error": "取值无效，允许的取值：{expected}",
    "uuid_parsing": "应为有效的 UUID",
    "date_parsing": "应为有效日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为有效日期（YYYY-MM-DD）",
    "datetime_parsing": "应为有效的时间（ISO 8601）",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "greater_than": "必须大于 {gt}",
    "less_than": "必须小于 {lt}",
    "string_pattern_mismatch": "格式不正确",
    "uuid_type": "应为有效的 UUID",
    "uuid_version": "应为有效的 UUID",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "date_type": "应为有效日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "应为日期（YYYY-MM-DD），不带时间",
    "datetime_type": "应为有效的时间（ISO 8601）",
    "bool_type": "应为布尔值",
    "list_type": "应为数组",
    "missing_argument": "必填字段缺失",
    "string_unicode": "应为有效的 Unicode 文本",
    "model_attributes_type": "请求体应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "extra_forbidden": "不允许的字段",
    "value_error": "取值无效",
}


# Errors the platform's own validators raise carry their Chinese message already.
_OWN_ERROR_TYPES = {"rule_violation", "control_characters"}


def field_errors_from_pydantic(errors: list[dict[str, Any]]) -> list[FieldError]:
    """Translate pydantic errors; a validator may attach ``rule_ids`` through its error context."""
    out: list[FieldError] = []
    for err in errors:
        ctx = err.get("ctx") or {}
        if err.get("type") == "json_invalid":  # the location is a character offset, not a field
            out.append(FieldError("(body)", f"请求体不是有效的 JSON（约第 {err['loc'][-1]} 个字符处）"))
            continue
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        rule_ids = list(ctx.get("rule_ids", []))
        template = _PYDANTIC_MESSAGES_ZH.get(err.get("type", ""))
        if err.get("type") in _OWN_ERROR_TYPES or rule_ids:
            message = err.get("msg", "取值无效")
        elif template:
            try:
                message = template.format(**ctx)
            except (KeyError, IndexError):
                message = template
        else:
            message = "取值无效"
        out.append(FieldError(field=".".join(loc) or "(body)", message=message, rule_ids=rule_ids))
    return out


def problem_from_domain(exc: DomainError) -> ProblemError:
    """The problem the API answers for a refusal the domain stated (domain code and details kept)."""
    if isinstance(exc, RuleViolation):
        return ValidationFailed(
            exc.detail, code=exc.code, errors=[FieldError.from_rule(f) for f in exc.failures], extra=exc.extra
        )
    if isinstance(exc, StateConflict):
        return Conflict(exc.detail, code=exc.code, extra=exc.extra)
    return ProblemError(exc.detail, code=exc.code, status=400, title="请求无法处理", extra=exc.extra)
