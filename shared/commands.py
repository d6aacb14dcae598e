"""Plain commands: what a use case is asked to do, as a frozen dataclass (no framework, no HTTP).

The REST schemas turn a request into a command (``body.command()``); tests build commands directly.
An edit command marks each field it does not change with ``UNSET`` (distinct from ``None``, which may be
a value), and ``provided(command)`` lists the fields it does change. ``edit_of(Register…)`` derives the
edit command of a registration, so the two cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final


class _Unset:
    """The value of an edit command's field that the caller did not send."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset()


def provided(command: Any, *, exclude: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields of ``command`` that were given a value (``UNSET`` ones left out)."""
    return {
        f.name: value
        for f in dataclasses.fields(command)
        if f.name not in exclude and (value := getattr(command, f.name)) is not UNSET
    }


def edit_of(command: type, name: str, *, exclude: set[str] | frozenset[str] = frozenset()) -> type:
    """The edit command of ``command``: the same fields but those in ``exclude`` (keys fixed at registration),
    each ``UNSET`` unless given."""
    fields = [
        (f.name, f.type, dataclasses.field(default=UNSET)) for f in dataclasses.fields(command) if f.name not in exclude
    ]
    edit = dataclasses.make_dataclass(name, fields, frozen=True)
    edit.__module__ = command.__module__
    edit.__doc__ = f"An edit of {command.__name__}: the fields given change, the UNSET ones stay."
    return edit
