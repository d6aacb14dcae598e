"""What the API shows: pairs, lists and notices with the names agreements copied from intake (read side)."""

from __future__ import annotations

from typing import Any

from services.agreements.domain import model as m
from services.agreements.service_layer.events import Names
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from shared.regions import CITIES
from shared.vocabulary import LABELS, Programme, Title

PROGRAMME_NAMES = LABELS[Programme]
TITLE_NAMES = LABELS[Title]


async def pair_views(pairs: list[m.Pair], uow: AgreementsUnitOfWork) -> list[dict[str, Any]]:
    names = await Names.of(uow, pairs)
    needs = await uow.needs.many({p.need_id for p in pairs})
    filing = [(p.researcher_id, needs[p.need_id].batch_id) for p in pairs if p.is_filing and p.need_id in needs]
    approved = await uow.applications.approved_among(filing)
    views = []
    for pair in pairs:
        need = needs.get(pair.need_id)
        view = {k: getattr(pair, k) for k in pair.__dataclass_fields__}
        view |= {
            "need_title": need.title if need else None,
            "researcher_name": names.researcher_name(pair.researcher_id),
            "institution_name": names.institution_name(pair.institution_id),
            "enterprise_name": names.enterprise_name(pair.enterprise_id),
            "confirmations_required": sorted(pair.required_confirmations),
            "application_approved": (
                (pair.researcher_id, need.batch_id) in approved if pair.is_filing and need is not None else None
            ),
        }
        views.append(view)
    return views


async def pair_view(pair: m.Pair, uow: AgreementsUnitOfWork) -> dict[str, Any]:
    return (await pair_views([pair], uow))[0]


async def list_view(selection: m.SelectionList, uow: AgreementsUnitOfWork) -> dict[str, Any]:
    names = await Names.of(uow, selection.entries)
    view = {k: getattr(selection, k) for k in selection.__dataclass_fields__ if k != "entries"}
    view["entries"] = [
        {k: getattr(e, k) for k in e.__dataclass_fields__}
        | names.entry_ref(e).model_dump(include=_NAMES)
        | {"researcher_title": _title(names, e.researcher_id)}
        for e in selection.entries
    ]
    view["active_entries"] = len(selection.active_entries())
    view["objections_pending"] = await uow.objections.pending_count(selection.id)
    return view


_NAMES = {"researcher_name", "institution_name", "enterprise_name"}


def _title(names: Names, researcher_id) -> str | None:
    person = names.researcher(researcher_id)
    return TITLE_NAMES.get(person.title, person.title) if person else None


async def public_notice(selection: m.SelectionList, uow: AgreementsUnitOfWork, *, at) -> dict[str, Any]:
    """Only what a public notice shows: name, unit, title, host enterprise and city — nothing else."""
    entries = selection.active_entries()
    names = await Names.of(uow, entries)
    shown = []
    for entry in entries:
        person = names.researcher(entry.researcher_id)
        city = CITIES.get(entry.city_code)
        shown.append(
            {
                "pair_id": entry.pair_id,
                "name": person.name if person else None,
                "unit": names.institution_name(entry.institution_id),
                "title": _title(names, entry.researcher_id),
                "enterprise": names.enterprise_name(entry.enterprise_id),
                "city": f"{city}（省属国有企业）" if entry.is_soe and city else city,
            }
        )
    return {
        "id": selection.id,
        "programme": selection.programme,
        "title": f"{PROGRAMME_NAMES[selection.programme]}选派名单公示",
        "status": selection.status,
        "starts_on": selection.notice_starts_on,
        "ends_on": selection.notice_ends_on,
        "working_days": selection.notice_working_days,
        "ends_provisionally": selection.notice_ends_provisionally,
        "accepting_objections": selection.accepts_objections(at),
        "document_number": selection.document_number,
        "entries": shown,
    }
