"""A service's copy of another service's records, kept from their snapshot events: the newest version wins.

Registry events carry a record's full snapshot and its ``version`` (``shared.events.contracts``). A consumer
keeps one row per record — the key, the version and the snapshot as JSON — and stores an incoming snapshot
only when it is newer, so a redelivered or late older event changes nothing. Matching copies researchers,
institutions and enterprises this way; agreements copies them too, for names on lists and scopes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func, select
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import contracts as c
from shared.events.contracts import EnterpriseSnapshot, InstitutionSnapshot, ResearcherSnapshot

S = TypeVar("S", bound=BaseModel)


def copy_table(metadata: MetaData, name: str, key: str, key_type: Any) -> Table:
    """The table of one copied registry: the latest snapshot of each record (by version)."""
    return Table(
        name,
        metadata,
        Column(key, key_type, primary_key=True),
        Column("version", Integer, nullable=False),
        Column("snapshot", JSONB, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def create_copy_table_v1(op: Any, name: str, key: str, key_type: Any) -> None:
    """Alembic step creating ``copy_table(…)`` as released (frozen: a change gets a ``_v2``)."""
    op.create_table(
        name,
        sa.Column(key, key_type, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("snapshot", JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint(key, name=f"pk_{name}"),
    )


MANY_CHUNK = 10_000  # keys per IN (…) list


class SnapshotCopies(Generic[S]):
    """SQL of one copy table; subclasses set ``table``, ``key`` (the snapshot's id field) and ``model``."""

    table: ClassVar[Table]
    key: ClassVar[str]
    model: ClassVar[type[BaseModel]]

    def __init__(self, session: AsyncSession, table: Table | None = None) -> None:
        self.session = session
        if table is not None:  # a table of the service's own metadata (``add_registry_copy_tables``)
            self.table = table

    async def upsert(self, snapshot: BaseModel) -> bool:
        """Store ``snapshot`` unless a newer version is already stored; True if it was stored."""
        data = snapshot.model_dump(mode="json")
        stmt = pg_insert(self.table).values(
            {self.key: getattr(snapshot, self.key), "version": snapshot.version, "snapshot": data}
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[self.key],
            set_={"version": stmt.excluded.version, "snapshot": stmt.excluded.snapshot, "updated_at": func.now()},
            where=self.table.c.version < stmt.excluded.version,
        ).returning(self.table.c.version)
        return (await self.session.execute(stmt)).first() is not None

    async def get(self, key_value: Any) -> S | None:
        stmt = select(self.table.c.snapshot).where(self.table.c[self.key] == key_value)
        row = (await self.session.execute(stmt)).first()
        return self.model.model_validate(row[0]) if row else None  # type: ignore[return-value]

    async def many(self, keys: Collection[Any]) -> dict[Any, S]:
        """The copies of ``keys``, read in chunks (PostgreSQL takes at most 32,767 parameters per statement: a pool
        of 100k researchers is read in several)."""
        keys = list(keys)
        found: dict[Any, S] = {}
        for start in range(0, len(keys), MANY_CHUNK):
            chunk = keys[start : start + MANY_CHUNK]
            rows = await self.session.execute(select(self.table.c.snapshot).where(self.table.c[self.key].in_(chunk)))
            for row in rows:
                item = self.model.model_validate(row[0])
                found[getattr(item, self.key)] = item  # type: ignore[assignment]
        return found

    async def count(self) -> int:
        return int((await self.session.execute(select(func.count()).select_from(self.table))).scalar_one())


# ------------------------------------------------------------------ intake's three registries
@dataclass(frozen=True)
class RegistryCopyTables:
    """One service's copy tables of intake's registries (agreements and evaluation keep the same three)."""

    researchers: Table
    institutions: Table
    enterprises: Table


def add_registry_copy_tables(metadata: MetaData) -> RegistryCopyTables:
    return RegistryCopyTables(
        copy_table(metadata, "researcher_copies", "researcher_id", UUID(as_uuid=True)),
        copy_table(metadata, "institution_copies", "institution_id", UUID(as_uuid=True)),
        copy_table(metadata, "enterprise_copies", "enterprise_id", String(18)),
    )


class ResearcherCopies(SnapshotCopies[ResearcherSnapshot]):
    key, model = "researcher_id", ResearcherSnapshot


class InstitutionCopies(SnapshotCopies[InstitutionSnapshot]):
    key, model = "institution_id", InstitutionSnapshot


class EnterpriseCopies(SnapshotCopies[EnterpriseSnapshot]):
    key, model = "enterprise_id", EnterpriseSnapshot


def registry_copies(
    session: AsyncSession, tables: RegistryCopyTables
) -> tuple[ResearcherCopies, InstitutionCopies, EnterpriseCopies]:
    """The repositories of the three copies on a unit of work's session: researchers, institutions, enterprises."""
    return (
        ResearcherCopies(session, tables.researchers),
        InstitutionCopies(session, tables.institutions),
        EnterpriseCopies(session, tables.enterprises),
    )


def keep_copy(repository: str, model: type[BaseModel]):
    """A consumer handler that stores an event's snapshot in the unit of work's copy ``repository`` (newest wins).
    Returns whether it was stored (a newer copy was already there: False)."""

    async def handler(uow: Any, event: Any, payload: BaseModel) -> bool:
        return await getattr(uow, repository).upsert(model.model_validate(payload.model_dump()))

    handler.__name__ = f"keep_{repository}"
    return handler


def registry_subscriptions(**handlers: Any) -> dict[str, Any]:
    """The subscriptions of a copy of intake's registries: ``researchers=``, ``institutions=``, ``enterprises=``
    handlers, each for the registered and the updated event of its record."""
    from shared.messaging.consumer import Subscription

    events = {
        "researchers": (c.ResearcherRegisteredV1, c.ResearcherProfileUpdatedV1),
        "institutions": (c.InstitutionRegisteredV1, c.InstitutionUpdatedV1),
        "enterprises": (c.EnterpriseRegisteredV1, c.EnterpriseUpdatedV1),
    }
    return {e.event_type: Subscription(e, handler) for name, handler in handlers.items() for e in events[name]}
