"""Hard rules a proposed researcher must pass, and the soft priorities that rank (RULES.md).

Hard rules are never broken: a researcher failing one is not proposed, and the explanation says
which rule excluded them. Soft priorities only add to the score, visibly.

Inputs are matching's own copies of intake's registries (the event snapshots); the rules read them
through the small protocols below, so this module is pure: no framework, no database, no clock (the
reference date is passed in).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from shared.domain import RuleFailure
from shared.regions import CITIES
from shared.timeutil import whole_years
from shared.vocabulary import Programme

MAX_AGE = 55  # R-E2
YOUTH_AGE = 40  # R-E2: priority "under equal conditions"
MASTER_OR_HIGHER = {"doctorate", "master"}
ASSOCIATE_SENIOR_OR_HIGHER = {"senior", "associate_senior"}
ELIGIBLE_AFFILIATIONS = {"provincial", "ministerial"}  # R-U1: 省属或部属


class ResearcherFacts(Protocol):
    """What the rules read of a researcher (matching's copy of intake's registry)."""

    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    name: str
    date_of_birth: date
    highest_degree: str
    title: str
    disciplines: Sequence[str]
    research_misconduct: bool


class InstitutionFacts(Protocol):
    kind: str
    affiliation: str
    city_code: str | None
    master_degree_disciplines: Sequence[str]
    first_class_disciplines: Sequence[str]


class EquityFacts(Protocol):
    party_type: str
    party_id: uuid.UUID


class EnterpriseFacts(Protocol):
    platforms: Sequence[str]
    equity_links: Sequence[EquityFacts]


Exclusion = RuleFailure  # a hard rule that excludes a researcher: rule id and the Chinese reason shown to the province


@dataclass(frozen=True)
class MatchContext:
    """What the rules need to know beyond the three snapshots."""

    programme: Programme
    on: date  # the application date: the batch's reference date (R-E2)
    r_e3_overrides: Collection[str] = field(
        default_factory=frozenset
    )  # researcher ids the province exempted, with a recorded reason
    active_or_proposed: int = 0  # this researcher's current appointments plus pending proposals
    capacity: int = 1
    declined_this_need: bool = False
    excellent: bool = False  # rated 优秀 at a 总师 term end (R-V4)
    eliminated_until: date | None = None  # 末位淘汰 in this programme (R-V5): excluded up to this day


def exclusions(
    researcher: ResearcherFacts,
    institution: InstitutionFacts | None,
    enterprise: EnterpriseFacts,
    ctx: MatchContext,
) -> list[Exclusion]:
    """Every hard rule ``researcher`` breaks for this enterprise's need (empty: may be proposed)."""
    out: list[Exclusion] = []
    chief = ctx.programme is Programme.CHIEF_TECHNOLOGIST

    # R-E1 (总师); 特派员 too: seed 000 五(一) requires research integrity of commissioners.
    if researcher.research_misconduct:
        out.append(Exclusion("R-E1", "存在科研失信记录"))
    if chief:
        age = whole_years(researcher.date_of_birth, ctx.on)
        if age > MAX_AGE:
            out.append(Exclusion("R-E2", f"年龄 {age} 岁，超过 {MAX_AGE} 周岁"))
        qualified = researcher.highest_degree in MASTER_OR_HIGHER or researcher.title in ASSOCIATE_SENIOR_OR_HIGHER
        if not qualified and str(researcher.researcher_id) not in ctx.r_e3_overrides:
            out.append(Exclusion("R-E3", "无硕士及以上学位，也无副高级以上职称（省科技厅可记录理由后豁免）"))
    else:
        if researcher.highest_degree != "doctorate" and researcher.title not in ASSOCIATE_SENIOR_OR_HIGHER:
            out.append(Exclusion("R-E4", "无博士学位，也无副高级以上职称"))

    if chief:
        if institution is None:
            out.append(Exclusion("R-U1", "派出单位信息缺失"))
        else:
            if institution.city_code not in CITIES or institution.affiliation not in ELIGIBLE_AFFILIATIONS:
                out.append(Exclusion("R-U1", "派出单位须为黑龙江省内省属或部属高校、科研院所"))
            if institution.kind == "university":
                qualified_disciplines = set(institution.master_degree_disciplines) | set(
                    institution.first_class_disciplines
                )
                if not qualified_disciplines & set(researcher.disciplines):
                    out.append(Exclusion("R-U2", "所在学科无硕士及以上学位授予权，也非省级及以上一流建设学科"))
        # R-C5: the expert, or their university/institute, founded or holds shares in the enterprise.
        for link in enterprise.equity_links:
            if link.party_type == "researcher" and link.party_id == researcher.researcher_id:
                out.append(Exclusion("R-C5", "本人创办或入股该企业"))
            if link.party_type == "institution" and link.party_id == researcher.institution_id:
                out.append(Exclusion("R-C5", "所在单位创办或入股该企业"))

    if ctx.active_or_proposed >= ctx.capacity:
        out.append(Exclusion("CAPACITY", f"已在岗或已被推荐 {ctx.active_or_proposed} 项，达到上限 {ctx.capacity}"))
    if ctx.declined_this_need:
        out.append(Exclusion("DECLINED", "已表示不愿承担该需求"))
    if ctx.eliminated_until is not None:
        out.append(Exclusion("R-V5", f"年度考评末位淘汰，{ctx.eliminated_until} 前不再选派"))
    return out


@dataclass(frozen=True)
class Priority:
    rule_id: str
    bonus: float
    reason: str


YOUTH_BONUS = 0.02
PLATFORM_BONUS = 0.01
EXCELLENT_BONUS = 0.02


def soft_priorities(researcher: ResearcherFacts, enterprise: EnterpriseFacts, ctx: MatchContext) -> list[Priority]:
    """Priorities that rank "under equal conditions": small, visible score bonuses. R-V4's applies to both
    programmes (优秀 experts get priority in later programmes); R-E2's and R-C4's are 总师 rules."""
    out = []
    if ctx.excellent:
        out.append(Priority("R-V4", EXCELLENT_BONUS, "科技总师期满考评优秀，后续项目优先"))
    if ctx.programme is not Programme.CHIEF_TECHNOLOGIST:
        return out
    if whole_years(researcher.date_of_birth, ctx.on) <= YOUTH_AGE:
        out.append(Priority("R-E2", YOUTH_BONUS, f"{YOUTH_AGE} 周岁（含）以下青年人才优先"))
    if enterprise.platforms:
        out.append(Priority("R-C4", PLATFORM_BONUS, "企业建有省级及以上创新平台，优先选派"))
    return out


@dataclass(frozen=True)
class RankingContext:
    """Everything besides the need and the registries that decides who may be proposed for one need."""

    on: date  # the application date (R-E2)
    r_e3_overrides: frozenset[str] = frozenset()  # researcher ids the province exempted from R-E3
    holdings: Mapping[uuid.UUID, int] = field(default_factory=dict)  # candidacies + appointments per researcher
    capacity: int = 1
    declined: frozenset[uuid.UUID] = frozenset()  # who declined this need
    include: frozenset[uuid.UUID] = frozenset()  # researchers to score even outside the top hits
    excellent: frozenset[uuid.UUID] = frozenset()  # 优秀 at a 总师 term end (R-V4)
    eliminated: Mapping[tuple[uuid.UUID, str], date] = field(default_factory=dict)  # (who, programme) → until (R-V5)

    def rules_for(self, programme: Programme, researcher_id: uuid.UUID) -> MatchContext:
        return MatchContext(
            programme=programme,
            on=self.on,
            r_e3_overrides=self.r_e3_overrides,
            active_or_proposed=self.holdings.get(researcher_id, 0),
            capacity=self.capacity,
            declined_this_need=researcher_id in self.declined,
            excellent=researcher_id in self.excellent,
            eliminated_until=self.eliminated.get((researcher_id, programme.value)),
        )
