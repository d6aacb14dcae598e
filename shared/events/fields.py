"""Copying a record's fields into an event payload (or back): by name, once, instead of field by field."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from pydantic import BaseModel


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def fields_for(model: type[BaseModel], source: Any, **values: Any) -> dict[str, Any]:
    """Every field of ``model``, read from ``source``'s attribute of the same name unless given in ``values``
    (keys that are named differently, nested snapshots); enum members become their values, lists are copied."""
    return {name: values[name] if name in values else _plain(getattr(source, name)) for name in model.model_fields}


def dataclass_fields_from(cls: type, source: BaseModel, **values: Any) -> dict[str, Any]:
    """The fields of dataclass ``cls`` that ``source`` (an event payload) carries, plus ``values``."""
    names = {f.name for f in dataclasses.fields(cls)}
    carried = {n: getattr(source, n) for n in names if n in type(source).model_fields and n not in values}
    return carried | values
