"""Intake's use cases on a fake unit of work (no database): the programme rules they enforce, in milliseconds.

The same rules are proven end to end through the REST API in test_intake_*.py; here each is one call.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from services.intake.domain import commands as cmd
from services.intake.domain import model as m
from services.intake.service_layer import applications, batches, needs, registries
from shared.auth import Bureau, Principal, Role
from shared.commands import UNSET
from shared.domain import StateConflict
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.statemachine import IllegalTransition
from shared.timeutil import today_in_china
from shared.vocabulary import NeedStatus, Programme
from tests.factories import HARBIN, QIQIHAR, credit_code
from tests.fakes import intake_uow

TODAY = today_in_china()
PROVINCE = Principal(subject="province", role=Role.PROVINCE)
SASAC = Principal(subject="sasac", role=Role.SASAC)


def bureau(bureau: Bureau, city: str = HARBIN) -> Principal:
    return Principal(subject=f"{city}-{bureau}", role=Role.CITY_BUREAU, city_code=city, bureau=bureau)


KJJ, GXJ = bureau(Bureau.SCIENCE_TECH), bureau(Bureau.INDUSTRY_IT)


def enterprise(**overrides) -> m.Enterprise:
    values = dict(
        id=credit_code(), name="哈尔滨寒地装备科技有限公司", city_code=HARBIN, county="松北区",
        registered_on=date(2016, 4, 1), independent_legal_person=True, qualifications=[m.Qualification.HIGH_TECH],
        platforms=[], is_soe=False, research_misconduct=False, equity_links=[],
    )  # fmt: skip
    return m.Enterprise(**(values | overrides))


def batch(programme: Programme = Programme.CHIEF_TECHNOLOGIST, **overrides) -> m.Batch:
    values = dict(
        id=uuid.uuid4(), programme=programme, year=TODAY.year, title="年度征集",
        opens_on=TODAY - timedelta(days=30), closes_on=TODAY + timedelta(days=30),
    )  # fmt: skip
    return m.Batch(**(values | overrides))


def owner(e: m.Enterprise) -> Principal:
    return Principal(subject="owner", role=Role.ENTERPRISE, enterprise_id=e.id)


def need_command(b: m.Batch) -> cmd.SubmitNeed:
    return cmd.SubmitNeed(
        batch_id=b.id, title="寒地玉米秸秆低温发酵", description="冬季低温条件下秸秆发酵效率低，需要耐寒菌种。",
        industry="农产品加工", keywords=("秸秆", "低温发酵", "秸秆"), cooperation_forms=(m.CooperationForm.JOINT_RD,),
        conditions_offered="提供研发岗位与住宿",
    )  # fmt: skip


async def _filed(e: m.Enterprise, b: m.Batch):
    uow = intake_uow(e, b)
    need = await needs.submit_need(need_command(b), owner(e), uow)
    await uow.commit()
    return uow, need


# ------------------------------------------------------------------ filing (R-F1, R-C1, R-C2, R-C6)
async def test_R_F1_a_need_is_filed_in_an_open_batch_and_announced_at_commit() -> None:
    e, b = enterprise(), batch()
    uow, need = await _filed(e, b)
    assert need.status is NeedStatus.SUBMITTED and need.keywords == ["秸秆", "低温发酵"]  # deduplicated
    assert need.city_code == HARBIN and not need.is_soe  # routed by the enterprise's registry record
    assert uow.event_types() == ["submitted"] and uow.events[0].batch_year == TODAY.year
    assert [a["action"] for a in uow.audit] == ["need.submitted"]


@pytest.mark.parametrize(
    ("programme", "changes", "rules"),
    [
        (Programme.CHIEF_TECHNOLOGIST, {"research_misconduct": True}, {"R-C1"}),
        (Programme.CHIEF_TECHNOLOGIST, {"independent_legal_person": False}, {"R-C1"}),
        (Programme.CHIEF_TECHNOLOGIST, {"qualifications": []}, {"R-C2"}),
        (Programme.COMMISSIONER, {"registered_on": TODAY - timedelta(days=200)}, {"R-C6"}),
        (Programme.COMMISSIONER, {"independent_legal_person": False}, {"R-C6"}),
    ],
)
async def test_R_C1_R_C2_R_C6_an_ineligible_enterprise_files_nothing(programme, changes, rules) -> None:
    e, b = enterprise(**changes), batch(programme)
    uow = intake_uow(e, b)
    with pytest.raises(ValidationFailed) as refused:
        await needs.submit_need(need_command(b), owner(e), uow)
    assert refused.value.code == "ENTERPRISE_NOT_ELIGIBLE"
    assert {r for err in refused.value.errors for r in err.rule_ids} == rules
    assert not uow.needs.items and not uow.events


async def test_R_F1_a_closed_batch_or_an_unregistered_enterprise_files_nothing() -> None:
    e = enterprise()
    closed = batch(closed_early=True)
    with pytest.raises(Conflict) as refused:
        await needs.submit_need(need_command(closed), owner(e), intake_uow(e, closed))
    assert refused.value.code == "BATCH_NOT_OPEN" and refused.value.extra["rule_ids"] == ["R-F1"]
    b = batch()
    with pytest.raises(Conflict) as refused:
        await needs.submit_need(need_command(b), owner(e), intake_uow(b))
    assert refused.value.code == "ENTERPRISE_NOT_REGISTERED"
    with pytest.raises(Forbidden):
        await needs.submit_need(need_command(b), PROVINCE, intake_uow(e, b))


# ------------------------------------------------------------------ review (R-F1)
async def test_R_F1_both_bureaus_approve_a_chief_technologist_need_then_the_city_reports_it() -> None:
    uow, need = await _filed(enterprise(), batch())
    await needs.approve_need(need.id, KJJ, uow)
    assert need.status is NeedStatus.SUBMITTED and need.approvals == ["science_tech"]
    with pytest.raises(StateConflict) as twice:  # a domain refusal: answered as 409
        await needs.approve_need(need.id, KJJ, uow)
    assert twice.value.code == "ALREADY_APPROVED"
    await needs.approve_need(need.id, GXJ, uow)
    await needs.report_need(need.id, KJJ, uow)
    await uow.commit()
    assert need.status is NeedStatus.REPORTED
    assert uow.event_types() == ["submitted", "approved_by_city", "reported_to_province"]
    assert uow.events[-1].batch_closes_on == uow.batches.items[need.batch_id].closes_on  # R-E2's reference date


async def test_R_F1_a_commissioner_need_is_reviewed_by_the_science_bureau_alone() -> None:
    uow, need = await _filed(enterprise(), batch(Programme.COMMISSIONER))
    with pytest.raises(Forbidden) as refused:
        await needs.approve_need(need.id, GXJ, uow)
    assert refused.value.code == "REVIEWER_FORBIDDEN"
    assert await needs.approve_need(need.id, KJJ, uow) is need and need.status is NeedStatus.APPROVED


async def test_R_F1_an_soe_need_is_reviewed_by_sasac_and_invisible_to_the_city() -> None:
    uow, need = await _filed(enterprise(is_soe=True), batch())
    with pytest.raises(NotFound):  # the city does not even learn it exists
        await needs.approve_need(need.id, KJJ, uow)
    await needs.approve_need(need.id, SASAC, uow)
    await needs.report_need(need.id, SASAC, uow)
    await uow.commit()
    assert uow.event_types() == ["submitted", "approved_by_sasac", "reported_to_province"]


async def test_R_F1_another_citys_bureau_sees_nothing_and_a_reported_need_cannot_be_withdrawn() -> None:
    e = enterprise()
    uow, need = await _filed(e, batch(Programme.COMMISSIONER))
    with pytest.raises(NotFound):
        await needs.get_need(need.id, bureau(Bureau.SCIENCE_TECH, QIQIHAR), uow)
    await needs.approve_need(need.id, KJJ, uow)
    await needs.report_need(need.id, KJJ, uow)
    with pytest.raises(IllegalTransition) as refused:
        await needs.withdraw_need(need.id, owner(e), uow)
    assert refused.value.extra["current_state"] == "reported"


async def test_R_F1_a_rejection_records_its_reason_and_ends_the_review() -> None:
    uow, need = await _filed(enterprise(), batch())
    await needs.reject_need(need.id, "需求描述不清", KJJ, uow)
    with pytest.raises(IllegalTransition):
        await needs.approve_need(need.id, GXJ, uow)
    await uow.commit()
    assert need.rejection_reason == "需求描述不清" and uow.events[-1].reason == "需求描述不清"


# ------------------------------------------------------------------ batches
async def test_one_batch_per_programme_and_year_and_its_window_stays_ordered() -> None:
    existing = batch()
    uow = intake_uow(existing)
    opened = cmd.OpenBatch(Programme.CHIEF_TECHNOLOGIST, existing.year, "重复", TODAY, TODAY)
    with pytest.raises(Conflict) as refused:
        await batches.open_batch(opened, PROVINCE, uow)
    assert refused.value.code == "BATCH_EXISTS"
    with pytest.raises(ValidationFailed):
        await batches.update_batch(existing.id, cmd.UpdateBatch(closes_on=existing.opens_on - timedelta(days=1)),
                                   PROVINCE, uow)  # fmt: skip
    await batches.update_batch(existing.id, cmd.UpdateBatch(closed_early=True), PROVINCE, uow)
    assert existing.closed_early and uow.audit[-1]["changes"] == {"closed_early": {"from": False, "to": True}}


# ------------------------------------------------------------------ registries (R-E1, R-C1, R-U2)
def institution() -> m.Institution:
    return m.Institution(uuid.uuid4(), "黑龙江测试大学", m.InstitutionKind.UNIVERSITY, m.Affiliation.PROVINCIAL,
                         HARBIN, ["材料科学与工程"], [])  # fmt: skip


def researcher(unit: m.Institution, **overrides) -> m.Researcher:
    values = dict(
        id=uuid.uuid4(), institution_id=unit.id, employee_no="E001", name="张伟", date_of_birth=date(1985, 3, 12),
        highest_degree=m.Degree.DOCTORATE, title=m.Title.ASSOCIATE_SENIOR, disciplines=["材料科学与工程"],
        research_fields="寒区锂电池", research_misconduct=False,
    )  # fmt: skip
    return m.Researcher(**(values | overrides))


def unit_user(unit: m.Institution) -> Principal:
    return Principal(subject="unit", role=Role.INSTITUTION, institution_id=str(unit.id))


async def test_R_E1_only_the_province_clears_a_misconduct_record() -> None:
    unit = institution()
    flagged = researcher(unit, research_misconduct=True)
    uow = intake_uow(unit, flagged)
    with pytest.raises(ValidationFailed) as refused:
        await registries.update_researcher(flagged.id, cmd.UpdateResearcher(research_misconduct=False), unit_user(unit),
                                           uow)  # fmt: skip
    assert refused.value.code == "MISCONDUCT_CLEAR_FORBIDDEN" and refused.value.errors[0].rule_ids == ["R-E1"]
    await registries.update_researcher(flagged.id, cmd.UpdateResearcher(research_misconduct=False), PROVINCE, uow)
    await uow.commit()
    assert not flagged.research_misconduct and uow.event_types() == ["profile_updated"]


async def test_R_C1_an_enterprise_user_cannot_clear_its_own_misconduct_record_nor_its_soe_flag() -> None:
    e = enterprise(research_misconduct=True)
    uow = intake_uow(e)
    with pytest.raises(ValidationFailed) as refused:
        await registries.update_enterprise(e.id, cmd.UpdateEnterprise(research_misconduct=False), owner(e), uow)
    assert refused.value.errors[0].rule_ids == ["R-C1"]
    with pytest.raises(Forbidden):
        await registries.update_enterprise(e.id, cmd.UpdateEnterprise(is_soe=True), owner(e), uow)


async def test_R_U2_a_unit_maintains_its_own_disciplines_and_nothing_else() -> None:
    unit = institution()
    uow = intake_uow(unit)
    await registries.update_institution(unit.id, cmd.UpdateInstitution(first_class_disciplines=("材料科学与工程",)),
                                        unit_user(unit), uow)  # fmt: skip
    assert unit.first_class_disciplines == ["材料科学与工程"]
    with pytest.raises(Forbidden) as refused:
        await registries.update_institution(unit.id, cmd.UpdateInstitution(affiliation=m.Affiliation.OTHER),
                                            unit_user(unit), uow)  # fmt: skip
    assert refused.value.code == "FIELD_FORBIDDEN"
    await uow.commit()
    assert uow.event_types() == ["updated"] and uow.events[0].first_class_disciplines == ["材料科学与工程"]


async def test_an_edit_that_changes_nothing_announces_nothing() -> None:
    unit = institution()
    uow = intake_uow(unit)
    await registries.update_institution(unit.id, cmd.UpdateInstitution(name=unit.name, kind=UNSET), PROVINCE, uow)
    await uow.commit()
    assert uow.events == [] and uow.audit == []


# ------------------------------------------------------------------ applications (R-F4, R-E4)
async def _application_scene(**researcher_overrides):
    unit = institution()
    person = researcher(unit, **researcher_overrides)
    b = batch(Programme.COMMISSIONER)
    me = Principal(subject="me", role=Role.RESEARCHER, researcher_id=str(person.id))
    return intake_uow(unit, person, b), unit, b, me


async def test_R_F4_a_researcher_volunteers_and_the_unit_decides_once() -> None:
    uow, unit, b, me = await _application_scene()
    application = await applications.submit_application(cmd.SubmitApplication(b.id, "十年寒区电池研究基础"), me, uow)
    with pytest.raises(Conflict) as twice:
        await applications.submit_application(cmd.SubmitApplication(b.id, "再次申报"), me, uow)
    assert twice.value.code == "APPLICATION_EXISTS"
    with pytest.raises(ValidationFailed):  # a refusal needs its reason
        await applications.decide_application(application.id, False, None, unit_user(unit), uow)
    await applications.decide_application(application.id, True, None, unit_user(unit), uow)
    with pytest.raises(IllegalTransition):
        await applications.decide_application(application.id, False, "改变主意", unit_user(unit), uow)
    await uow.commit()
    assert uow.event_types() == ["application_submitted", "application_approved"]


async def test_R_E4_a_commissioner_needs_a_doctorate_or_an_associate_senior_title() -> None:
    uow, _, b, me = await _application_scene(highest_degree=m.Degree.MASTER, title=m.Title.INTERMEDIATE)
    with pytest.raises(ValidationFailed) as refused:
        await applications.submit_application(cmd.SubmitApplication(b.id, "申报说明足够长"), me, uow)
    assert refused.value.code == "RESEARCHER_NOT_ELIGIBLE" and refused.value.errors[0].rule_ids == ["R-E4"]


async def test_R_F4_applications_are_for_commissioner_batches_only() -> None:
    uow, _, _, me = await _application_scene()
    chief = batch()
    uow.batches.add(chief)
    with pytest.raises(ValidationFailed) as refused:
        await applications.submit_application(cmd.SubmitApplication(chief.id, "申报说明足够长"), me, uow)
    assert refused.value.code == "PROGRAMME_MISMATCH"
