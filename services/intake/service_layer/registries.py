"""Registries: dispatching units (派出单位), researchers and enterprises. Every change is audited and
published (…Registered / …Updated with the full snapshot) so matching keeps its own copy."""

from __future__ import annotations

import uuid

from services.intake.adapters.repository import Paging
from services.intake.domain import model as m
from services.intake.schemas import (
    AchievementIn,
    EnterpriseCreate,
    EnterpriseUpdate,
    InstitutionCreate,
    InstitutionUpdate,
    ResearcherCreate,
    ResearcherUpdate,
)
from services.intake.service_layer.common import apply_changes, guard_misconduct_flag, require_role
from services.intake.service_layer.scopes import enterprise_scope, researcher_scope
from services.intake.service_layer.snapshots import enterprise_fields, institution_fields, researcher_fields
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from shared.auth import Principal, Role
from shared.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from shared.events import contracts as c

# ------------------------------------------------------------------ institutions


async def create_institution(data: InstitutionCreate, p: Principal, uow: IntakeUnitOfWork) -> m.Institution:
    require_role(p, Role.PROVINCE, what="登记派出单位")
    if await uow.institutions.name_taken(data.name):
        raise Conflict(f"派出单位「{data.name}」已登记", code="INSTITUTION_NAME_TAKEN")
    institution = m.Institution(id=uuid.uuid4(), **data.model_dump())
    uow.institutions.add(institution)
    await uow.session.flush()
    uow.emit(c.InstitutionRegisteredV1(**institution_fields(institution)))
    await uow.record_audit(
        p, "institution.registered", "institution", str(institution.id), data.model_dump(mode="json")
    )
    return institution


_INSTITUTION_SELF_EDITABLE = {"master_degree_disciplines", "first_class_disciplines"}


async def update_institution(
    institution_id: uuid.UUID, data: InstitutionUpdate, p: Principal, uow: IntakeUnitOfWork
) -> m.Institution:
    updates = data.model_dump(exclude_unset=True)
    if p.role is Role.INSTITUTION and p.institution_id == str(institution_id):
        forbidden = set(updates) - _INSTITUTION_SELF_EDITABLE
        if forbidden:
            raise Forbidden(
                f"派出单位只能维护本单位的学科信息；{', '.join(sorted(forbidden))} 由省科技厅维护",
                code="FIELD_FORBIDDEN",
            )
    elif p.role is not Role.PROVINCE:
        raise Forbidden("无权修改该派出单位", code="ROLE_FORBIDDEN")
    institution = await uow.institutions.get(institution_id, for_update=True)
    if institution is None:
        raise NotFound("派出单位不存在", code="INSTITUTION_NOT_FOUND")
    if "name" in updates and await uow.institutions.name_taken(updates["name"], except_id=institution_id):
        raise Conflict(f"派出单位「{updates['name']}」已登记", code="INSTITUTION_NAME_TAKEN")
    changes = apply_changes(institution, updates)
    if changes:
        institution.updated_at = m.now()
        await uow.session.flush()
        uow.emit(c.InstitutionUpdatedV1(**institution_fields(institution)))
        await uow.record_audit(p, "institution.updated", "institution", str(institution.id), changes)
    return institution


async def get_institution(institution_id: uuid.UUID, uow: IntakeUnitOfWork) -> m.Institution:
    institution = await uow.institutions.get(institution_id)
    if institution is None:
        raise NotFound("派出单位不存在", code="INSTITUTION_NOT_FOUND")
    return institution


# ------------------------------------------------------------------ researchers


def _achievements(researcher_id: uuid.UUID, items: list[AchievementIn]) -> list[m.Achievement]:
    return [
        m.Achievement(
            id=uuid.uuid4(),
            researcher_id=researcher_id,
            kind=a.kind,
            title=a.title,
            summary=a.summary,
            year=a.year,
            keywords=m.normalise_keywords(a.keywords),
        )
        for a in items
    ]


def _may_manage_researchers_of(p: Principal, institution_id: uuid.UUID) -> bool:
    return p.role is Role.PROVINCE or (p.role is Role.INSTITUTION and p.institution_id == str(institution_id))


async def create_researcher(
    institution_id: uuid.UUID, data: ResearcherCreate, p: Principal, uow: IntakeUnitOfWork
) -> m.Researcher:
    if not _may_manage_researchers_of(p, institution_id):
        raise Forbidden("只能登记本单位的科研人员", code="ROLE_FORBIDDEN")
    if await uow.institutions.get(institution_id) is None:
        raise NotFound("派出单位不存在", code="INSTITUTION_NOT_FOUND")
    if await uow.researchers.by_employee_numbers(institution_id, [data.employee_no]):
        raise Conflict(f"工号 {data.employee_no} 已登记", code="EMPLOYEE_NO_TAKEN")
    researcher = new_researcher(institution_id, data)
    uow.researchers.add(researcher)
    await uow.session.flush()
    uow.emit(c.ResearcherRegisteredV1(**researcher_fields(researcher)))
    await uow.record_audit(
        p,
        "researcher.registered",
        "researcher",
        str(researcher.id),
        data.model_dump(mode="json", exclude={"achievements"}),
    )
    return researcher


def new_researcher(institution_id: uuid.UUID, data: ResearcherCreate) -> m.Researcher:
    researcher_id = uuid.uuid4()
    fields = data.model_dump(exclude={"achievements"})
    return m.Researcher(
        id=researcher_id,
        institution_id=institution_id,
        achievements=_achievements(researcher_id, data.achievements),
        **fields,
    )


def apply_researcher_update(researcher: m.Researcher, data: ResearcherUpdate, p: Principal) -> dict:
    updates = data.model_dump(exclude_unset=True, exclude={"achievements"})
    guard_misconduct_flag(researcher.research_misconduct, updates.get("research_misconduct"), p, "R-E1")
    changes = apply_changes(researcher, updates)
    if data.achievements is not None:

        def key(a) -> tuple:
            return (str(a.kind), a.title, a.summary, a.year, tuple(m.normalise_keywords(a.keywords)))

        if sorted(map(key, researcher.achievements)) != sorted(map(key, data.achievements)):
            changes["achievements"] = {"from": len(researcher.achievements), "to": len(data.achievements)}
            researcher.achievements = _achievements(researcher.id, data.achievements)
    return changes


async def update_researcher(
    researcher_id: uuid.UUID, data: ResearcherUpdate, p: Principal, uow: IntakeUnitOfWork
) -> m.Researcher:
    if p.role not in (Role.PROVINCE, Role.INSTITUTION):
        raise Forbidden("科研人员信息由其派出单位维护", code="ROLE_FORBIDDEN")
    researcher = await uow.researchers.get(researcher_id, researcher_scope(p), for_update=True)
    if researcher is None:
        raise NotFound("科研人员不存在或无权查看", code="RESEARCHER_NOT_FOUND")
    changes = apply_researcher_update(researcher, data, p)
    if changes:
        researcher.updated_at = m.now()
        await uow.session.flush()
        uow.emit(c.ResearcherProfileUpdatedV1(**researcher_fields(researcher)))
        await uow.record_audit(p, "researcher.updated", "researcher", str(researcher.id), changes)
    return researcher


async def get_researcher(researcher_id: uuid.UUID, p: Principal, uow: IntakeUnitOfWork) -> m.Researcher:
    researcher = await uow.researchers.get(researcher_id, researcher_scope(p))
    if researcher is None:
        raise NotFound("科研人员不存在或无权查看", code="RESEARCHER_NOT_FOUND")
    return researcher


async def list_researchers(p: Principal, uow: IntakeUnitOfWork, paging: Paging, **filters) -> tuple[list, int]:
    return await uow.researchers.list(researcher_scope(p), paging, **filters)


# ------------------------------------------------------------------ enterprises


def _check_may_register(p: Principal, data: EnterpriseCreate) -> None:
    match p.role:
        case Role.PROVINCE:
            return
        case Role.ENTERPRISE if p.enterprise_id == data.credit_code:
            return
        case Role.ENTERPRISE:
            raise Forbidden("企业只能登记本企业（统一社会信用代码与登录身份不符）", code="ENTERPRISE_MISMATCH")
        case Role.CITY_BUREAU if data.city_code == p.city_code and not data.is_soe:
            return
        case Role.CITY_BUREAU:
            raise Forbidden("市（地）只能登记本地的非省属国有企业", code="OUT_OF_SCOPE")
        case Role.SASAC if data.is_soe:
            return
        case Role.SASAC:
            raise Forbidden("省国资委只能登记省属国有企业", code="OUT_OF_SCOPE")
    raise Forbidden("当前角色无权登记企业", code="ROLE_FORBIDDEN")


async def _check_equity_parties(links: list, uow: IntakeUnitOfWork) -> None:
    """R-C5 needs real parties: each researcher or unit named must be registered."""
    errors = []
    for i, link in enumerate(links):
        if link.party_type is m.EquityParty.INSTITUTION:
            found = await uow.institutions.get(link.party_id) is not None
        else:
            found = await uow.researchers.get(link.party_id, researcher_scope(_PROVINCE)) is not None
        if not found:
            errors.append(FieldError(f"equity_links.{i}.party_id", "未找到该科研人员或派出单位", ["R-C5"]))
    if errors:
        raise ValidationFailed("股权关联中有未登记的科研人员或单位", errors=errors)


_PROVINCE = Principal(subject="system", role=Role.PROVINCE)


async def create_enterprise(data: EnterpriseCreate, p: Principal, uow: IntakeUnitOfWork) -> m.Enterprise:
    _check_may_register(p, data)
    if await uow.enterprises.exists(data.credit_code):
        raise Conflict("该统一社会信用代码的企业已登记", code="ENTERPRISE_ALREADY_REGISTERED")
    await _check_equity_parties(data.equity_links, uow)
    fields = data.model_dump(exclude={"credit_code", "equity_links"})
    enterprise = m.Enterprise(
        id=data.credit_code,
        equity_links=[m.EquityLink(x.party_type, x.party_id, x.relation) for x in data.equity_links],
        **fields,
    )
    uow.enterprises.add(enterprise)
    await uow.session.flush()
    uow.emit(c.EnterpriseRegisteredV1(**enterprise_fields(enterprise)))
    await uow.record_audit(p, "enterprise.registered", "enterprise", enterprise.id, data.model_dump(mode="json"))
    return enterprise


async def update_enterprise(
    enterprise_id: str, data: EnterpriseUpdate, p: Principal, uow: IntakeUnitOfWork
) -> m.Enterprise:
    enterprise = await uow.enterprises.get(enterprise_id, enterprise_scope(p), for_update=True)
    if enterprise is None:
        raise NotFound("企业不存在或无权查看", code="ENTERPRISE_NOT_FOUND")
    updates = data.model_dump(exclude_unset=True, exclude={"equity_links"})
    guard_misconduct_flag(enterprise.research_misconduct, updates.get("research_misconduct"), p, "R-C1")
    if "is_soe" in updates and updates["is_soe"] != enterprise.is_soe and p.role not in (Role.PROVINCE, Role.SASAC):
        raise Forbidden("省属国有企业标识由省科技厅或省国资委维护", code="FIELD_FORBIDDEN")
    if p.role is Role.CITY_BUREAU and updates.get("city_code", p.city_code) != p.city_code:
        raise Forbidden("不能把企业改到其他市（地）", code="OUT_OF_SCOPE")
    if data.equity_links is not None:
        await _check_equity_parties(data.equity_links, uow)
        updates["equity_links"] = [m.EquityLink(x.party_type, x.party_id, x.relation) for x in data.equity_links]
    changes = apply_changes(enterprise, updates)
    if changes:
        enterprise.updated_at = m.now()
        await uow.session.flush()
        uow.emit(c.EnterpriseUpdatedV1(**enterprise_fields(enterprise)))
        await uow.record_audit(p, "enterprise.updated", "enterprise", enterprise.id, changes)
    return enterprise


async def get_enterprise(enterprise_id: str, p: Principal, uow: IntakeUnitOfWork) -> m.Enterprise:
    enterprise = await uow.enterprises.get(enterprise_id.upper(), enterprise_scope(p))
    if enterprise is None:
        raise NotFound("企业不存在或无权查看", code="ENTERPRISE_NOT_FOUND")
    return enterprise


async def list_enterprises(p: Principal, uow: IntakeUnitOfWork, paging: Paging, **filters) -> tuple[list, int]:
    return await uow.enterprises.list(enterprise_scope(p), paging, **filters)
