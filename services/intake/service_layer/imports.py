"""Bulk import of researchers by their dispatching unit — all or nothing.

A file with any bad row imports nothing and the answer lists every bad row, its field and why: the
rows the entrypoint could not read (``ImportResearchers.invalid``) and those a rule refuses here (only
the province may clear a misconduct record, R-E1). Rows are matched to existing researchers by 工号
(employee number): new ones are registered, known ones updated. With an achievements sheet, the file
replaces the achievements of the researchers it lists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial

from services.intake.domain import model as m
from services.intake.domain.commands import ImportedRow, UpdateResearcher
from services.intake.service_layer.registries import (
    apply_researcher_update,
    get_institution,
    may_manage_researchers_of,
    new_researcher,
)
from services.intake.service_layer.snapshots import researcher_event
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared.auth import Principal
from shared.commands import provided
from shared.errors import FieldError, Forbidden, ProblemError, ValidationFailed
from shared.events import contracts as c


@dataclass(frozen=True)
class ImportResearchers:
    """A unit's staff list, read and checked field by field (``entrypoints.researcher_file``)."""

    institution_id: uuid.UUID
    filename: str
    sheet: str
    rows: tuple[ImportedRow, ...]
    replaces_achievements: bool  # the file had an achievements sheet
    invalid: tuple[FieldError, ...] = ()  # rows that could not be read, each error with its row and sheet


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    achievements: int
    researcher_ids: list[uuid.UUID]


async def check_may_import(institution_id: uuid.UUID, p: Principal, uow: IntakeUnitOfWork) -> None:
    """Only the province or the unit itself imports a unit's researchers, into a registered unit."""
    if not may_manage_researchers_of(p, institution_id):
        raise Forbidden("只能导入本单位的科研人员", code="ROLE_FORBIDDEN")
    await get_institution(institution_id, uow)


async def import_researchers(cmd: ImportResearchers, p: Principal, uow: IntakeUnitOfWork) -> ImportResult:
    await check_may_import(cmd.institution_id, p, uow)
    errors = list(cmd.invalid)
    existing = await uow.researchers.by_employee_numbers(
        cmd.institution_id, [r.researcher.employee_no for r in cmd.rows]
    )
    created = updated = n_achievements = 0
    ids: list[uuid.UUID] = []
    changed: list[tuple[m.Researcher, bool]] = []  # (researcher, newly registered)
    for row in cmd.rows:
        data = row.researcher
        n_achievements += len(data.achievements)
        researcher = existing.get(data.employee_no)
        if researcher is None:
            researcher = new_researcher(cmd.institution_id, data)
            uow.researchers.add(researcher)
            created += 1
            changed.append((researcher, True))
        else:
            edit = provided(data, exclude={"employee_no"} | (set() if cmd.replaces_achievements else {"achievements"}))
            try:
                changes = apply_researcher_update(researcher, UpdateResearcher(**edit), p)
            except ProblemError as exc:
                errors.extend(FieldError(e.field, e.message, e.rule_ids, row.row, cmd.sheet) for e in exc.errors)
                continue
            if changes:
                researcher.updated_at = m.now()
                updated += 1
                changed.append((researcher, False))
        ids.append(researcher.id)
    if errors:
        errors.sort(key=lambda e: (e.sheet or "", e.row or 0))
        raise ValidationFailed(
            f"文件中有 {len({(e.sheet, e.row) for e in errors})} 行未通过校验，未导入任何数据",
            code="IMPORT_ROWS_INVALID",
            errors=errors,
        )
    for researcher, is_new in changed:
        event_class = c.ResearcherRegisteredV1 if is_new else c.ResearcherProfileUpdatedV1
        uow.emit(partial(researcher_event, event_class, researcher))
    await uow.record_audit(
        p,
        "researchers.imported",
        "institution",
        str(cmd.institution_id),
        {"file": cmd.filename, "created": created, "updated": updated, "achievements": n_achievements},
    )
    return ImportResult(created=created, updated=updated, achievements=n_achievements, researcher_ids=ids)
