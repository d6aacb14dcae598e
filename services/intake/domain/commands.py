"""What intake's use cases are asked to do: plain, frozen commands (the REST schemas build them).

Edit commands leave every field they do not change ``UNSET`` (``shared.commands``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.intake.domain.model import (
    AchievementKind,
    Affiliation,
    CooperationForm,
    Degree,
    EquityLink,
    InstitutionKind,
    Platform,
    Qualification,
    Title,
)
from shared.commands import UNSET, edit_of
from shared.vocabulary import Programme

Unset = Any  # the type of an edit field: its value, or UNSET


# ------------------------------------------------------------------ registries
@dataclass(frozen=True)
class RegisterInstitution:
    name: str
    kind: InstitutionKind
    affiliation: Affiliation
    city_code: str | None
    master_degree_disciplines: tuple[str, ...] = ()
    first_class_disciplines: tuple[str, ...] = ()


UpdateInstitution = edit_of(RegisterInstitution, "UpdateInstitution")


@dataclass(frozen=True)
class NewAchievement:
    kind: AchievementKind
    title: str
    summary: str
    year: int
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegisterResearcher:
    employee_no: str
    name: str
    date_of_birth: date
    highest_degree: Degree
    title: Title
    disciplines: tuple[str, ...]
    research_fields: str = ""
    research_misconduct: bool = False
    achievements: tuple[NewAchievement, ...] = ()


# ``achievements``, when given, replaces them all; the 工号 is the registration's key.
UpdateResearcher = edit_of(RegisterResearcher, "UpdateResearcher", exclude={"employee_no"})


@dataclass(frozen=True)
class ImportedRow:
    """One valid row of a researcher import: its spreadsheet row number and what it registers or updates."""

    row: int
    researcher: RegisterResearcher


@dataclass(frozen=True)
class RegisterEnterprise:
    credit_code: str
    name: str
    city_code: str
    county: str
    registered_on: date
    independent_legal_person: bool
    qualifications: tuple[Qualification, ...] = ()
    platforms: tuple[Platform, ...] = ()
    is_soe: bool = False
    research_misconduct: bool = False
    equity_links: tuple[EquityLink, ...] = ()


UpdateEnterprise = edit_of(RegisterEnterprise, "UpdateEnterprise", exclude={"credit_code"})  # the code is the key


# ------------------------------------------------------------------ batches and needs (R-F1)
@dataclass(frozen=True)
class OpenBatch:
    programme: Programme
    year: int
    title: str
    opens_on: date
    closes_on: date


@dataclass(frozen=True)
class UpdateBatch:
    title: Unset = UNSET
    opens_on: Unset = UNSET
    closes_on: Unset = UNSET
    closed_early: Unset = UNSET


@dataclass(frozen=True)
class SubmitNeed:
    batch_id: uuid.UUID
    title: str
    description: str
    industry: str
    keywords: tuple[str, ...]
    cooperation_forms: tuple[CooperationForm, ...]
    conditions_offered: str
    desired_expertise: str = ""
    experts_wanted: int = 1


# ------------------------------------------------------------------ researcher applications (R-F4)
@dataclass(frozen=True)
class SubmitApplication:
    batch_id: uuid.UUID
    statement: str
