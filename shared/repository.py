"""The repository base every service's repositories extend: scoped get, add, count-then-page — written once.

A *scope* (``shared.scope``) is applied inside the query, so a caller can never fetch a row and forget to
check it afterwards. This module is the only SQL side of it; use cases only build ``Scope`` values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, Table, bindparam, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.pagination import PageParams
from shared.scope import EVERYTHING, Scope

E = TypeVar("E")
_PRIMARY_KEY_SELECTS: dict[tuple, Select] = {}  # (repository class, scope columns, for update) → statement


def scope_conditions(scope: Scope, table: Table) -> list[ColumnElement[bool]]:
    """``scope`` as SQL conditions on ``table``'s columns of the same names."""
    if not scope.visible:
        return [false()]
    return [table.c[name] == value for name, value in scope.equals]


class Repository(Generic[E]):
    """SQL for one mapped entity. Subclasses set ``entity`` and ``table`` and add their own queries."""

    entity: ClassVar[type]
    table: ClassVar[Table]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, item: E) -> None:
        self.session.add(item)

    def select(self) -> Select:
        """The entity's rows (``get`` builds the same select once per scope shape and keeps it)."""
        return select(self.entity)

    def scoped(self, stmt: Select, scope: Scope, table: Table | None = None) -> Select:
        """``stmt`` restricted to ``scope`` on ``table``: the entity's own by default, a joined one for lists."""
        return stmt.where(*scope_conditions(scope, self.table if table is None else table))

    async def get(self, key: Any, scope: Scope = EVERYTHING, *, for_update: bool = False) -> E | None:
        """The row with primary key ``key`` if ``scope`` may see it, else None (callers answer 404: nothing leaks)."""
        if not scope.visible:
            return None
        stmt = self._by_primary_key(tuple(name for name, _ in scope.equals), for_update)
        parameters = {"pk": key} | {f"scope_{name}": value for name, value in scope.equals}
        return (await self.session.execute(stmt, parameters)).scalars().unique().one_or_none()

    @classmethod
    def _by_primary_key(cls, scope_names: tuple[str, ...], for_update: bool) -> Select:
        """The primary-key select for a scope's shape, built once: a statement object used again skips building
        and cache-key generation on every call (the hot read of every request)."""
        shape = (cls, scope_names, for_update)
        stmt = _PRIMARY_KEY_SELECTS.get(shape)
        if stmt is None:
            (pk,) = cls.table.primary_key.columns
            stmt = select(cls.entity).where(pk == bindparam("pk"))
            stmt = stmt.where(*(cls.table.c[name] == bindparam(f"scope_{name}") for name in scope_names))
            stmt = _PRIMARY_KEY_SELECTS[shape] = stmt.with_for_update() if for_update else stmt
        return stmt

    async def one_or_none(self, stmt: Select, *, for_update: bool = False) -> E | None:
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalars().unique().one_or_none()

    async def all(self, stmt: Select) -> list[E]:
        return list((await self.session.execute(stmt)).scalars().unique())

    async def exists(self, stmt: Select) -> bool:
        return (await self.session.execute(stmt.limit(1))).first() is not None

    async def page(self, stmt: Select, page: PageParams, order_by: Sequence[Any]) -> tuple[list[E], int]:
        """One page of ``stmt`` in ``order_by`` order, and how many rows there are in all."""
        total = (
            await self.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))
        ).scalar_one()
        rows = await self.session.execute(stmt.order_by(*order_by).limit(page.limit).offset(page.offset))
        return list(rows.scalars().unique()), int(total)
