"""Registries: dispatching units (派出单位), researchers and enterprises. Every change is audited and
published (…Registered / …Updated with the full snapshot) so matching keeps its own copy."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from services.intake.domain import model as m
from services.intake.domain.commands import (
    NewAchievement,
    RegisterEnterprise,
    RegisterInstitution,
    RegisterResearcher,
    UpdateEnterprise,
    UpdateInstitution,
    UpdateResearcher,
)
from services.intake.service_layer.common import apply_changes, guard_misconduct_flag, jsonable, require_role
from services.intake.service_layer.scopes import enterprise_scope, researcher_scope
from services.intake.service_layer.snapshots import enterprise_event, institution_event, researcher_event
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared.auth import Principal, Role
from shared.commands import provided
from shared.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from shared.events import contracts as c
from shared.pagination import PageParams

# ------------------------------------------------------------------ institutions


async def create_institution(cmd: RegisterInstitution, p: Principal, uow: IntakeUnitOfWork) -> m.Institution:
    require_role(p, Role.PROVINCE, what="登记派出单位")
    if await uow.institutions.name_taken(cmd.name):
        raise Conflict(f"派出单位「{cmd.name}」已登记", code="INSTITUTION_NAME_TAKEN")
    fields = provided(cmd)
    fields["master_degree_disciplines"] = list(cmd.master_degree_disciplines)
    fields["first_class_disciplines"] = list(cmd.first_class_disciplines)
    institution = m.Institution(id=uuid.uuid4(), **fields)
    uow.institutions.add(institution)
    uow.emit(lambda: institution_event(c.InstitutionRegisteredV1, institution))
    await uow.record_audit(p, "institution.registered", "institution", str(institution.id), jsonable(cmd))
    return institution


_INSTITUTION_SELF_EDITABLE = {"master_degree_disciplines", "first_class_disciplines"}


async def update_institution(
    institution_id: uuid.UUID, cmd: UpdateInstitution, p: Principal, uow: IntakeUnitOfWork
) -> m.Institution:
    updates = provided(cmd)
    if p.role is Role.INSTITUTION and p.institution_id == str(institution_id):
        forbidden = set(updates) - _INSTITUTION_SELF_EDITABLE
        if forbidden:
            raise Forbidden(
                f"派出单位只能维护本单位的学科信息；{', '.join(sorted(forbidden))} 由省科技厅维护",
                code="FIELD_FORBIDDEN",
            )
    elif p.role is not Role.PROVINCE:
        raise Forbidden("无权修改该派出单位", code="ROLE_FORBIDDEN")
    institution = await get_institution(institution_id, uow, for_update=True)
    if "name" in updates and await uow.institutions.name_taken(updates["name"], except_id=institution_id):
        raise Conflict(f"派出单位「{updates['name']}」已登记", code="INSTITUTION_NAME_TAKEN")
    changes = apply_changes(institution, updates)
    if changes:
        institution.updated_at = m.now()
        uow.emit(lambda: institution_event(c.InstitutionUpdatedV1, institution))
        await uow.record_audit(p, "institution.updated", "institution", str(institution.id), changes)
    return institution


async def get_institution(institution_id: uuid.UUID, uow: IntakeUnitOfWork, *, for_update: bool = False):
    institution = await uow.institutions.get(institution_id, for_update=for_update)
    if institution is None:
        raise NotFound("派出单位不存在", code="INSTITUTION_NOT_FOUND")
    return institution


# ------------------------------------------------------------------ researchers


def _achievements(researcher_id: uuid.UUID, items: Iterable[NewAchievement]) -> list[m.Achievement]:
    return [
        m.Achievement(
            id=uuid.uuid4(),
            researcher_id=researcher_id,
            kind=a.kind,
            title=a.title,
            summary=a.summary,
            year=a.year,
            keywords=m.normalise_keywords(list(a.keywords)),
        )
        for a in items
    ]


def may_manage_researchers_of(p: Principal, institution_id: uuid.UUID) -> bool:
    return p.role is Role.PROVINCE or (p.role is Role.INSTITUTION and p.institution_id == str(institution_id))


async def create_researcher(
    institution_id: uuid.UUID, cmd: RegisterResearcher, p: Principal, uow: IntakeUnitOfWork
) -> m.Researcher:
    if not may_manage_researchers_of(p, institution_id):
        raise Forbidden("只能登记本单位的科研人员", code="ROLE_FORBIDDEN")
    await get_institution(institution_id, uow)
    if await uow.researchers.by_employee_numbers(institution_id, [cmd.employee_no]):
        raise Conflict(f"工号 {cmd.employee_no} 已登记", code="EMPLOYEE_NO_TAKEN")
    researcher = new_researcher(institution_id, cmd)
    uow.researchers.add(researcher)
    uow.emit(lambda: researcher_event(c.ResearcherRegisteredV1, researcher))
    await uow.record_audit(
        p, "researcher.registered", "researcher", str(researcher.id), jsonable(provided(cmd, exclude={"achievements"}))
    )
    return researcher


def new_researcher(institution_id: uuid.UUID, cmd: RegisterResearcher) -> m.Researcher:
    researcher_id = uuid.uuid4()
    fields = provided(cmd, exclude={"achievements", "disciplines"})
    return m.Researcher(
        id=researcher_id,
        institution_id=institution_id,
        disciplines=list(cmd.disciplines),
        achievements=_achievements(researcher_id, cmd.achievements),
        **fields,
    )


def _achievement_key(a: m.Achievement | NewAchievement) -> tuple:
    return (str(a.kind), a.title, a.summary, a.year, tuple(m.normalise_keywords(list(a.keywords))))


def apply_researcher_update(researcher: m.Researcher, cmd: UpdateResearcher, p: Principal) -> dict:
    """Apply an edit (an import row too); returns the changes for the audit trail (empty: nothing changed)."""
    updates = provided(cmd, exclude={"achievements"})
    guard_misconduct_flag(researcher.research_misconduct, updates.get("research_misconduct"), p, "R-E1")
    changes = apply_changes(researcher, updates)
    if "achievements" in provided(cmd):
        replacement = tuple(cmd.achievements)
        if sorted(map(_achievement_key, researcher.achievements)) != sorted(map(_achievement_key, replacement)):
            changes["achievements"] = {"from": len(researcher.achievements), "to": len(replacement)}
            researcher.achievements = _achievements(researcher.id, replacement)
    return changes


async def update_researcher(
    researcher_id: uuid.UUID, cmd: UpdateResearcher, p: Principal, uow: IntakeUnitOfWork
) -> m.Researcher:
    if p.role not in (Role.PROVINCE, Role.INSTITUTION):
        raise Forbidden("科研人员信息由其派出单位维护", code="ROLE_FORBIDDEN")
    researcher = await get_researcher(researcher_id, p, uow, for_update=True)
    changes = apply_researcher_update(researcher, cmd, p)
    if changes:
        researcher.updated_at = m.now()
        uow.emit(lambda: researcher_event(c.ResearcherProfileUpdatedV1, researcher))
        await uow.record_audit(p, "researcher.updated", "researcher", str(researcher.id), changes)
    return researcher


async def get_researcher(
    researcher_id: uuid.UUID, p: Principal, uow: IntakeUnitOfWork, *, for_update: bool = False
) -> m.Researcher:
    researcher = await uow.researchers.get(researcher_id, researcher_scope(p), for_update=for_update)
    if researcher is None:
        raise NotFound("科研人员不存在或无权查看", code="RESEARCHER_NOT_FOUND")
    return researcher


async def list_researchers(p: Principal, uow: IntakeUnitOfWork, page: PageParams, **filters) -> tuple[list, int]:
    return await uow.researchers.list(researcher_scope(p), page, **filters)


# ------------------------------------------------------------------ enterprises


def _check_may_register(p: Principal, cmd: RegisterEnterprise) -> None:
    match p.role:
        case Role.PROVINCE:
            return
        case Role.ENTERPRISE if p.enterprise_id == cmd.credit_code:
            return
        case Role.ENTERPRISE:
            raise Forbidden("企业只能登记本企业（统一社会信用代码与登录身份不符）", code="ENTERPRISE_MISMATCH")
        case Role.CITY_BUREAU if cmd.city_code == p.city_code and not cmd.is_soe:
            return
        case Role.CITY_BUREAU:
            raise Forbidden("市（地）只能登记本地的非省属国有企业", code="OUT_OF_SCOPE")
        case Role.SASAC if cmd.is_soe:
            return
        case Role.SASAC:
            raise Forbidden("省国资委只能登记省属国有企业", code="OUT_OF_SCOPE")
    raise Forbidden("当前角色无权登记企业", code="ROLE_FORBIDDEN")


async def _check_equity_parties(links: Iterable[m.EquityLink], uow: IntakeUnitOfWork) -> None:
    """R-C5 needs real parties: each researcher or unit named must be registered."""
    errors = []
    for i, link in enumerate(links):
        if link.party_type is m.EquityParty.INSTITUTION:
            found = await uow.institutions.get(link.party_id) is not None
        else:
            found = await uow.researchers.get(link.party_id) is not None
        if not found:
            errors.append(FieldError(f"equity_links.{i}.party_id", "未找到该科研人员或派出单位", ["R-C5"]))
    if errors:
        raise ValidationFailed("股权关联中有未登记的科研人员或单位", errors=errors)


async def create_enterprise(cmd: RegisterEnterprise, p: Principal, uow: IntakeUnitOfWork) -> m.Enterprise:
    _check_may_register(p, cmd)
    if await uow.enterprises.get(cmd.credit_code) is not None:
        raise Conflict("该统一社会信用代码的企业已登记", code="ENTERPRISE_ALREADY_REGISTERED")
    await _check_equity_parties(cmd.equity_links, uow)
    fields = provided(cmd, exclude={"credit_code"})
    for listed in ("qualifications", "platforms", "equity_links"):
        fields[listed] = list(fields[listed])
    enterprise = m.Enterprise(id=cmd.credit_code, **fields)
    uow.enterprises.add(enterprise)
    uow.emit(lambda: enterprise_event(c.EnterpriseRegisteredV1, enterprise))
    await uow.record_audit(p, "enterprise.registered", "enterprise", enterprise.id, jsonable(cmd))
    return enterprise


async def update_enterprise(
    enterprise_id: str, cmd: UpdateEnterprise, p: Principal, uow: IntakeUnitOfWork
) -> m.Enterprise:
    enterprise = await get_enterprise(enterprise_id, p, uow, for_update=True)
    updates = provided(cmd)
    guard_misconduct_flag(enterprise.research_misconduct, updates.get("research_misconduct"), p, "R-C1")
    if "is_soe" in updates and updates["is_soe"] != enterprise.is_soe and p.role not in (Role.PROVINCE, Role.SASAC):
        raise Forbidden("省属国有企业标识由省科技厅或省国资委维护", code="FIELD_FORBIDDEN")
    if p.role is Role.CITY_BUREAU and updates.get("city_code", p.city_code) != p.city_code:
        raise Forbidden("不能把企业改到其他市（地）", code="OUT_OF_SCOPE")
    if updates.get("equity_links") is not None:
        await _check_equity_parties(updates["equity_links"], uow)
    changes = apply_changes(enterprise, updates)
    if changes:
        enterprise.updated_at = m.now()
        uow.emit(lambda: enterprise_event(c.EnterpriseUpdatedV1, enterprise))
        await uow.record_audit(p, "enterprise.updated", "enterprise", enterprise.id, changes)
    return enterprise


async def get_enterprise(
    enterprise_id: str, p: Principal, uow: IntakeUnitOfWork, *, for_update: bool = False
) -> m.Enterprise:
    enterprise = await uow.enterprises.get(enterprise_id.upper(), enterprise_scope(p), for_update=for_update)
    if enterprise is None:
        raise NotFound("企业不存在或无权查看", code="ENTERPRISE_NOT_FOUND")
    return enterprise


async def list_enterprises(p: Principal, uow: IntakeUnitOfWork, page: PageParams, **filters) -> tuple[list, int]:
    return await uow.enterprises.list(enterprise_scope(p), page, **filters)
