"""In-memory test doubles for the use cases (cosmicpython's FakeUnitOfWork): the rules, tested in milliseconds.

A fake repository keeps entities in a dict and honours the same ``Scope`` the SQL repositories apply, so
a use case cannot tell the difference for what it asks. The fake unit of work builds the queued events at
commit, as the real one does, and keeps them with the audit entries for the test to read.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from shared.auth import Principal
from shared.events.envelope import EventPayload
from shared.pagination import PageParams
from shared.scope import EVERYTHING, Scope


class FakeRepository:
    """Entities by key; ``get`` and ``page`` honour scopes like ``shared.repository.Repository``."""

    def __init__(self, key: str = "id", items: Iterable[Any] = ()) -> None:
        self.key = key
        self.items: dict[Any, Any] = {}
        for item in items:
            self.add(item)

    def add(self, item: Any) -> None:
        self.items[getattr(item, self.key)] = item

    async def get(self, key: Any, scope: Scope = EVERYTHING, *, for_update: bool = False) -> Any:
        item = self.items.get(key)
        return item if item is not None and scope.admits(item) else None

    def where(self, scope: Scope = EVERYTHING, **equals: Any) -> list[Any]:
        return [
            i for i in self.items.values() if scope.admits(i) and all(getattr(i, k) == v for k, v in equals.items())
        ]

    @staticmethod
    def page(items: list[Any], page: PageParams) -> tuple[list[Any], int]:
        return items[page.offset : page.offset + page.limit], len(items)


class FakeUnitOfWork:
    """Commits nothing anywhere: ``committed`` says whether the use case's entrypoint would have committed."""

    def __init__(self, **repositories: Any) -> None:
        for name, repository in repositories.items():
            setattr(self, name, repository)
        self.events: list[EventPayload] = []  # built at commit, as the real unit of work does
        self.audit: list[dict[str, Any]] = []
        self.committed = False
        self._pending: list[EventPayload | Callable[[], EventPayload]] = []

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.rollback()

    def emit(self, event: EventPayload | Callable[[], EventPayload]) -> None:
        self._pending.append(event)

    async def record_audit(
        self, principal: Principal, action: str, entity: str, entity_id: str, changes: dict | None = None
    ) -> None:
        self.audit.append({"actor": principal.subject, "action": action, "entity": entity, "entity_id": entity_id,
                           "changes": changes})  # fmt: skip

    async def flush(self) -> None:
        pass

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        mark = len(self._pending)
        try:
            yield
        except BaseException:
            del self._pending[mark:]
            raise

    async def commit(self) -> None:
        self.events += [e if isinstance(e, EventPayload) else e() for e in self._pending]
        self._pending.clear()
        self.committed = True

    async def rollback(self) -> None:
        self._pending.clear()

    def event_types(self) -> list[str]:
        """The events committed, by their short name (``submitted``, ``approved_by_city`` …)."""
        return [e.event_type.rsplit(".", 2)[-2] for e in self.events]


def new_id() -> uuid.UUID:
    return uuid.uuid4()


# ------------------------------------------------------------------ intake
class _Institutions(FakeRepository):
    async def name_taken(self, name: str, except_id: uuid.UUID | None = None) -> bool:
        return any(i.name == name and i.id != except_id for i in self.items.values())


class _Researchers(FakeRepository):
    async def by_employee_numbers(self, institution_id: uuid.UUID, numbers: list[str]) -> dict:
        return {r.employee_no: r for r in self.where(institution_id=institution_id) if r.employee_no in numbers}


class _Batches(FakeRepository):
    async def find(self, programme: str, year: int) -> Any:
        return next(iter(self.where(programme=programme, year=year)), None)


class _Needs(FakeRepository):
    async def list(self, scope: Scope, page: PageParams, **filters: Any) -> tuple[list, int]:
        equals = {k: v for k, v in filters.items() if v is not None and k != "q"}
        return self.page(self.where(scope, **equals), page)


class _Applications(FakeRepository):
    async def find(self, researcher_id: uuid.UUID, batch_id: uuid.UUID) -> Any:
        return next(iter(self.where(researcher_id=researcher_id, batch_id=batch_id)), None)


def intake_uow(*items: Any) -> FakeUnitOfWork:
    """A fake of intake's unit of work holding ``items`` (institutions, researchers, enterprises, batches, needs…)."""
    from services.intake.domain import model as m

    uow = FakeUnitOfWork(
        institutions=_Institutions(),
        researchers=_Researchers(),
        enterprises=FakeRepository(),
        batches=_Batches(),
        needs=_Needs(),
        applications=_Applications(),
    )
    homes = {
        m.Institution: uow.institutions, m.Researcher: uow.researchers, m.Enterprise: uow.enterprises,
        m.Batch: uow.batches, m.Need: uow.needs, m.ResearcherApplication: uow.applications,
    }  # fmt: skip
    for item in items:
        homes[type(item)].add(item)
    return uow


# ------------------------------------------------------------------ matching
class _NeedCopies(FakeRepository):
    async def many(self, need_ids: list[uuid.UUID]) -> list:
        return [self.items[n] for n in need_ids if n in self.items]

    async def reported_in_batch(self, batch_id: uuid.UUID) -> list:
        return [n for n in self.where(batch_id=batch_id) if n.is_reported]


class _Proposals(FakeRepository):
    async def current_for(self, need_ids: Iterable[uuid.UUID]) -> dict:
        wanted = set(need_ids)
        return {p.need_id: p for p in self.items.values() if p.current and p.need_id in wanted}

    async def open_lists(self) -> list:
        return [p for p in self.items.values() if p.current and p.pushed_at is None]


class _Profiles(FakeRepository):
    def __init__(self) -> None:
        super().__init__(key="researcher_id")

    async def count(self) -> int:
        return len(self.items)


class _Runs(FakeRepository):
    async def active_count(self) -> int:
        return sum(1 for r in self.items.values() if r.status in ("queued", "running"))


class FakeTimers:
    """``(kind, key)`` → (due_at, payload); scheduling again moves a timer, as the real table does."""

    def __init__(self) -> None:
        self.scheduled: dict[tuple[str, str], tuple[Any, dict]] = {}

    async def schedule(self, kind: str, key: str, due_at: Any, payload: dict | None = None) -> bool:
        self.scheduled[(kind, key)] = (due_at, dict(payload or {}))
        return True

    async def cancel(self, kind: str, key: str) -> bool:
        return self.scheduled.pop((kind, key), None) is not None


class _Overrides(FakeRepository):
    def add(self, item: Any) -> None:
        self.items[(item.researcher_id, item.rule_id)] = item

    async def get(self, researcher_id: uuid.UUID, rule_id: str) -> Any:  # type: ignore[override]
        return self.items.get((researcher_id, rule_id))

    async def delete(self, item: Any) -> None:
        del self.items[(item.researcher_id, item.rule_id)]


def matching_uow(*items: Any) -> FakeUnitOfWork:
    """A fake of matching's unit of work holding needs, proposals and researcher copies."""
    from services.matching.domain.model import NeedSnapshot
    from services.matching.domain.proposal import Proposal
    from shared.events.contracts import ResearcherSnapshot

    uow = FakeUnitOfWork(
        needs=_NeedCopies(), proposals=_Proposals(), runs=_Runs(), researchers=_Profiles(), overrides=_Overrides(),
        timers=FakeTimers(),
    )  # fmt: skip
    homes = {NeedSnapshot: uow.needs, Proposal: uow.proposals, ResearcherSnapshot: uow.researchers}
    for item in items:
        homes[type(item)].add(item)
    return uow


# ------------------------------------------------------------------ agreements
class _Pairs(FakeRepository):
    async def by_entry(self, entry_id: uuid.UUID) -> Any:
        return next(iter(self.where(entry_id=entry_id)), None)

    async def many(self, ids: Iterable[uuid.UUID], scope: Scope = EVERYTHING, *, for_update: bool = False) -> list:
        wanted = set(ids)
        return [p for p in self.where(scope) if p.id in wanted]

    async def list(self, scope: Scope, page: PageParams, **filters: Any) -> tuple[list, int]:
        equals = {k: v for k, v in filters.items() if v is not None and k != "batch_id"}
        return self.page(self.where(scope, **equals), page)

    async def reported_in_batch(self, batch_id: uuid.UUID) -> list:
        return [p for p in self.where(batch_id=batch_id) if p.status in ("reported", "filed")]


class _Meetings(FakeRepository):
    async def list(self, scope: Scope, page: PageParams, *, status: Any = None) -> tuple[list, int]:
        return self.page(self.where(scope, **({"status": status} if status else {})), page)


class _Lists(FakeRepository):
    async def for_batch(self, batch_id: uuid.UUID, *, for_update: bool = False) -> Any:
        return next(iter(self.where(batch_id=batch_id)), None)

    async def in_notice(self, *, for_update: bool = False) -> list:
        return self.where(status="in_notice")


class _Objections(FakeRepository):
    async def pending_count(self, list_id: uuid.UUID) -> int:
        return len(self.where(list_id=list_id, status="pending"))

    async def filed_since(self, client_hash: str, since: Any) -> int:
        return sum(1 for o in self.where(client_hash=client_hash) if o.filed_at >= since)


class _Copies(FakeRepository):
    async def many(self, keys: Iterable[Any]) -> dict:
        return {k: self.items[k] for k in keys if k in self.items}

    async def upsert(self, snapshot: Any) -> bool:
        self.add(snapshot)
        return True


class _AgreementNeeds(FakeRepository):
    async def many(self, ids: Iterable[uuid.UUID]) -> dict:
        return {i: self.items[i] for i in ids if i in self.items}


class _ApplicationCopies(FakeRepository):
    async def record(self, application_id: uuid.UUID, researcher_id: uuid.UUID, batch_id: uuid.UUID, status: str):
        from services.agreements.domain.model import ApplicationCopy

        self.add(ApplicationCopy(application_id, researcher_id, batch_id, status))

    async def approved(self, researcher_id: uuid.UUID, batch_id: uuid.UUID) -> bool:
        return any(a.approved for a in self.where(researcher_id=researcher_id, batch_id=batch_id))

    async def approved_among(self, keys: Iterable[tuple]) -> set:
        return {k for k in keys if await self.approved(*k)}


class FakeCalendar:
    """Known years' arrangements and the revision, as ``CalendarRepository`` keeps them."""

    def __init__(self, years: Iterable[Any] = ()) -> None:
        self.years = {y.year: y for y in years}
        self._revision = 1

    async def arrangements(self) -> list:
        return [self.years[y] for y in sorted(self.years)]

    async def revision(self) -> int:
        return self._revision

    async def replace_year(self, arrangement: Any, revision: int, loaded_by: str) -> None:
        self.years[arrangement.year] = arrangement
        self._revision = revision


class _Agreements(FakeRepository):
    async def for_pair(self, pair_id: uuid.UUID) -> Any:
        return next(iter(self.where(pair_id=pair_id)), None)


class _Logs(FakeRepository):
    async def of_agreement(self, agreement_id: uuid.UUID) -> list:
        return sorted(self.where(agreement_id=agreement_id), key=lambda log: log.starts_on)


class _Documents:
    def __init__(self) -> None:
        self.rows: dict[Any, dict] = {}

    async def add(self, **values: Any) -> None:
        self.rows[values["id"]] = values

    async def get(self, document_id: Any) -> dict | None:
        return self.rows.get(document_id)


def agreements_uow(*items: Any, calendar: Iterable[Any] = ()) -> FakeUnitOfWork:
    """A fake of agreements' unit of work holding pairs, meetings, lists, objections and intake copies."""
    from services.agreements.domain import model as m
    from shared.events.contracts import EnterpriseSnapshot, InstitutionSnapshot, ResearcherSnapshot

    uow = FakeUnitOfWork(
        pairs=_Pairs(), meetings=_Meetings(), lists=_Lists(), objections=_Objections(), needs=_AgreementNeeds(),
        applications=_ApplicationCopies(), researchers=_Copies("researcher_id"), institutions=_Copies("institution_id"),
        enterprises=_Copies("enterprise_id"), calendar=FakeCalendar(calendar), timers=FakeTimers(),
        agreements=_Agreements(), service_logs=_Logs(), contacts=_Logs(), documents=_Documents(),
    )  # fmt: skip
    homes = {
        m.Pair: uow.pairs, m.Meeting: uow.meetings, m.SelectionList: uow.lists, m.Objection: uow.objections,
        m.NeedCopy: uow.needs, m.ApplicationCopy: uow.applications, ResearcherSnapshot: uow.researchers,
        InstitutionSnapshot: uow.institutions, EnterpriseSnapshot: uow.enterprises,
    }  # fmt: skip
    for item in items:
        homes[type(item)].add(item)
    return uow
