"""Intake's REST schemas (XCreate / XUpdate / XRead). Validation errors name the rule they enforce."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from services.intake.domain import commands as cmd
from services.intake.domain import model as m
from services.intake.domain.credit_code import credit_code_problem
from shared.regions import CITIES
from shared.timeutil import today_in_china, whole_years
from shared.vocabulary import Programme


def rule_error(message: str, *rule_ids: str) -> PydanticCustomError:
    return PydanticCustomError("rule_violation", message, {"rule_ids": list(rule_ids)})


def _city(value: str | None) -> str | None:
    if value is not None and value not in CITIES:
        raise PydanticCustomError(
            "rule_violation",
            "市（地）代码无效，应为黑龙江省 13 个市（地）之一，例如 230100（哈尔滨市）",
            {"rule_ids": []},
        )
    return value


def _strip_list(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        v = v.strip()
        if v and v not in out:
            out.append(v)
    return out


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    def _values(self, *, sent_only: bool = False) -> dict[str, Any]:
        """The fields as a command takes them (lists as tuples); ``sent_only``: just those the client sent
        (an edit command leaves the others UNSET)."""
        dumped = self.model_dump(exclude_unset=sent_only)
        return {k: tuple(v) if isinstance(v, list) else v for k, v in dumped.items()}


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ----------------------------------------------------------------- institutions
class InstitutionCreate(_In):
    name: str = Field(min_length=2, max_length=200, description="单位名称")
    kind: m.InstitutionKind
    affiliation: m.Affiliation = Field(description="省属 provincial / 部属 ministerial / other (R-U1)")
    city_code: str | None = Field(description="所在市（地）代码；省外单位为 null (R-U1)")
    master_degree_disciplines: list[str] = Field(
        default=[], max_length=200, description="具有硕士及以上学位授予权的学科 (R-U2)"
    )
    first_class_disciplines: list[str] = Field(default=[], max_length=200, description="省级及以上一流建设学科 (R-U2)")

    _check_city = field_validator("city_code")(classmethod(lambda cls, v: _city(v)))
    _lists = field_validator("master_degree_disciplines", "first_class_disciplines")(
        classmethod(lambda cls, v: _strip_list(v))
    )

    def command(self) -> cmd.RegisterInstitution:
        return cmd.RegisterInstitution(**self._values())


class InstitutionUpdate(_In):
    name: str | None = Field(default=None, min_length=2, max_length=200)
    kind: m.InstitutionKind | None = None
    affiliation: m.Affiliation | None = None
    city_code: str | None = None
    master_degree_disciplines: list[str] | None = Field(default=None, max_length=200)
    first_class_disciplines: list[str] | None = Field(default=None, max_length=200)

    _check_city = field_validator("city_code")(classmethod(lambda cls, v: _city(v)))

    def command(self) -> cmd.UpdateInstitution:
        return cmd.UpdateInstitution(**self._values(sent_only=True))


class InstitutionRead(_Out):
    id: uuid.UUID
    name: str
    kind: m.InstitutionKind
    affiliation: m.Affiliation
    city_code: str | None
    master_degree_disciplines: list[str]
    first_class_disciplines: list[str]
    created_at: datetime
    updated_at: datetime
    version: int


# ----------------------------------------------------------------- researchers
class AchievementIn(_In):
    kind: m.AchievementKind
    title: str = Field(min_length=2, max_length=300)
    summary: str = Field(default="", max_length=5000)
    year: int = Field(ge=1950, le=2100)
    keywords: list[str] = Field(default=[], max_length=30)

    @field_validator("year")
    @classmethod
    def _not_future(cls, year: int) -> int:
        if year > today_in_china().year:
            raise rule_error("成果年份不能晚于今年")
        return year

    def command(self) -> cmd.NewAchievement:
        return cmd.NewAchievement(self.kind, self.title, self.summary, self.year, tuple(self.keywords))


class AchievementRead(_Out):
    id: uuid.UUID
    kind: m.AchievementKind
    title: str
    summary: str
    year: int
    keywords: list[str]


def _check_birth(value: date) -> date:
    age = whole_years(value, today_in_china())
    if value > today_in_china():
        raise rule_error("出生日期不能晚于今天")
    if not 18 <= age <= 90:
        raise rule_error(f"出生日期不合理：按此计算年龄为 {age} 岁（应在 18–90 岁之间）")
    return value


class ResearcherCreate(_In):
    employee_no: str = Field(min_length=1, max_length=64, description="工号（单位内唯一，批量导入据此更新）")
    name: str = Field(min_length=2, max_length=100)
    date_of_birth: date = Field(description="出生日期 (R-E2)")
    highest_degree: m.Degree = Field(description="最高学位 (R-E3, R-E4)")
    title: m.Title = Field(description="专业技术职称 (R-E3, R-E4)")
    disciplines: list[str] = Field(min_length=1, max_length=10, description="所属学科 (R-U2)")
    research_fields: str = Field(default="", max_length=2000, description="研究方向")
    research_misconduct: bool = Field(default=False, description="科研失信记录 (R-E1)；只有省科技厅可以撤销")
    achievements: list[AchievementIn] = Field(default=[], max_length=200)

    _birth = field_validator("date_of_birth")(classmethod(lambda cls, v: _check_birth(v)))
    _disc = field_validator("disciplines")(classmethod(lambda cls, v: _strip_list(v)))

    def command(self) -> cmd.RegisterResearcher:
        given = self.model_dump(exclude={"achievements", "disciplines"})
        achievements = tuple(a.command() for a in self.achievements)
        return cmd.RegisterResearcher(**given, disciplines=tuple(self.disciplines), achievements=achievements)


class ResearcherUpdate(_In):
    name: str | None = Field(default=None, min_length=2, max_length=100)
    date_of_birth: date | None = None
    highest_degree: m.Degree | None = None
    title: m.Title | None = None
    disciplines: list[str] | None = Field(default=None, min_length=1, max_length=10)
    research_fields: str | None = Field(default=None, max_length=2000)
    research_misconduct: bool | None = None
    achievements: list[AchievementIn] | None = Field(default=None, max_length=200, description="整体替换成果列表")

    _birth = field_validator("date_of_birth")(classmethod(lambda cls, v: None if v is None else _check_birth(v)))

    def command(self) -> cmd.UpdateResearcher:
        given = self._values(sent_only=True)
        if self.achievements is not None:
            given["achievements"] = tuple(a.command() for a in self.achievements)
        elif "achievements" in given:  # an explicit null keeps them
            del given["achievements"]
        return cmd.UpdateResearcher(**given)


class ResearcherRead(_Out):
    id: uuid.UUID
    institution_id: uuid.UUID
    employee_no: str
    name: str
    date_of_birth: date
    highest_degree: m.Degree
    title: m.Title
    disciplines: list[str]
    research_fields: str
    research_misconduct: bool
    achievements: list[AchievementRead]
    created_at: datetime
    updated_at: datetime
    version: int


class ImportResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    created: int
    updated: int
    achievements: int
    researcher_ids: list[uuid.UUID]


# ----------------------------------------------------------------- enterprises
class EquityLinkIn(_In):
    party_type: m.EquityParty
    party_id: uuid.UUID
    relation: m.EquityRelation

    def value(self) -> m.EquityLink:
        return m.EquityLink(self.party_type, self.party_id, self.relation)


class EquityLinkRead(_Out):
    party_type: m.EquityParty
    party_id: uuid.UUID
    relation: m.EquityRelation


def _check_credit_code(value: str) -> str:
    code = value.strip().upper()
    problem = credit_code_problem(code)
    if problem:
        raise rule_error(problem, "R-C7")
    return code


def _not_future(value: date) -> date:
    if value > today_in_china():
        raise rule_error("注册日期不能晚于今天")
    if value.year < 1949:
        raise rule_error("注册日期不合理")
    return value


class EnterpriseCreate(_In):
    credit_code: str = Field(description="统一社会信用代码，18 位 (R-C7)")
    name: str = Field(min_length=2, max_length=200)
    city_code: str = Field(description="所在市（地）代码")
    county: str = Field(min_length=1, max_length=100, description="所在县（市、区）")
    registered_on: date = Field(description="注册日期 (R-C6: 特派员驻点企业须注册满 1 年)")
    independent_legal_person: bool = Field(description="是否独立法人 (R-C1, R-C6)")
    qualifications: list[m.Qualification] = Field(default=[], description="资质 (R-C2)")
    platforms: list[m.Platform] = Field(default=[], description="省级及以上创新平台 (R-C4)")
    is_soe: bool = Field(default=False, description="省属国有企业：需求由省国资委审核 (R-F1)")
    research_misconduct: bool = Field(default=False, description="科研失信记录 (R-C1)")
    equity_links: list[EquityLinkIn] = Field(default=[], max_length=100, description="创办或入股的科研人员/单位 (R-C5)")

    _code = field_validator("credit_code")(classmethod(lambda cls, v: _check_credit_code(v)))
    _check_city = field_validator("city_code")(classmethod(lambda cls, v: _city(v)))
    _date = field_validator("registered_on")(classmethod(lambda cls, v: _not_future(v)))

    def command(self) -> cmd.RegisterEnterprise:
        given = self.model_dump(exclude={"qualifications", "platforms", "equity_links"})
        return cmd.RegisterEnterprise(
            **given,
            qualifications=tuple(self.qualifications),
            platforms=tuple(self.platforms),
            equity_links=tuple(link.value() for link in self.equity_links),
        )


class EnterpriseUpdate(_In):
    name: str | None = Field(default=None, min_length=2, max_length=200)
    city_code: str | None = None
    county: str | None = Field(default=None, min_length=1, max_length=100)
    registered_on: date | None = None
    independent_legal_person: bool | None = None
    qualifications: list[m.Qualification] | None = None
    platforms: list[m.Platform] | None = None
    is_soe: bool | None = None
    research_misconduct: bool | None = None
    equity_links: list[EquityLinkIn] | None = Field(default=None, max_length=100)

    _check_city = field_validator("city_code")(classmethod(lambda cls, v: _city(v)))
    _date = field_validator("registered_on")(classmethod(lambda cls, v: None if v is None else _not_future(v)))

    def command(self) -> cmd.UpdateEnterprise:
        given = self._values(sent_only=True)
        if self.equity_links is not None:
            given["equity_links"] = tuple(link.value() for link in self.equity_links)
        elif "equity_links" in given:  # an explicit null keeps them
            del given["equity_links"]
        return cmd.UpdateEnterprise(**given)


class EnterpriseRead(_Out):
    id: str = Field(description="统一社会信用代码")
    name: str
    city_code: str
    county: str
    registered_on: date
    independent_legal_person: bool
    qualifications: list[m.Qualification]
    platforms: list[m.Platform]
    is_soe: bool
    research_misconduct: bool
    equity_links: list[EquityLinkRead]
    created_at: datetime
    updated_at: datetime
    version: int


# ----------------------------------------------------------------- batches
class BatchCreate(_In):
    programme: Programme
    year: int = Field(ge=2025, le=2100)
    title: str = Field(min_length=2, max_length=200)
    opens_on: date
    closes_on: date

    @model_validator(mode="after")
    def _window(self) -> BatchCreate:
        if self.closes_on < self.opens_on:
            raise rule_error("征集截止日期不能早于开始日期", "R-F1")
        return self

    def command(self) -> cmd.OpenBatch:
        return cmd.OpenBatch(**self.model_dump())


class BatchUpdate(_In):
    title: str | None = Field(default=None, min_length=2, max_length=200)
    opens_on: date | None = None
    closes_on: date | None = None
    closed_early: bool | None = Field(default=None, description="提前截止征集")

    def command(self) -> cmd.UpdateBatch:
        return cmd.UpdateBatch(**self._values(sent_only=True))


class BatchRead(_Out):
    id: uuid.UUID
    programme: Programme
    year: int
    title: str
    opens_on: date
    closes_on: date
    closed_early: bool
    is_open: bool = False
    created_at: datetime


# ----------------------------------------------------------------- needs
class NeedCreate(_In):
    batch_id: uuid.UUID = Field(description="征集批次（须处于开放期，R-F1）")
    title: str = Field(min_length=2, max_length=200, description="需求名称")
    description: str = Field(min_length=10, max_length=5000, description="需解决的技术问题")
    industry: str = Field(min_length=2, max_length=100, description="所属行业")
    desired_expertise: str = Field(default="", max_length=2000, description="期望的专业方向")
    keywords: list[str] = Field(min_length=1, max_length=20, description="关键词")
    cooperation_forms: list[m.CooperationForm] = Field(min_length=1, description="期望的合作方式")
    conditions_offered: str = Field(
        min_length=4, max_length=2000, description="可提供的岗位、工作、生活与科研条件 (R-C3, R-C6)"
    )
    experts_wanted: int = Field(default=1, ge=1, le=5, description="需要的专家人数")

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        if any(len(k.strip()) == 0 or len(k) > 50 for k in value):
            raise ValueError("关键词须为 1–50 个字符")
        return value

    def command(self) -> cmd.SubmitNeed:
        return cmd.SubmitNeed(**self._values())


class NeedRead(_Out):
    id: uuid.UUID
    enterprise_id: str
    batch_id: uuid.UUID
    programme: Programme
    city_code: str
    is_soe: bool
    title: str
    description: str
    industry: str
    desired_expertise: str
    keywords: list[str]
    cooperation_forms: list[m.CooperationForm]
    conditions_offered: str
    experts_wanted: int
    status: m.NeedStatus
    approvals: list[str]
    rejection_reason: str | None
    submitted_at: datetime
    updated_at: datetime
    version: int


class ReasonIn(_In):
    reason: str = Field(min_length=2, max_length=2000, description="理由")


class OptionalReasonIn(_In):
    reason: str | None = Field(default=None, max_length=2000)


# ----------------------------------------------------------------- applications (R-F4)
class ApplicationCreate(_In):
    batch_id: uuid.UUID
    statement: str = Field(min_length=10, max_length=5000, description="申报说明：研究基础、服务意向")

    def command(self) -> cmd.SubmitApplication:
        return cmd.SubmitApplication(self.batch_id, self.statement)


class ApplicationRead(_Out):
    id: uuid.UUID
    researcher_id: uuid.UUID
    institution_id: uuid.UUID
    batch_id: uuid.UUID
    statement: str
    status: m.ApplicationStatus
    decision_reason: str | None
    submitted_at: datetime
    decided_at: datetime | None


# ----------------------------------------------------------------- audit
class AuditEntryRead(BaseModel):
    at: datetime
    actor: str
    actor_role: str
    action: str
    changes: dict[str, Any] | None
    correlation_id: str | None
