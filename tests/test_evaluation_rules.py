"""Evaluation's rules in plain Python, in milliseconds: the 总师 window (R-V1), the evidence 优秀 needs (R-V2), the
优秀 cap and its rounding (R-V3), the round's joint report (R-V4), the 末位淘汰 rule with its ties and exemptions and
the objection window (R-V5), and the reward flag (R-V7)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from services.evaluation.domain import model as m
from services.evaluation.domain.rules import (
    EliminationRule,
    ExcellentCap,
    Grade,
    Rounding,
    Standing,
    Window,
    month_before,
    reward_below_encouraged,
)
from shared.domain import RuleViolation, StateConflict
from shared.statemachine import IllegalTransition

TODAY = date(2026, 12, 2)


# ------------------------------------------------------------------ R-V1
def test_R_V1_the_window_is_the_last_month_of_the_term_both_days_included() -> None:
    window = Window.before_term_end(date(2027, 3, 31))
    assert (window.opens_on, window.closes_on) == (date(2027, 2, 28), date(2027, 3, 31))
    assert month_before(date(2028, 3, 30)) == date(2028, 2, 29) and month_before(date(2027, 1, 15)) == date(
        2026, 12, 15
    )
    window.check(date(2027, 2, 28))
    window.check(date(2027, 3, 31))
    for outside in (date(2027, 2, 27), date(2027, 4, 1)):
        with pytest.raises(RuleViolation) as refused:
            window.check(outside)
        assert refused.value.failures[0].rule_id == "R-V1"
        assert "2027-02-28 至 2027-03-31" in refused.value.detail  # the window is in the message


def evaluation(**kw) -> m.ChiefEvaluation:
    values = dict(
        id=uuid.uuid4(), agreement_id=uuid.uuid4(), researcher_id=uuid.uuid4(), institution_id=uuid.uuid4(),
        enterprise_id="91230100MA0000000X", city_code="230100", is_soe=False, year=2026,
        window_opens_on=date(2026, 11, 20), window_closes_on=date(2026, 12, 20),
    )  # fmt: skip
    values.update(kw)
    return m.ChiefEvaluation(**values)


def test_R_V1_a_recording_before_the_window_or_after_the_term_is_refused_with_the_window() -> None:
    e = evaluation()
    e.open(uuid.uuid4())
    for day in (date(2026, 11, 19), date(2026, 12, 21)):
        with pytest.raises(RuleViolation) as refused:
            e.record([], [], "意见", None, Grade.QUALIFIED, "kjj", day)
        assert refused.value.code == "OUTSIDE_EVALUATION_WINDOW" and refused.value.extra["opens_on"] == "2026-11-20"
    e.record([], [], "意见", 80, Grade.QUALIFIED, "kjj", TODAY)
    assert e.status is m.EvaluationStatus.GRADED


def test_R_V1_the_province_may_extend_a_missed_window_once_with_a_reason() -> None:
    e = evaluation()
    e.open(uuid.uuid4())
    late = date(2026, 12, 28)
    with pytest.raises(RuleViolation):
        e.record([], [], "意见", None, Grade.QUALIFIED, "kjj", late)
    for bad in (date(2026, 12, 20), date(2027, 3, 21)):  # not later than the window, or beyond 90 days after it
        with pytest.raises(RuleViolation) as refused:
            e.extend_window(bad, "考评组成员调整", "province", late)
        assert refused.value.code == "EXTENSION_INVALID"
    e.extend_window(date(2027, 1, 15), "考评组成员调整，延期考评", "province", late)
    e.record([], [], "意见", 80, Grade.QUALIFIED, "kjj", late)
    assert e.window_extension["from"] == "2026-12-20" and e.window_closes_on == date(2027, 1, 15)
    with pytest.raises(StateConflict):
        e.extend_window(date(2027, 1, 20), "再次延期", "province", late)


# ------------------------------------------------------------------ R-V2
def test_R_V2_excellent_needs_a_problem_the_enterprise_confirmed_or_a_transferred_achievement() -> None:
    e = evaluation()
    e.open(uuid.uuid4())
    with pytest.raises(RuleViolation) as refused:
        e.record(["解决了低温发酵问题"], [], "优秀", 95, Grade.EXCELLENT, "kjj", TODAY)
    assert refused.value.failures[0].rule_id == "R-V2"
    e.record(["解决了低温发酵问题", "建立了菌种库"], [], "待确认", None, None, "kjj", TODAY)
    assert e.status is m.EvaluationStatus.OPEN and e.grade is None
    first = e.problems[0]["id"]
    with pytest.raises(RuleViolation):
        e.confirm_problems([str(uuid.uuid4())], "ent")
    e.confirm_problems([first], "ent")
    # Re-recording keeps the enterprise's confirmation of a problem whose text stayed.
    e.record(["解决了低温发酵问题", "建立了菌种库（扩充）"], [], "优秀", 95, Grade.EXCELLENT, "kjj", TODAY)
    assert [p["confirmed_at"] is not None for p in e.problems] == [True, False]
    other = evaluation()
    other.open(uuid.uuid4())
    patent = {"kind": "patent", "title": "一种装置", "reference": "ZL2025"}
    other.record([], [patent], "成果转化", 90, Grade.EXCELLENT, "kjj", TODAY)
    assert other.grade is Grade.EXCELLENT


# ------------------------------------------------------------------ R-V3
@pytest.mark.parametrize(("graded", "places"), [(5, 1), (9, 1), (10, 2), (11, 2), (14, 2), (15, 3)])
def test_R_V3_excellent_is_at_most_20_percent_rounded_down(graded: int, places: int) -> None:
    cap = ExcellentCap()
    assert cap.places(graded) == places
    cap.check(graded, places)
    with pytest.raises(RuleViolation) as refused:
        cap.check(graded, places + 1)
    assert refused.value.failures[0].rule_id == "R-V3" and refused.value.code == "EXCELLENT_CAP_EXCEEDED"
    assert f"本轮共 {graded} 人参评，优秀至多 {places} 人，当前 {places + 1} 人" in refused.value.detail


@pytest.mark.parametrize("graded", [1, 3])
def test_R_V3_a_small_group_gets_excellent_only_from_places_the_province_allocates(graded: int) -> None:
    cap = ExcellentCap()
    assert cap.places(graded) == 0
    with pytest.raises(RuleViolation) as refused:
        cap.check(graded, 1)
    assert "优秀名额由省科技厅分配（已分配 0 个）" in refused.value.detail
    assert cap.places(graded, allocated=1) == 1
    cap.check(graded, 1, allocated=1)


@pytest.mark.parametrize("graded", [3, 4, 8, 13])
def test_R_V3_half_up_would_break_the_cap_which_is_why_down_is_the_default(graded: int) -> None:
    places = ExcellentCap(small_group_below=1, rounding=Rounding.HALF_UP).places(graded)
    assert places / graded > 0.2  # more than 20%: rounding half-up exceeds the rule
    assert ExcellentCap(small_group_below=1).places(graded) / graded <= 0.2


def chief_round(body: str = "city") -> m.ChiefRound:
    return m.ChiefRound(id=uuid.uuid4(), body=body, city_code=None if body == "sasac" else "230100",
                        is_soe=body == "sasac", year=2026, sequence=1)  # fmt: skip


def graded(round_id: uuid.UUID, grades: list[Grade]) -> list[m.ChiefEvaluation]:
    out = []
    patent = {"kind": "patent", "title": "一种装置", "reference": "ZL2025"}
    for grade in grades:
        e = evaluation()
        e.open(round_id)
        e.record([], [patent], "意见", 80, grade, "kjj", TODAY)
        out.append(e)
    return out


def test_R_V3_R_V4_a_city_round_is_submitted_within_the_cap_and_reported_when_the_other_bureau_confirms() -> None:
    r = chief_round()
    evaluations = graded(r.id, [Grade.EXCELLENT, Grade.EXCELLENT] + [Grade.QUALIFIED] * 8)
    pending = evaluation()
    pending.open(r.id)
    with pytest.raises(StateConflict) as incomplete:
        r.submit([*evaluations, pending], ExcellentCap(), "science_tech")
    assert incomplete.value.code == "ROUND_INCOMPLETE"
    pending.withdraw()  # an agreement that ended early leaves the count
    assert r.submit([*evaluations, pending], ExcellentCap(), "science_tech") is False
    assert r.status is m.RoundStatus.CONFIRMING and r.counts == {"graded": 10, "excellent": 2, "qualified": 8,
                                                                 "unqualified": 0}  # fmt: skip
    with pytest.raises(StateConflict) as same:
        r.confirm("science_tech")
    assert same.value.code == "ALREADY_CONFIRMED"
    with pytest.raises(IllegalTransition):
        r.notify()  # not reported yet
    r.confirm("industry_it")
    assert r.status is m.RoundStatus.REPORTED
    r.return_for_correction("请补充")
    assert r.status is m.RoundStatus.RETURNED and r.confirmations == []
    sasac = chief_round("sasac")
    assert (
        sasac.submit(graded(sasac.id, [Grade.QUALIFIED] * 5), ExcellentCap(), "sasac") is True
    )  # SASAC reports itself


def test_R_V3_the_province_allocates_only_to_a_small_group_and_never_more_than_it_grades() -> None:
    r = chief_round()
    with pytest.raises(RuleViolation) as not_small:
        r.allocate(1, "理由", "province", 5, ExcellentCap())
    assert not_small.value.code == "ALLOCATION_NOT_NEEDED"
    with pytest.raises(RuleViolation):
        r.allocate(4, "理由", "province", 3, ExcellentCap())
    r.allocate(1, "该市仅 3 人参评，分配 1 个优秀名额", "province", 3, ExcellentCap())
    assert (
        r.submit(graded(r.id, [Grade.EXCELLENT, Grade.QUALIFIED, Grade.QUALIFIED]), ExcellentCap(), "industry_it")
        is False
    )


# ------------------------------------------------------------------ R-V5: 末位淘汰
def standing(score: float, *, grade: Grade = Grade.QUALIFIED, county: str = "南岗区", exempt: str | None = None,
             days: int = 30) -> Standing:  # fmt: skip
    return Standing(uuid.uuid4(), {"city": "230100", "county": county}, grade, score, days, exempt)


def proposed(rule: EliminationRule, standings: list[Standing]) -> list[float]:
    by_id = {s.evaluation_id: s for s in standings}
    return sorted(by_id[r.evaluation_id].county_score for r in rule.rank(standings) if r.proposed)


def test_R_V5_the_bottom_share_is_proposed_by_grade_then_score_and_nobody_below_the_minimum_group() -> None:
    rule = EliminationRule()  # city, 10% rounded up, groups of at least 3
    assert proposed(rule, [standing(s) for s in (90, 80, 70)]) == [70]
    assert proposed(rule, [standing(s) for s in (90, 80)]) == []  # fewer than 3: nobody
    assert proposed(rule, [standing(s) for s in range(50, 71)]) == [50, 51, 52]  # 21 × 10% = 2.1 → 3
    # The grade ranks first: an 不合格 with a high county score is below every 合格.
    group = [standing(95, grade=Grade.UNQUALIFIED), standing(60), standing(70)]
    assert proposed(rule, group) == [95]
    ranking = rule.rank(group)
    assert [r.rank for r in ranking] == [1, 2, 3] and all(r.ranked == 3 for r in ranking)


def test_R_V5_exempt_people_are_skipped_and_ties_at_the_cut_are_spared_or_included() -> None:
    rule = EliminationRule(mode="bottom_n", n=1)
    assert proposed(rule, [standing(90), standing(80), standing(40, exempt="本年度服务不满 6 个月")]) == [80]
    tie = [standing(90), standing(60), standing(60)]
    assert proposed(rule, tie) == []  # spare: the cut splits a tie
    assert proposed(EliminationRule(mode="bottom_n", n=1, ties="include"), tie) == [60, 60]
    by_county = EliminationRule(scope="county", mode="bottom_n", n=1, min_group=2)
    mixed = [standing(90), standing(50), standing(85, county="道里区"), standing(30, county="道里区")]
    assert proposed(by_county, mixed) == [30, 50]  # the bottom of each county


def commissioner_round(closes: datetime) -> m.CommissionerRound:
    r = m.CommissionerRound(id=uuid.uuid4(), city_code="230100", year=2026, created_by="kjj")
    r.propose({"mode": "bottom_percent"}, [{"evaluation_id": "x", "proposed": True, "rank": 3, "ranked": 3}], closes)
    return r


def test_R_V5_the_city_cannot_file_before_the_objection_window_closes() -> None:
    closes = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    r = commissioner_round(closes)
    with pytest.raises(StateConflict) as early:
        r.file(closes - timedelta(seconds=1), {})
    assert early.value.code == "OBJECTION_WINDOW_OPEN"
    r.file(closes, {"eliminated": 1})
    assert r.status is m.YearRoundStatus.FILED
    with pytest.raises(IllegalTransition):
        r.reopen()


def test_R_V5_an_upheld_objection_spares_the_commissioner_until_the_year_is_filed() -> None:
    r = commissioner_round(datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
    r.ranking = [*r.ranking, {"evaluation_id": "y", "proposed": True, "rank": 2, "ranked": 3}]
    r.spare("x")
    assert r.proposed_ids() == {"y"} and r.ranking[0]["note"] == "异议成立"
    r.file(datetime(2026, 12, 8, tzinfo=UTC), {"eliminated": 1})
    with pytest.raises(IllegalTransition):
        r.spare("y")  # filed: the eliminations stand


def test_R_V5_R_V6_a_yearly_record_moves_material_county_city_and_holds_one_objection_at_a_time() -> None:
    e = m.CommissionerEvaluation(
        id=uuid.uuid4(), round_id=uuid.uuid4(), agreement_id=uuid.uuid4(), researcher_id=uuid.uuid4(),
        institution_id=uuid.uuid4(), enterprise_id="91230100MA0000000X", city_code="230100", county="南岗区",
        year=2026,
    )  # fmt: skip
    with pytest.raises(IllegalTransition):
        e.determine(Grade.QUALIFIED, "意见", "kjj")  # the county has not assessed yet
    e.assess(70, "考核", "county")
    assert e.material_missing is True  # recorded as such, never blocked by it
    e.determine(Grade.QUALIFIED, "意见", "kjj")
    with pytest.raises(IllegalTransition):
        e.submit_material({"capability_gained": "提升"}, "ent")  # too late: the city has determined
    objection = e.object("researcher-1", "researcher", "得分有误")
    with pytest.raises(StateConflict):
        e.object("unit-1", "institution", "同上")
    e.resolve(objection["id"], True, "核实后成立", "kjj")
    assert e.objection_upheld and not e.objection_pending


# ------------------------------------------------------------------ R-V7
@pytest.mark.parametrize(
    ("subsidy", "reward", "flagged"),
    [
        ("50000", "4999.99", True),
        ("50000", "5000", False),
        ("50000", None, True),
        (None, None, False),
        ("0", None, False),
    ],
)
def test_R_V7_a_reward_below_10_percent_of_the_subsidy_is_flagged(subsidy, reward, flagged) -> None:
    def as_decimal(v):
        return Decimal(v) if v is not None else None

    assert reward_below_encouraged(as_decimal(subsidy), as_decimal(reward)) is flagged


# ------------------------------------------------------------------ scopes
def test_who_sees_which_evaluation_city_sasac_county_unit_enterprise() -> None:
    from services.evaluation.service_layer.scopes import chief_scope, commissioner_scope
    from shared.auth import Bureau, Principal, Role

    city = Principal(subject="c", role=Role.CITY_BUREAU, city_code="230100", bureau=Bureau.SCIENCE_TECH)
    sasac = Principal(subject="s", role=Role.SASAC)
    e, soe = evaluation(), evaluation(is_soe=True)
    assert chief_scope(city).admits(e) and not chief_scope(city).admits(soe)  # SOEs are SASAC's (R-V1)
    assert chief_scope(sasac).admits(soe) and not chief_scope(sasac).admits(e)
    unit = Principal(subject="u", role=Role.INSTITUTION, institution_id=str(e.institution_id))
    assert not chief_scope(unit).admits(e)  # not before the province notifies (R-V4)
    e.status = m.EvaluationStatus.NOTIFIED
    assert chief_scope(unit).admits(e)
    record = m.CommissionerEvaluation(
        id=uuid.uuid4(), round_id=uuid.uuid4(), agreement_id=uuid.uuid4(), researcher_id=uuid.uuid4(),
        institution_id=uuid.uuid4(), enterprise_id="91230100MA0000000X", city_code="230100", county="南岗区", year=2026,
    )  # fmt: skip
    nangang = Principal(subject="n", role=Role.COUNTY, city_code="230100", county="南岗区")
    daoli = Principal(subject="d", role=Role.COUNTY, city_code="230100", county="道里区")
    same_name_elsewhere = Principal(subject="x", role=Role.COUNTY, city_code="230200", county="南岗区")
    assert commissioner_scope(nangang).admits(record)
    assert not commissioner_scope(daoli).admits(record) and not commissioner_scope(same_name_elsewhere).admits(record)
    assert not commissioner_scope(sasac).admits(record)
    other = Principal(subject="o", role=Role.ENTERPRISE, enterprise_id="91230100MA0000001Y")
    assert not commissioner_scope(other).admits(record)
