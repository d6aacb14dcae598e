"""Domain objects → event payloads (the full snapshot for registries), built at commit (``uow.emit``)."""

from __future__ import annotations

from typing import TypeVar

from services.intake.domain import model as m
from shared.events import contracts as c
from shared.events.envelope import EventPayload
from shared.events.fields import fields_for

E = TypeVar("E", bound=EventPayload)


def institution_fields(i: m.Institution) -> dict:
    return fields_for(c.InstitutionSnapshot, i, institution_id=i.id)


def researcher_fields(r: m.Researcher) -> dict:
    achievements = [fields_for(c.AchievementSnapshot, a, achievement_id=a.id) for a in r.achievements]
    return fields_for(c.ResearcherSnapshot, r, researcher_id=r.id, achievements=achievements)


def enterprise_fields(e: m.Enterprise) -> dict:
    links = [fields_for(c.EquityLinkSnapshot, x) for x in e.equity_links]
    return fields_for(c.EnterpriseSnapshot, e, enterprise_id=e.id, equity_links=links)


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
