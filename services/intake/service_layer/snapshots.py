"""Domain objects → event payloads (the full snapshot for registries), built at commit (``uow.emit``)."""

from __future__ import annotations

from typing import TypeVar

from services.intake.domain import model as m
from shared.events import contracts as c
from shared.events.envelope import EventPayload

E = TypeVar("E", bound=EventPayload)


def institution_fields(i: m.Institution) -> dict:
    return dict(
        institution_id=i.id,
        name=i.name,
        kind=i.kind,
        affiliation=i.affiliation,
        city_code=i.city_code,
        master_degree_disciplines=list(i.master_degree_disciplines),
        first_class_disciplines=list(i.first_class_disciplines),
        version=i.version,
    )


def researcher_fields(r: m.Researcher) -> dict:
    return dict(
        researcher_id=r.id,
        institution_id=r.institution_id,
        name=r.name,
        date_of_birth=r.date_of_birth,
        highest_degree=r.highest_degree,
        title=r.title,
        disciplines=list(r.disciplines),
        research_fields=r.research_fields,
        research_misconduct=r.research_misconduct,
        achievements=[
            c.AchievementSnapshot(
                achievement_id=a.id,
                kind=a.kind,
                title=a.title,
                summary=a.summary,
                year=a.year,
                keywords=list(a.keywords),
            )
            for a in r.achievements
        ],
        version=r.version,
    )


def enterprise_fields(e: m.Enterprise) -> dict:
    return dict(
        enterprise_id=e.id,
        name=e.name,
        city_code=e.city_code,
        county=e.county,
        registered_on=e.registered_on,
        independent_legal_person=e.independent_legal_person,
        qualifications=[str(q) for q in e.qualifications],
        platforms=[str(p) for p in e.platforms],
        is_soe=e.is_soe,
        research_misconduct=e.research_misconduct,
        equity_links=[
            c.EquityLinkSnapshot(party_type=str(x.party_type), party_id=x.party_id, relation=str(x.relation))
            for x in e.equity_links
        ],
        version=e.version,
    )


def need_fields(n: m.Need) -> dict:
    return dict(
        need_id=n.id,
        enterprise_id=n.enterprise_id,
        city_code=n.city_code,
        is_soe=n.is_soe,
        programme=n.programme,
        status=n.status.value,
    )


def institution_event(cls: type[E], institution: m.Institution) -> E:
    return cls(**institution_fields(institution))


def researcher_event(cls: type[E], researcher: m.Researcher) -> E:
    return cls(**researcher_fields(researcher))


def enterprise_event(cls: type[E], enterprise: m.Enterprise) -> E:
    return cls(**enterprise_fields(enterprise))
