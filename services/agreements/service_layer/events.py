"""Agreements' events, built from the aggregates (at commit, so they carry what was stored)."""

from __future__ import annotations

import uuid
from typing import Any

from services.agreements.domain import agreement as a
from services.agreements.domain import model as m
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from shared.events import contracts as c


def pair_fields(pair: m.Pair) -> dict[str, Any]:
    return {
        "pair_id": pair.id,
        "entry_id": pair.entry_id,
        "need_id": pair.need_id,
        "researcher_id": pair.researcher_id,
        "institution_id": pair.institution_id,
        "enterprise_id": pair.enterprise_id,
        "city_code": pair.city_code,
        "is_soe": pair.is_soe,
        "programme": pair.programme,
        "occurred_at": pair.updated_at,
    }


def meeting_fields(meeting: m.Meeting) -> dict[str, Any]:
    return {
        "meeting_id": meeting.id,
        "city_code": meeting.city_code,
        "is_soe": meeting.is_soe,
        "programme": meeting.programme,
        "occurred_at": meeting.updated_at,
    }


def agreement_fields(agreement: a.Agreement) -> dict[str, Any]:
    return {
        "agreement_id": agreement.id,
        "need_id": agreement.need_id,
        "researcher_id": agreement.researcher_id,
        "institution_id": agreement.institution_id,
        "enterprise_id": agreement.enterprise_id,
        "programme": agreement.programme,
        "occurred_at": agreement.updated_at,
        "city_code": agreement.city_code,
        "is_soe": agreement.is_soe,
    }


def list_fields(lst: m.SelectionList) -> dict[str, Any]:
    return {"list_id": lst.id, "batch_id": lst.batch_id, "programme": lst.programme, "occurred_at": lst.updated_at}


def pair_ref(pair: m.Pair) -> c.PairRef:
    return c.PairRef(
        pair_id=pair.id,
        need_id=pair.need_id,
        researcher_id=pair.researcher_id,
        institution_id=pair.institution_id,
        enterprise_id=pair.enterprise_id,
    )


class Names:
    """Display names of the people and organisations on a list (from agreements' copies; None when unknown)."""

    def __init__(self, researchers: dict, institutions: dict, enterprises: dict) -> None:
        self.researchers, self.institutions, self.enterprises = researchers, institutions, enterprises

    @classmethod
    async def of(cls, uow: AgreementsUnitOfWork, entries: list[Any]) -> Names:
        return cls(
            await uow.researchers.many({e.researcher_id for e in entries}),
            await uow.institutions.many({e.institution_id for e in entries}),
            await uow.enterprises.many({e.enterprise_id for e in entries}),
        )

    def researcher(self, researcher_id: uuid.UUID) -> Any:
        return self.researchers.get(researcher_id)

    def researcher_name(self, researcher_id: uuid.UUID) -> str | None:
        found = self.researchers.get(researcher_id)
        return found.name if found else None

    def institution_name(self, institution_id: uuid.UUID) -> str | None:
        found = self.institutions.get(institution_id)
        return found.name if found else None

    def enterprise_name(self, enterprise_id: str) -> str | None:
        found = self.enterprises.get(enterprise_id)
        return found.name if found else None

    def entry_ref(self, entry: m.ListEntry) -> c.ListEntryRef:
        return c.ListEntryRef(
            pair_id=entry.pair_id,
            need_id=entry.need_id,
            researcher_id=entry.researcher_id,
            institution_id=entry.institution_id,
            enterprise_id=entry.enterprise_id,
            city_code=entry.city_code,
            is_soe=entry.is_soe,
            researcher_name=self.researcher_name(entry.researcher_id),
            institution_name=self.institution_name(entry.institution_id),
            enterprise_name=self.enterprise_name(entry.enterprise_id),
        )
