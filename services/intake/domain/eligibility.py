"""Programme eligibility checks, each failure tagged with its rule id (RULES.md)."""

from __future__ import annotations

from datetime import date

from services.intake.domain.model import Degree, Enterprise, Researcher, Title
from shared.domain import RuleFailure
from shared.regions import CITIES
from shared.timeutil import whole_years
from shared.vocabulary import Programme


def enterprise_failures(enterprise: Enterprise, programme: Programme, on: date) -> list[RuleFailure]:
    """Why ``enterprise`` may not file a need for ``programme`` on date ``on`` (empty: eligible)."""
    failures: list[RuleFailure] = []
    if programme is Programme.CHIEF_TECHNOLOGIST:
        if not enterprise.independent_legal_person or enterprise.city_code not in CITIES:
            failures.append(
                RuleFailure("R-C1", "科技总师接收单位应为黑龙江省内具有独立法人资格的企业", "independent_legal_person")
            )
        if enterprise.research_misconduct:
            failures.append(RuleFailure("R-C1", "企业存在科研失信记录，不能申报科技总师", "research_misconduct"))
        if not enterprise.qualifications:
            failures.append(
                RuleFailure(
                    "R-C2",
                    "企业须至少具备以下资质之一：规上工业企业、高新技术企业、技术先进型服务企业、专精特新“小巨人”企业、专精特新中小企业",
                    "qualifications",
                )
            )
    else:
        if not enterprise.independent_legal_person:
            failures.append(RuleFailure("R-C6", "驻点企业应为独立法人企业", "independent_legal_person"))
        if enterprise.city_code not in CITIES or whole_years(enterprise.registered_on, on) < 1:
            failures.append(RuleFailure("R-C6", "驻点企业应为在省内注册满 1 年的企业", "registered_on"))
    return failures


def commissioner_researcher_failures(researcher: Researcher) -> list[RuleFailure]:
    """R-E4 (特派员): a doctorate, or an associate-senior (副高) or higher title.

    Research integrity is required of commissioners as well (seed 000, 五(一) 遵守科研诚信), so the
    misconduct flag of R-E1 is checked here too."""
    failures = []
    if researcher.highest_degree is not Degree.DOCTORATE and researcher.title not in (
        Title.SENIOR,
        Title.ASSOCIATE_SENIOR,
    ):
        failures.append(RuleFailure("R-E4", "企业科技特派员须具有博士学位或副高级以上职称", "highest_degree"))
    if researcher.research_misconduct:
        failures.append(RuleFailure("R-E1", "存在科研失信记录", "research_misconduct"))
    return failures
