"""The tripartite agreement and the term, on a fake unit of work: three signatures voided by any change and filed
with the third (R-F8), the floors of a 总师 term and its yearly service with the pace warning (R-F9), termination by
agreement and both bureaus or SASAC, and expiry (R-F10); the printable PDF carries the parties and clauses."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from services.agreements.domain import agreement as a
from services.agreements.domain import model as m
from services.agreements.service_layer import appointments, service, term, termination
from shared.auth import Bureau, Principal, Role
from shared.domain import RuleViolation, StateConflict
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.events import contracts as c
from shared.jobs.timers import Timer
from shared.statemachine import IllegalTransition
from shared.vocabulary import Programme
from tests.factories import enterprise_snapshot
from tests.fakes import agreements_uow

CODE = "91230100MA1B2C3D49"
KJJ = Principal(subject="kjj", role=Role.CITY_BUREAU, city_code="230100", bureau=Bureau.SCIENCE_TECH)
GXJ = Principal(subject="gxj", role=Role.CITY_BUREAU, city_code="230100", bureau=Bureau.INDUSTRY_IT)
SASAC = Principal(subject="sasac", role=Role.SASAC)


def selected(*, soe: bool = False, programme: Programme = Programme.CHIEF_TECHNOLOGIST) -> m.Pair:
    return m.Pair(
        id=uuid.uuid4(), entry_id=uuid.uuid4(), need_id=uuid.uuid4(), researcher_id=uuid.uuid4(),
        institution_id=uuid.uuid4(), enterprise_id=CODE, city_code="230100", is_soe=soe, programme=programme,
        status=m.PairStatus.REPORTED, cooperation_content="联合研发寒地设施农业蓄热墙体",
        cooperation_forms=["joint_rd"], planned_start=date(2027, 3, 1), batch_id=uuid.uuid4(),
    )  # fmt: skip


def parties(pair: m.Pair) -> dict[a.Party, Principal]:
    return {
        a.Party.ENTERPRISE: Principal(subject="ent-user", role=Role.ENTERPRISE, enterprise_id=pair.enterprise_id),
        a.Party.EXPERT: Principal(subject="expert", role=Role.RESEARCHER, researcher_id=str(pair.researcher_id)),
        a.Party.UNIT: Principal(subject="unit", role=Role.INSTITUTION, institution_id=str(pair.institution_id)),
    }


async def drafted(**kw) -> tuple:
    pair = selected(**kw)
    uow = agreements_uow(pair, enterprise_snapshot(enterprise_id=CODE, name="哈尔滨寒地装备科技有限公司"))
    agreement = await appointments.draft_for(pair, uow)
    return uow, pair, agreement


async def filed(uow, pair, agreement, at: datetime | None = None) -> None:
    for party in a.Party:
        await appointments.sign_agreement(agreement.id, agreement.content_hash(), parties(pair)[party], uow, at=at)


# ------------------------------------------------------------------ R-F8, R-F9: drafting, floors, signatures
async def test_R_F9_a_chief_technologist_draft_sits_at_the_floors_and_below_them_is_refused() -> None:
    uow, pair, agreement = await drafted()
    assert (agreement.term_start, agreement.term_end, agreement.service_days_per_year) == (
        date(2027, 3, 1), date(2029, 2, 28), 90)  # fmt: skip
    assert agreement.content["cooperation_content"] == "联合研发寒地设施农业蓄热墙体"
    assert agreement.parties["enterprise"]["name"] == "哈尔滨寒地装备科技有限公司"
    assert await appointments.draft_for(pair, uow) is None  # one agreement per pair
    expert = parties(pair)[a.Party.EXPERT]
    for changes, field in (
        ({"term_end": "2029-02-27"}, "term_end"),
        ({"service_days_per_year": 89}, "service_days_per_year"),
    ):
        with pytest.raises(RuleViolation) as refused:
            await appointments.edit_agreement(agreement.id, changes, expert, uow)
        assert [(f.rule_id, f.field) for f in refused.value.failures] == [("R-F9", field)]
    await uow.commit()
    assert uow.event_types() == ["drafted"]


async def test_R_F8_three_signatures_file_the_agreement_and_any_change_voids_those_given() -> None:
    uow, pair, agreement = await drafted()
    people = parties(pair)
    read = agreement.content_hash()
    await appointments.sign_agreement(agreement.id, read, people[a.Party.ENTERPRISE], uow)
    with pytest.raises(StateConflict) as twice:
        await appointments.sign_agreement(agreement.id, read, people[a.Party.ENTERPRISE], uow)
    assert twice.value.code == "ALREADY_SIGNED"
    outsider = Principal(subject="x", role=Role.ENTERPRISE, enterprise_id="91230100MA0000000X")
    with pytest.raises(Forbidden):  # nobody signs for a party that is not theirs (scope: it is not even theirs to see)
        appointments.party_of(outsider, agreement)
    await appointments.sign_agreement(agreement.id, read, people[a.Party.EXPERT], uow)

    await appointments.edit_agreement(agreement.id, {"service_days_per_year": 120}, people[a.Party.UNIT], uow)
    assert (agreement.status, agreement.signatures, agreement.content_version) == (a.AgreementStatus.DRAFT, [], 2)
    with pytest.raises(StateConflict) as voided:  # a signature over the text as it was before the change
        await appointments.sign_agreement(agreement.id, read, people[a.Party.UNIT], uow)
    assert voided.value.code == "SIGNED_VERSION_VOIDED"

    now_reading = agreement.content_hash()
    for party in (a.Party.UNIT, a.Party.EXPERT):
        await appointments.sign_agreement(agreement.id, now_reading, people[party], uow)
    assert agreement.status is a.AgreementStatus.SIGNING and agreement.filed_at is None
    await appointments.sign_agreement(agreement.id, now_reading, people[a.Party.ENTERPRISE], uow)
    assert agreement.status is a.AgreementStatus.FILED and agreement.filed_at is not None
    chain = [s["chain_hash"] for s in agreement.signatures]
    assert len(set(chain)) == 3 and all(s["content_hash"] == now_reading for s in agreement.signatures)
    with pytest.raises(IllegalTransition) as late:
        await appointments.edit_agreement(agreement.id, {"goals": "改一下目标"}, people[a.Party.UNIT], uow)
    assert late.value.extra["current_state"] == "filed"

    await uow.commit()
    signed = [e for e in uow.events if isinstance(e, c.AgreementSignedV1)]
    assert len(signed) == 1 and (signed[0].term_start, signed[0].term_end) == (agreement.term_start, agreement.term_end)
    assert (term.TERM_ENDS, str(agreement.id)) in uow.timers.scheduled  # the term's end, by timer
    assert (term.PACE_CHECK, f"{agreement.id}:y1") in uow.timers.scheduled


async def test_R_F8_the_pdf_embeds_the_font_and_reads_with_the_parties_clauses_and_signatures() -> None:
    uow, pair, agreement = await drafted()
    await filed(uow, pair, agreement)
    pdf = await appointments.agreement_pdf(agreement.id, parties(pair)[a.Party.UNIT], uow)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    expected_texts = (
        *("黑龙江省科技总师三方合作协议", "哈尔滨寒地装备科技有限公司", CODE, "科技成果归属与转化权益"),
        *("联合研发寒地设施农业蓄热墙体", "2029-02-28", agreement.content_hash()[:16], "expert"),
    )
    for expected in expected_texts:
        assert expected in text, expected
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    assert any("FontFile" in str(f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object())
               for f in fonts if "/DescendantFonts" in f)  # fmt: skip


async def test_R_F8_the_stamped_original_is_checked_by_its_content() -> None:
    uow, pair, agreement = await drafted()
    enterprise = parties(pair)[a.Party.ENTERPRISE]
    with pytest.raises(IllegalTransition):  # before filing there is nothing to file
        await appointments.attach_original(agreement.id, b"%PDF-1.7 scan", "scan.pdf", enterprise, uow)
    await filed(uow, pair, agreement)
    with pytest.raises(ValidationFailed) as refused:
        await appointments.attach_original(agreement.id, b"MZ\x90\x00 not a scan", "scan.pdf", enterprise, uow)
    assert refused.value.code == "FILE_TYPE_REFUSED"
    await appointments.attach_original(agreement.id, b"\x89PNG\r\n\x1a\n scanned", "scan.png", enterprise, uow)
    assert agreement.original["content_type"] == "image/png" and len(agreement.original["sha256"]) == 64
    found = await appointments.original_file(agreement.id, KJJ, uow)
    assert found["content"].startswith(b"\x89PNG")


# ------------------------------------------------------------------ R-F9: service during the term
async def test_R_F9_only_confirmed_time_counts_and_a_year_behind_its_pace_is_warned() -> None:
    uow, pair, agreement = await drafted()
    await filed(uow, pair, agreement)
    people = parties(pair)
    log = await service.submit_log(agreement.id, date(2027, 3, 1), date(2027, 4, 30), 30, 5, "驻企开展蓄热墙体中试",
                                   {"problems_solved": 1}, people[a.Party.EXPERT], uow)  # fmt: skip
    rejected = await service.submit_log(agreement.id, date(2027, 5, 1), date(2027, 5, 31), 20, 0, "远程指导调试",
                                        {}, people[a.Party.EXPERT], uow)  # fmt: skip
    with pytest.raises(RuleViolation) as across:  # a log stays within one agreement year
        await service.submit_log(agreement.id, date(2028, 2, 20), date(2028, 3, 5), 5, 0, "跨年度的记录", {},
                                 people[a.Party.EXPERT], uow)  # fmt: skip
    assert across.value.failures[0].rule_id == "R-F9"
    with pytest.raises(Forbidden):
        await service.submit_log(agreement.id, date(2027, 6, 1), date(2027, 6, 2), 1, 0, "代填", {},
                                 people[a.Party.ENTERPRISE], uow)  # fmt: skip
    await service.review_log(log.id, True, None, people[a.Party.ENTERPRISE], uow)
    await service.review_log(rejected.id, False, "当月未到岗", people[a.Party.ENTERPRISE], uow)
    view = await service.service_view(agreement.id, KJJ, uow)
    first = view["years"][0]
    assert (first["confirmed_days"], first["pending_days"], first["required_days"], first["met"]) == (35, 0, 90, False)
    assert first["outcomes"]["problems_solved"] == 1 and len(view["years"]) == 2

    due = term.year_moment(agreement, 1, 0.75)  # three quarters into the year: 35 days < 67 expected
    await service.check_pace(uow, Timer(1, term.PACE_CHECK, f"{agreement.id}:y1", due, {"year": 1}))
    assert agreement.pace_warnings[0]["confirmed_days"] == 35 and agreement.pace_warnings[0]["expected_days"] >= 67
    await service.close_year(uow, Timer(2, term.YEAR_CLOSES, f"{agreement.id}:y1", due, {"year": 1, "pace_at": 0.75}))
    assert (term.PACE_CHECK, f"{agreement.id}:y2") in uow.timers.scheduled  # the next year's checks
    await uow.commit()
    kinds = [type(e).__name__ for e in uow.events]
    assert {"ServiceLogConfirmedV1", "ServiceLogRejectedV1", "ServicePaceWarningV1", "ServiceYearClosedV1"} <= set(
        kinds
    )
    closed = next(e for e in uow.events if isinstance(e, c.ServiceYearClosedV1))
    assert (closed.confirmed_days, closed.met) == (35, False)


async def test_tracking_contacts_are_the_city_s_and_their_problems_get_a_resolution() -> None:
    uow, pair, agreement = await drafted()
    await filed(uow, pair, agreement)
    contact = await service.record_contact(agreement.id, a.ContactKind.VISIT, date(2027, 4, 2), "走访企业了解到岗情况",
                                           "试验场地不足", GXJ, uow)  # fmt: skip
    other_city = Principal(subject="q", role=Role.CITY_BUREAU, city_code="230200", bureau=Bureau.SCIENCE_TECH)
    with pytest.raises(Exception, match="不由本单位"):
        await service.record_contact(agreement.id, a.ContactKind.CALL, date(2027, 4, 3), "电话", None, other_city, uow)
    await service.resolve_contact(contact.id, "企业已调配第二试验车间", KJJ, uow)
    assert contact.resolved_at is not None


# ------------------------------------------------------------------ R-F10: termination and expiry
async def test_R_F10_termination_needs_the_other_party_and_both_bureaus() -> None:
    uow, pair, agreement = await drafted()
    await filed(uow, pair, agreement)
    people = parties(pair)
    await termination.request(agreement.id, "专家因承担国家重大任务无法继续服务", people[a.Party.EXPERT], uow)
    with pytest.raises(StateConflict):  # the requester does not agree with itself
        await termination.agree(agreement.id, people[a.Party.EXPERT], uow)
    with pytest.raises(StateConflict) as early:
        await termination.approve(agreement.id, KJJ, uow)
    assert early.value.extra["current_state"] == "requested"
    await termination.agree(agreement.id, people[a.Party.ENTERPRISE], uow)
    await termination.approve(agreement.id, KJJ, uow)
    assert agreement.status is a.AgreementStatus.FILED  # one bureau is not enough
    await termination.approve(agreement.id, GXJ, uow)
    assert (agreement.status, agreement.end_reason) == (
        a.AgreementStatus.TERMINATED,
        "专家因承担国家重大任务无法继续服务",
    )
    assert (term.TERM_ENDS, str(agreement.id)) not in uow.timers.scheduled  # no expiry after an early end
    await uow.commit()
    ended = [e for e in uow.events if isinstance(e, c.AgreementTerminatedV1)]
    assert len(ended) == 1 and ended[0].reason.startswith("专家因承担")


async def test_R_F10_an_soe_s_termination_is_sasac_s_and_a_refusal_closes_the_request() -> None:
    uow, pair, agreement = await drafted(soe=True)
    await filed(uow, pair, agreement)
    people = parties(pair)
    await termination.request(agreement.id, "企业转产", people[a.Party.ENTERPRISE], uow)
    await termination.refuse(agreement.id, "合作项目尚在关键阶段", people[a.Party.EXPERT], uow)
    assert agreement.termination["status"] == "refused" and agreement.status is a.AgreementStatus.FILED
    await termination.request(agreement.id, "企业转产，已与专家协商一致", people[a.Party.ENTERPRISE], uow)
    await termination.agree(agreement.id, people[a.Party.EXPERT], uow)
    with pytest.raises(NotFound):  # an SOE's agreement is SASAC's: a city does not even see it
        await termination.approve(agreement.id, KJJ, uow)
    await termination.approve(agreement.id, SASAC, uow)
    assert agreement.status is a.AgreementStatus.TERMINATED


async def test_R_F10_the_term_expires_by_timer() -> None:
    uow, pair, agreement = await drafted(programme=Programme.COMMISSIONER)
    assert agreement.term_end == date(2028, 2, 29)  # 特派员: one year by default (the settings' floor)
    await filed(uow, pair, agreement, at=datetime(2027, 2, 1, tzinfo=UTC))
    await service.expire(uow, Timer(3, term.TERM_ENDS, str(agreement.id), datetime.now(UTC) - timedelta(days=1), {}))
    await service.expire(uow, Timer(3, term.TERM_ENDS, str(agreement.id), datetime.now(UTC), {}))  # once
    await uow.commit()
    assert (agreement.status, agreement.end_reason, agreement.ended_on) == (a.AgreementStatus.EXPIRED, "expired",
                                                                            date(2028, 2, 29))  # fmt: skip
    assert [e.reason for e in uow.events if isinstance(e, c.AgreementTerminatedV1)] == ["expired"]


async def test_R_F8_a_draft_not_signed_by_its_deadline_is_reported_overdue_once_and_a_filed_one_never() -> None:
    uow, pair, agreement = await drafted()
    due, _ = uow.timers.scheduled[(term.SIGNING_DUE, str(agreement.id))]
    assert due > datetime.now(UTC) + timedelta(days=29)  # the default deadline: 30 days
    await appointments.sign_agreement(agreement.id, agreement.content_hash(), parties(pair)[a.Party.UNIT], uow)
    await appointments.signing_overdue(uow, Timer(9, term.SIGNING_DUE, str(agreement.id), due, {}))
    await uow.commit()
    (overdue,) = [e for e in uow.events if isinstance(e, c.AgreementSigningOverdueV1)]
    assert overdue.awaiting == ["enterprise", "expert"]
    for party in (a.Party.ENTERPRISE, a.Party.EXPERT):
        await appointments.sign_agreement(agreement.id, agreement.content_hash(), parties(pair)[party], uow)
    await appointments.signing_overdue(uow, Timer(9, term.SIGNING_DUE, str(agreement.id), due, {}))
    await uow.commit()
    assert len([e for e in uow.events if isinstance(e, c.AgreementSigningOverdueV1)]) == 1
