"""Plain commands: what a use case is asked to do, as a frozen dataclass (no framework, no HTTP).

The REST schemas turn a request into a command (``body.command()``); tests build commands directly.
An edit command marks each field it does not change with ``UNSET`` (distinct from ``None``, which may be
a value), and ``provided(command)`` lists the fields it does change.
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
