"""Agreements' repositories: the only SQL of agreements' tables. Scopes are applied inside the queries."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.agreements.adapters.orm import (
    agreement_documents,
    agreements,
    applications,
    calendar_days,
    calendar_years,
    meetings,
    needs,
    objections,
    pairs,
    selection_lists,
    service_logs,
    tracking_contacts,
)
from services.agreements.domain import agreement as a
from services.agreements.domain import model as m
from services.agreements.domain.calendar import YearArrangement
from shared.pagination import PageParams
from shared.repository import Repository
from shared.scope import Scope


# ------------------------------------------------------------------ copies of intake's records
class NeedCopies(Repository[m.NeedCopy]):
    entity, table = m.NeedCopy, needs

    async def many(self, need_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, m.NeedCopy]:
        if not need_ids:
            return {}
        return {n.id: n for n in await self.all(self.select().where(needs.c.id.in_(list(need_ids))))}


class ApplicationCopies(Repository[m.ApplicationCopy]):
    entity, table = m.ApplicationCopy, applications

    async def record(self, application_id: uuid.UUID, researcher_id: uuid.UUID, batch_id: uuid.UUID, status: str):
        stmt = pg_insert(applications).values(
            id=application_id, researcher_id=researcher_id, batch_id=batch_id, status=status
        )
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_={"status": status}))

    async def approved(self, researcher_id: uuid.UUID, batch_id: uuid.UUID) -> bool:
        stmt = select(applications.c.id).where(
            applications.c.researcher_id == researcher_id,
            applications.c.batch_id == batch_id,
            applications.c.status == "approved",
        )
        return await self.exists(stmt)

    async def approved_among(self, keys: Collection[tuple[uuid.UUID, uuid.UUID]]) -> set[tuple[uuid.UUID, uuid.UUID]]:
        """Which (researcher, batch) pairs hold an approved application (R-F4)."""
        researchers = list({r for r, _ in keys})
        if not researchers:
            return set()
        stmt = select(applications.c.researcher_id, applications.c.batch_id).where(
            applications.c.researcher_id.in_(researchers), applications.c.status == "approved"
        )
        return {(r, b) for r, b in (await self.session.execute(stmt)).all()} & set(keys)


# ------------------------------------------------------------------ negotiation (R-F5)
class PairRepository(Repository[m.Pair]):
    entity, table = m.Pair, pairs

    async def by_entry(self, entry_id: uuid.UUID) -> m.Pair | None:
        return await self.one_or_none(self.select().where(pairs.c.entry_id == entry_id))

    async def many(self, pair_ids: Collection[uuid.UUID], scope: Scope, *, for_update: bool = False) -> list[m.Pair]:
        stmt = self.scoped(self.select().where(pairs.c.id.in_(list(pair_ids))), scope).order_by(pairs.c.id)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.all(stmt)

    async def list(
        self,
        scope: Scope,
        page: PageParams,
        *,
        status: m.PairStatus | None = None,
        need_id: uuid.UUID | None = None,
        programme: str | None = None,
        batch_id: uuid.UUID | None = None,
    ) -> tuple[list[m.Pair], int]:
        stmt = self.scoped(self.select(), scope)
        if status is not None:
            stmt = stmt.where(pairs.c.status == status.value)
        if need_id is not None:
            stmt = stmt.where(pairs.c.need_id == need_id)
        if programme is not None:
            stmt = stmt.where(pairs.c.programme == programme)
        if batch_id is not None:
            stmt = stmt.where(pairs.c.need_id.in_(select(needs.c.id).where(needs.c.batch_id == batch_id)))
        return await self.page(stmt, page, [pairs.c.created_at.desc(), pairs.c.id])

    async def reported_in_batch(self, batch_id: uuid.UUID) -> list[m.Pair]:
        stmt = self.select().where(
            pairs.c.batch_id == batch_id, pairs.c.status.in_([m.PairStatus.REPORTED.value, m.PairStatus.FILED.value])
        )
        return await self.all(stmt.order_by(pairs.c.reported_at, pairs.c.id))


class MeetingRepository(Repository[m.Meeting]):
    entity, table = m.Meeting, meetings

    async def list(
        self, scope: Scope, page: PageParams, *, status: m.MeetingStatus | None = None
    ) -> tuple[list[m.Meeting], int]:
        stmt = self.scoped(self.select(), scope)
        if status is not None:
            stmt = stmt.where(meetings.c.status == status.value)
        return await self.page(stmt, page, [meetings.c.starts_at.desc(), meetings.c.id])


# ------------------------------------------------------------------ the province's list (R-F6, R-F7)
class ListRepository(Repository[m.SelectionList]):
    entity, table = m.SelectionList, selection_lists

    async def for_batch(self, batch_id: uuid.UUID, *, for_update: bool = False) -> m.SelectionList | None:
        return await self.one_or_none(
            self.select().where(selection_lists.c.batch_id == batch_id), for_update=for_update
        )

    async def list(
        self, page: PageParams, *, status: m.ListStatus | None = None, statuses: Collection[m.ListStatus] = ()
    ) -> tuple[list[m.SelectionList], int]:
        stmt = self.select()
        if status is not None:
            stmt = stmt.where(selection_lists.c.status == status.value)
        if statuses:
            stmt = stmt.where(selection_lists.c.status.in_([s.value for s in statuses]))
        return await self.page(stmt, page, [selection_lists.c.created_at.desc(), selection_lists.c.id])

    async def in_notice(self, *, for_update: bool = False) -> list[m.SelectionList]:
        stmt = self.select().where(selection_lists.c.status == m.ListStatus.IN_NOTICE.value)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.all(stmt.order_by(selection_lists.c.id))


class ObjectionRepository(Repository[m.Objection]):
    entity, table = m.Objection, objections

    async def pending_count(self, list_id: uuid.UUID) -> int:
        stmt = select(func.count()).where(
            objections.c.list_id == list_id, objections.c.status == m.ObjectionStatus.PENDING.value
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def filed_since(self, client_hash: str, since: datetime) -> int:
        stmt = select(func.count()).where(objections.c.client_hash == client_hash, objections.c.filed_at >= since)
        return int((await self.session.execute(stmt)).scalar_one())

    async def list(
        self, page: PageParams, *, list_id: uuid.UUID | None = None, status: m.ObjectionStatus | None = None
    ) -> tuple[list[m.Objection], int]:
        stmt = self.select()
        if list_id is not None:
            stmt = stmt.where(objections.c.list_id == list_id)
        if status is not None:
            stmt = stmt.where(objections.c.status == status.value)
        return await self.page(stmt, page, [objections.c.filed_at.desc(), objections.c.id])


# ------------------------------------------------------------------ the working-day calendar (R-F7)
class CalendarRepository:
    """The known years' holiday arrangements and the calendar's revision (each load is one more)."""

    def __init__(self, session) -> None:
        self.session = session

    async def arrangements(self) -> list[YearArrangement]:
        years = {r.year: r for r in (await self.session.execute(select(calendar_years))).all()}
        found: dict[int, dict[str, dict[date, str]]] = {y: {"holiday": {}, "adjusted_working": {}} for y in years}
        for row in (await self.session.execute(select(calendar_days))).all():
            found[row.year][row.kind][row.day] = row.name
        return [
            YearArrangement(y, found[y]["holiday"], found[y]["adjusted_working"], years[y].reference)
            for y in sorted(years)
        ]

    async def revision(self) -> int:
        return int(
            (await self.session.execute(select(func.coalesce(func.max(calendar_years.c.revision), 0)))).scalar_one()
        )

    async def years(self) -> list[dict]:
        stmt = select(calendar_years).order_by(calendar_years.c.year)
        counts = dict(
            (
                await self.session.execute(select(calendar_days.c.year, func.count()).group_by(calendar_days.c.year))
            ).all()
        )
        return [dict(r._mapping) | {"days": counts.get(r.year, 0)} for r in (await self.session.execute(stmt)).all()]

    async def replace_year(self, arrangement: YearArrangement, revision: int, loaded_by: str) -> None:
        """Store ``arrangement`` as the year's calendar (a year loaded again replaces the earlier one)."""
        year = arrangement.year
        await self.session.execute(select(calendar_years.c.year).with_for_update())  # one load at a time
        await self.session.execute(delete(calendar_days).where(calendar_days.c.year == year))
        stmt = pg_insert(calendar_years).values(
            year=year,
            reference=arrangement.reference,
            revision=revision,
            loaded_by=loaded_by,
            loaded_at=datetime.now(UTC),
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["year"],
                set_={k: stmt.excluded[k] for k in ("reference", "revision", "loaded_by", "loaded_at")},
            )
        )
        rows = [{"day": d, "year": year, "kind": "holiday", "name": n} for d, n in arrangement.holidays.items()]
        rows += [
            {"day": d, "year": year, "kind": "adjusted_working", "name": n}
            for d, n in arrangement.adjusted_working_days.items()
        ]
        if rows:
            await self.session.execute(calendar_days.insert(), rows)


# ------------------------------------------------------------------ agreements (R-F8–R-F10)
class AgreementRepository(Repository[a.Agreement]):
    entity, table = a.Agreement, agreements

    async def for_pair(self, pair_id: uuid.UUID) -> a.Agreement | None:
        return await self.one_or_none(self.select().where(agreements.c.pair_id == pair_id))

    async def running_for(self, researcher_id: uuid.UUID, enterprise_id: str, programme: str) -> bool:
        """Whether this expert already has an agreement with this enterprise in this programme, not yet ended."""
        ended = (a.AgreementStatus.TERMINATED.value, a.AgreementStatus.EXPIRED.value)
        stmt = self.select().where(
            agreements.c.researcher_id == researcher_id,
            agreements.c.enterprise_id == enterprise_id,
            agreements.c.programme == programme,
            agreements.c.status.not_in(ended),
        )
        return await self.exists(stmt)

    async def list(
        self, scope: Scope, page: PageParams, *, status: a.AgreementStatus | None = None, programme: str | None = None
    ) -> tuple[list[a.Agreement], int]:
        stmt = self.scoped(self.select(), scope)
        if status is not None:
            stmt = stmt.where(agreements.c.status == status.value)
        if programme is not None:
            stmt = stmt.where(agreements.c.programme == programme)
        return await self.page(stmt, page, [agreements.c.created_at.desc(), agreements.c.id])


class ServiceLogRepository(Repository[a.ServiceLog]):
    entity, table = a.ServiceLog, service_logs

    async def of_agreement(self, agreement_id: uuid.UUID) -> list[a.ServiceLog]:
        stmt = self.select().where(service_logs.c.agreement_id == agreement_id)
        return await self.all(stmt.order_by(service_logs.c.starts_on, service_logs.c.id))


class TrackingContactRepository(Repository[a.TrackingContact]):
    entity, table = a.TrackingContact, tracking_contacts

    async def of_agreement(self, agreement_id: uuid.UUID) -> list[a.TrackingContact]:
        stmt = self.select().where(tracking_contacts.c.agreement_id == agreement_id)
        return await self.all(stmt.order_by(tracking_contacts.c.contacted_on.desc(), tracking_contacts.c.id))


class DocumentRepository:
    """Uploaded files (the stamped originals): kept in the database, served only through the API."""

    def __init__(self, session) -> None:
        self.session = session

    async def add(self, **values) -> None:
        await self.session.execute(agreement_documents.insert().values(**values))

    async def get(self, document_id: uuid.UUID) -> dict | None:
        row = (
            await self.session.execute(select(agreement_documents).where(agreement_documents.c.id == document_id))
        ).first()
        return dict(row._mapping) if row else None
