"""Small helpers shared by intake's use cases."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import Enum
from typing import Any

from shared.auth import Principal, Role
from shared.errors import FieldError, Forbidden, ValidationFailed


def jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {k: jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    return value


def apply_changes(target: Any, updates: dict[str, Any]) -> dict[str, Any]:
    """Set the attributes that differ; return ``{field: {"from": old, "to": new}}`` for the audit trail."""
    changes: dict[str, Any] = {}
    for name, new in updates.items():
        old = getattr(target, name)
        if jsonable(old) != jsonable(new):
            changes[name] = {"from": jsonable(old), "to": jsonable(new)}
            setattr(target, name, list(new) if isinstance(new, tuple) else new)  # commands carry tuples
    return changes


def require_role(principal: Principal, *roles: Role, what: str) -> None:
    if principal.role not in roles:
        raise Forbidden(f"当前角色无权{what}", code="ROLE_FORBIDDEN")


def guard_misconduct_flag(old: bool, new: bool | None, principal: Principal, rule_id: str) -> None:
    """Anyone in scope may report a misconduct record; only the province may clear one (R-E1 / R-C1)."""
    if new is False and old and principal.role is not Role.PROVINCE:
        raise ValidationFailed(
            "科研失信记录只能由省科技厅撤销",
            code="MISCONDUCT_CLEAR_FORBIDDEN",
            errors=[FieldError("research_misconduct", "只有省科技厅可以撤销科研失信记录", [rule_id])],
        )
