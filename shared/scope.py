"""Scopes: which rows a caller may see, stated once and applied both in SQL and in memory.

A scope is a set of equality constraints on an entity's attributes (a city bureau sees needs with
``city_code = 230100 AND is_soe = false``) or nothing at all. Repositories apply it inside the query
(``shared.repository``); in-memory fakes call ``admits``. Plain Python: service layers build scopes
from the caller's token without touching SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Scope:
    """``visible=False``: nothing; otherwise the rows whose attributes equal ``equals``."""

    visible: bool = True
    equals: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def where(cls, **equals: Any) -> Scope:
        """Rows whose attributes equal these values; a ``None`` value is no restriction."""
        return cls(equals=tuple(sorted((k, v) for k, v in equals.items() if v is not None)))

    def constraint(self, name: str) -> Any:
        """The value this scope fixes for attribute ``name`` (None: unrestricted)."""
        return dict(self.equals).get(name)

    def admits(self, item: Any) -> bool:
        return self.visible and all(getattr(item, k) == v for k, v in self.equals)


EVERYTHING = Scope()
NOTHING = Scope(visible=False)
