"""Who may see which pairs and meetings: the routing of R-F1 carried on to negotiation (R-F5).

A city's bureaus see their city's pairs (never an SOE's), SASAC the province-owned SOEs', the province all of
them; an enterprise its own pairs, a dispatching unit its researchers'. Meetings are seen by their organisers
and the province. Out of scope answers 404, exactly as missing does.
"""

from __future__ import annotations

import uuid

from shared.auth import Principal, need_scope
from shared.scope import EVERYTHING, NOTHING, Scope
from shared.vocabulary import Role


def pair_scope(p: Principal) -> Scope:
    if p.role is Role.INSTITUTION:
        try:
            return Scope.where(institution_id=uuid.UUID(p.institution_id or ""))
        except ValueError:
            return NOTHING
    return need_scope(p)  # province, city bureau, SASAC, enterprise


def party_scope(p: Principal) -> Scope:
    """Who sees an agreement: its city's bureaus (SASAC for an SOE), the province, and its three parties."""
    if p.role is Role.RESEARCHER:
        try:
            return Scope.where(researcher_id=uuid.UUID(p.researcher_id or ""))
        except ValueError:
            return NOTHING
    return pair_scope(p)


def meeting_scope(p: Principal) -> Scope:
    if p.role in (Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC):
        return need_scope(p)
    return NOTHING


def organiser_scope(p: Principal) -> Scope:
    """The pairs this caller organises and reports: its city's (not SOEs'), or SASAC's SOEs'."""
    if p.role in (Role.CITY_BUREAU, Role.SASAC):
        return need_scope(p)
    return NOTHING


__all__ = ["EVERYTHING", "meeting_scope", "organiser_scope", "pair_scope", "party_scope"]
