"""Matching's hard rules (never broken) and soft priorities, rule by rule (pure unit tests)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.matching.domain.eligibility import MatchContext, exclusions, soft_priorities
from shared.events.contracts import (
    EquityLinkSnapshot,
    InstitutionSnapshot,
    Programme,
    ResearcherSnapshot,
)
from tests.factories import enterprise_snapshot

ON = date(2026, 11, 22)
INSTITUTION_ID = uuid.uuid4()
RESEARCHER_ID = uuid.uuid4()


def researcher(**overrides) -> ResearcherSnapshot:
    values = dict(
        researcher_id=RESEARCHER_ID,
        institution_id=INSTITUTION_ID,
        name="张伟",
        date_of_birth=date(1980, 1, 1),
        highest_degree="doctorate",
        title="associate_senior",
        disciplines=["材料科学与工程"],
        research_fields="",
        research_misconduct=False,
        achievements=[],
        version=1,
    )
    return ResearcherSnapshot(**(values | overrides))


def institution(**overrides) -> InstitutionSnapshot:
    values = dict(
        institution_id=INSTITUTION_ID,
        name="黑龙江某大学",
        kind="university",
        affiliation="provincial",
        city_code="230100",
        master_degree_disciplines=["材料科学与工程"],
        first_class_disciplines=[],
        version=1,
    )
    return InstitutionSnapshot(**(values | overrides))


enterprise = enterprise_snapshot


def rules(r=None, i="default", e=None, programme=Programme.CHIEF_TECHNOLOGIST, **ctx) -> list[str]:
    inst = institution() if i == "default" else i
    found = exclusions(r or researcher(), inst, e or enterprise(), MatchContext(programme=programme, on=ON, **ctx))
    return [x.rule_id for x in found]


def test_an_ordinary_candidate_passes_every_rule() -> None:
    assert rules() == []
    assert rules(programme=Programme.COMMISSIONER) == []


def test_R_E1_research_misconduct_excludes_in_both_programmes() -> None:
    assert rules(researcher(research_misconduct=True)) == ["R-E1"]
    assert rules(researcher(research_misconduct=True), programme=Programme.COMMISSIONER) == ["R-E1"]


@pytest.mark.parametrize(("born", "excluded"), [(date(1970, 11, 23), False), (date(1970, 11, 22), True)])
def test_R_E2_at_most_55_on_the_application_date(born: date, excluded: bool) -> None:
    """不超过55周岁: 55 completed years pass; whoever turns 56 on the application date does not."""
    assert ("R-E2" in rules(researcher(date_of_birth=born))) is excluded


def test_R_E3_masters_or_associate_senior_unless_the_province_overrides() -> None:
    weak = researcher(highest_degree="bachelor", title="intermediate")
    assert rules(weak) == ["R-E3"]
    assert rules(researcher(highest_degree="bachelor", title="associate_senior")) == []
    assert rules(researcher(highest_degree="master", title="none")) == []
    assert rules(weak, r_e3_overrides={str(RESEARCHER_ID)}) == []


def test_R_E4_commissioner_needs_doctorate_or_associate_senior() -> None:
    assert rules(researcher(highest_degree="master", title="intermediate"), programme=Programme.COMMISSIONER) == [
        "R-E4"
    ]
    assert rules(researcher(highest_degree="master", title="senior"), programme=Programme.COMMISSIONER) == []


@pytest.mark.parametrize(
    ("overrides", "excluded"),
    [
        ({"affiliation": "other"}, True),
        ({"city_code": None}, True),
        ({"affiliation": "ministerial"}, False),
    ],
)
def test_R_U1_provincial_or_ministerial_unit_in_heilongjiang(overrides: dict, excluded: bool) -> None:
    assert ("R-U1" in rules(i=institution(**overrides))) is excluded


def test_R_U2_university_discipline_with_master_rights_or_first_class() -> None:
    assert rules(i=institution(master_degree_disciplines=["数学"])) == ["R-U2"]
    assert rules(i=institution(master_degree_disciplines=[], first_class_disciplines=["材料科学与工程"])) == []
    assert rules(i=institution(kind="research_institute", master_degree_disciplines=[])) == []  # universities only
    assert rules(i=institution(master_degree_disciplines=["数学"]), programme=Programme.COMMISSIONER) == []  # 总师 only


def test_R_C5_conflict_of_interest_is_never_proposed() -> None:
    own = EquityLinkSnapshot(party_type="researcher", party_id=RESEARCHER_ID, relation="founder")
    unit = EquityLinkSnapshot(party_type="institution", party_id=INSTITUTION_ID, relation="shareholder")
    other = EquityLinkSnapshot(party_type="researcher", party_id=uuid.uuid4(), relation="founder")
    assert rules(e=enterprise(equity_links=[own])) == ["R-C5"]
    assert rules(e=enterprise(equity_links=[unit])) == ["R-C5"]
    assert rules(e=enterprise(equity_links=[other])) == []


def test_capacity_and_declined() -> None:
    assert rules(active_or_proposed=1) == ["CAPACITY"]
    assert rules(active_or_proposed=1, capacity=2) == []
    assert rules(declined_this_need=True) == ["DECLINED"]


def test_every_failure_is_reported_not_just_the_first() -> None:
    bad = researcher(research_misconduct=True, date_of_birth=date(1960, 1, 1), highest_degree="other", title="none")
    assert rules(bad, i=institution(affiliation="other", master_degree_disciplines=[])) == [
        "R-E1",
        "R-E2",
        "R-E3",
        "R-U1",
        "R-U2",
    ]


def test_soft_priorities_R_E2_youth_and_R_C4_platforms() -> None:
    ctx = MatchContext(programme=Programme.CHIEF_TECHNOLOGIST, on=ON)
    young = researcher(date_of_birth=date(1986, 11, 22))  # exactly 40
    got = soft_priorities(young, enterprise(platforms=["pilot_platform"]), ctx)
    assert [p.rule_id for p in got] == ["R-E2", "R-C4"] and all(p.bonus > 0 for p in got)
    assert soft_priorities(researcher(), enterprise(), ctx) == []
    assert (
        soft_priorities(
            young, enterprise(platforms=["pilot_platform"]), MatchContext(programme=Programme.COMMISSIONER, on=ON)
        )
        == []
    )
