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
from shared.commands import UNSET
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


@dataclass(frozen=True)
class UpdateInstitution:
    name: Unset = UNSET
    kind: Unset = UNSET
    affiliation: Unset = UNSET
    city_code: Unset = UNSET
    master_degree_disciplines: Unset = UNSET
    first_class_disciplines: Unset = UNSET


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


@dataclass(frozen=True)
class UpdateResearcher:
    name: Unset = UNSET
    date_of_birth: Unset = UNSET
    highest_degree: Unset = UNSET
    title: Unset = UNSET
    disciplines: Unset = UNSET
    research_fields: Unset = UNSET
    research_misconduct: Unset = UNSET
    achievements: Unset = UNSET  # a tuple of NewAchievement replaces them all


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


@dataclass(frozen=True)
class UpdateEnterprise:
    name: Unset = UNSET
    city_code: Unset = UNSET
    county: Unset = UNSET
    registered_on: Unset = UNSET
    independent_legal_person: Unset = UNSET
    qualifications: Unset = UNSET
    platforms: Unset = UNSET
    is_soe: Unset = UNSET
    research_misconduct: Unset = UNSET
    equity_links: Unset = UNSET


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
