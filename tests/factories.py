"""Valid request bodies and identifiers for the tests (and nothing that hides what a test asserts)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from services.intake.domain.credit_code import ALPHABET, check_character
from shared.events.contracts import EnterpriseSnapshot, ResearcherSnapshot
from shared.timeutil import today_in_china

HARBIN = "230100"
QIQIHAR = "230200"
DAQING = "230600"


def credit_code(city: str = HARBIN, rng: random.Random | None = None) -> str:
    """A valid unified social credit code (GB 32100-2015) registered in ``city``."""
    rng = rng or random.Random()
    body = "91" + city + "".join(rng.choice(ALPHABET[:10] + "ABCDEFGH") for _ in range(9))
    return body + check_character(body)


def enterprise_body(city: str = HARBIN, **overrides) -> dict:
    body = {
        "credit_code": credit_code(city),
        "name": f"黑龙江测试科技有限公司{uuid.uuid4().hex[:6]}",
        "city_code": city,
        "county": "南岗区",
        "registered_on": "2018-05-20",
        "independent_legal_person": True,
        "qualifications": ["high_tech"],
        "platforms": [],
        "is_soe": False,
    }
    body.update(overrides)
    return body


def institution_body(**overrides) -> dict:
    body = {
        "name": f"测试大学{uuid.uuid4().hex[:8]}",
        "kind": "university",
        "affiliation": "provincial",
        "city_code": HARBIN,
        "master_degree_disciplines": ["材料科学与工程", "计算机科学与技术"],
        "first_class_disciplines": ["材料科学与工程"],
    }
    body.update(overrides)
    return body


def researcher_body(**overrides) -> dict:
    body = {
        "employee_no": f"E{uuid.uuid4().hex[:8]}",
        "name": "张伟",
        "date_of_birth": "1985-03-12",
        "highest_degree": "doctorate",
        "title": "associate_senior",
        "disciplines": ["材料科学与工程"],
        "research_fields": "寒区锂电池热管理",
        "achievements": [
            {
                "kind": "paper",
                "title": "低温锂离子电池电解液研究",
                "summary": "研究了低温电解液。",
                "year": 2021,
                "keywords": ["锂电池", "低温"],
            }
        ],
    }
    body.update(overrides)
    return body


def need_body(batch_id: str, **overrides) -> dict:
    body = {
        "batch_id": batch_id,
        "title": "寒地玉米秸秆低温发酵",
        "description": "冬季低温条件下秸秆发酵效率低，需要耐寒菌种与工艺优化方案。",
        "industry": "农产品加工",
        "desired_expertise": "微生物发酵、生物化工",
        "keywords": ["秸秆", "低温发酵", "耐寒菌种"],
        "cooperation_forms": ["joint_rd"],
        "conditions_offered": "提供研发岗位、实验室与住宿",
        "experts_wanted": 1,
    }
    body.update(overrides)
    return body


def open_window(days: int = 60) -> dict:
    """A submission window around today (China time), labelled with this year."""
    today = today_in_china()
    return {
        "year": today.year,
        "opens_on": (today - timedelta(days=days)).isoformat(),
        "closes_on": (today + timedelta(days=days)).isoformat(),
    }


def enterprise_snapshot(**overrides) -> EnterpriseSnapshot:
    """An enterprise as matching knows it (the event snapshot), eligible unless overridden."""
    values = dict(
        enterprise_id="91230100MA0000000X",
        name="企业",
        city_code="230100",
        county="南岗区",
        registered_on=date(2015, 1, 1),
        independent_legal_person=True,
        qualifications=["high_tech"],
        platforms=[],
        is_soe=False,
        research_misconduct=False,
        equity_links=[],
        version=1,
    )
    return EnterpriseSnapshot(**(values | overrides))


def researcher_snapshot(**overrides) -> ResearcherSnapshot:
    """A researcher as matching knows them (the event snapshot); without a degree or title unless overridden."""
    values = dict(
        researcher_id=uuid.uuid4(), institution_id=uuid.uuid4(), name="郑青", date_of_birth=date(1990, 1, 1),
        highest_degree="bachelor", title="intermediate", disciplines=["土木工程"], research_fields="",
        research_misconduct=False, achievements=[], version=1,
    )  # fmt: skip
    return ResearcherSnapshot(**(values | overrides))
