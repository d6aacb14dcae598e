"""Intake's REST schemas (XCreate / XUpdate / XRead). Validation errors name the rule they enforce.

Every text, list and number is bounded (``shared.types``). In an edit (XUpdate) a field left out is not
changed; ``null`` is refused unless the field may really be empty (an institution outside Heilongjiang has
no city).
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from services.intake.domain import commands as cmd
from services.intake.domain import model as m
from services.intake.domain.credit_code import credit_code_problem
from shared.regions import CITIES
from shared.timeutil import today_in_china, whole_years
from shared.types import NAME_MAX, Count, Line, Names, Text
from shared.vocabulary import Programme

Name = Line(NAME_MAX, min_length=2)
PersonName = Line(100, min_length=2)
Disciplines = Names(50)
Keywords = Names(30, item_max_length=50)
CITY_CODES = sorted(CITIES)
CREDIT_CODE_SHAPE = re.compile(r"^[0-9A-Za-z]{18}$")
CityCode = Annotated[
    str, Field(json_schema_extra={"enum": CITY_CODES}, description="市（地）行政区划代码：黑龙江省 13 个市（地）之一")
]


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
    name: Name = Field(description="单位全称（唯一）")
    kind: m.InstitutionKind = Field(description="单位类型 (R-U1)")
    affiliation: m.Affiliation = Field(description="隶属关系：省属或部属方可派出科技总师 (R-U1)")
    city_code: CityCode | None = Field(description="所在市（地）代码；省外单位为 null (R-U1)")
    master_degree_disciplines: Disciplines = Field(default=[], description="具有硕士及以上学位授予权的学科 (R-U2)")
    first_class_disciplines: Disciplines = Field(default=[], description="省级及以上一流建设学科 (R-U2)")

    _check_city = field_validator("city_code")(classmethod(lambda cls, v: _city(v)))

    def command(self) -> cmd.RegisterInstitution:
        return cmd.RegisterInstitution(**self._values())


class InstitutionUpdate(_In):
    name: Name = Field(default=None, description="单位全称")
    kind: m.InstitutionKind = Field(default=None, description="单位类型 (R-U1)")
    affiliation: m.Affiliation = Field(default=None, description="隶属关系 (R-U1)")
    city_code: CityCode | None = Field(default=None, description="所在市（地）代码；省外单位为 null (R-U1)")
    master_degree_disciplines: Disciplines = Field(
        default=None, description="整体替换：硕士及以上学位授予权学科 (R-U2)"
    )
    first_class_disciplines: Disciplines = Field(default=None, description="整体替换：省级及以上一流建设学科 (R-U2)")

    _check_city = field_validator("city_code")(classmethod(lambda cls, v: _city(v)))

    def command(self) -> cmd.UpdateInstitution:
        return cmd.UpdateInstitution(**self._values(sent_only=True))


class InstitutionRead(_Out):
    id: uuid.UUID = Field(description="派出单位标识")
    name: str = Field(description="单位全称")
    kind: m.InstitutionKind = Field(description="单位类型")
    affiliation: m.Affiliation = Field(description="隶属关系 (R-U1)")
    city_code: str | None = Field(description="所在市（地）代码；省外单位为 null")
    master_degree_disciplines: list[str] = Field(description="硕士及以上学位授予权学科 (R-U2)")
    first_class_disciplines: list[str] = Field(description="省级及以上一流建设学科 (R-U2)")
    created_at: datetime = Field(description="登记时间")
    updated_at: datetime = Field(description="最近修改时间")
    version: int = Field(description="版本号，每次修改加一")


# ----------------------------------------------------------------- researchers
class AchievementIn(_In):
    kind: m.AchievementKind = Field(description="成果类型")
    title: Line(300, min_length=2) = Field(description="成果名称")
    summary: Text(5000) = Field(default="", description="摘要（用于匹配，R-E5）")
    year: int = Field(ge=1950, le=2100, description="年份（不晚于今年）")
    keywords: Keywords = Field(default=[], description="关键词")

    @field_validator("year")
    @classmethod
    def _not_future(cls, year: int) -> int:
        if year > today_in_china().year:
            raise rule_error("成果年份不能晚于今年")
        return year

    def command(self) -> cmd.NewAchievement:
        return cmd.NewAchievement(self.kind, self.title, self.summary, self.year, tuple(self.keywords))


class AchievementRead(_Out):
    id: uuid.UUID = Field(description="成果标识")
    kind: m.AchievementKind = Field(description="成果类型")
    title: str = Field(description="成果名称")
    summary: str = Field(description="摘要")
    year: int = Field(description="年份")
    keywords: list[str] = Field(description="关键词")


def _check_birth(value: date) -> date:
    age = whole_years(value, today_in_china())
    if value > today_in_china():
        raise rule_error("出生日期不能晚于今天")
    if not 18 <= age <= 90:
        raise rule_error(f"出生日期不合理：按此计算年龄为 {age} 岁（应在 18–90 岁之间）")
    return value


Achievements = Annotated[list[AchievementIn], Field(max_length=200)]


class ResearcherCreate(_In):
    employee_no: Line(64, min_length=1) = Field(description="工号（单位内唯一，批量导入据此更新）")
    name: PersonName = Field(description="姓名")
    date_of_birth: date = Field(description="出生日期 (R-E2)")
    highest_degree: m.Degree = Field(description="最高学位 (R-E3, R-E4)")
    title: m.Title = Field(description="专业技术职称 (R-E3, R-E4)")
    disciplines: Names(10, min_items=1) = Field(description="所属学科 (R-U2)")
    research_fields: Text(2000) = Field(default="", description="研究方向（用于匹配，R-E5）")
    research_misconduct: bool = Field(default=False, description="科研失信记录 (R-E1)；只有省科技厅可以撤销")
    achievements: Achievements = Field(default=[], description="科技成果（论文、专利、项目、产品）")

    _birth = field_validator("date_of_birth")(classmethod(lambda cls, v: _check_birth(v)))

    def command(self) -> cmd.RegisterResearcher:
        given = self.model_dump(exclude={"achievements", "disciplines"})
        achievements = tuple(a.command() for a in self.achievements)
        return cmd.RegisterResearcher(**given, disciplines=tuple(self.disciplines), achievements=achievements)


class ResearcherUpdate(_In):
    name: PersonName = Field(default=None, description="姓名")
    date_of_birth: date = Field(default=None, description="出生日期 (R-E2)")
    highest_degree: m.Degree = Field(default=None, description="最高学位 (R-E3, R-E4)")
    title: m.Title = Field(default=None, description="专业技术职称 (R-E3, R-E4)")
    disciplines: Names(10, min_items=1) = Field(default=None, description="整体替换：所属学科 (R-U2)")
    research_fields: Text(2000) = Field(default=None, description="研究方向")
    research_misconduct: bool = Field(default=None, description="科研失信记录 (R-E1)；只有省科技厅可以撤销")
    achievements: Achievements = Field(default=None, description="整体替换成果列表")

    _birth = field_validator("date_of_birth")(classmethod(lambda cls, v: _check_birth(v)))

    def command(self) -> cmd.UpdateResearcher:
        given = self._values(sent_only=True)
        if "achievements" in given:
            given["achievements"] = tuple(a.command() for a in self.achievements)
        return cmd.UpdateResearcher(**given)


class ResearcherRead(_Out):
    id: uuid.UUID = Field(description="科研人员标识")
    institution_id: uuid.UUID = Field(description="派出单位")
    employee_no: str = Field(description="工号")
    name: str = Field(description="姓名")
    date_of_birth: date = Field(description="出生日期 (R-E2)")
    highest_degree: m.Degree = Field(description="最高学位")
    title: m.Title = Field(description="专业技术职称")
    disciplines: list[str] = Field(description="所属学科")
    research_fields: str = Field(description="研究方向")
    research_misconduct: bool = Field(description="科研失信记录 (R-E1)")
    achievements: list[AchievementRead] = Field(description="科技成果")
    created_at: datetime = Field(description="登记时间")
    updated_at: datetime = Field(description="最近修改时间")
    version: int = Field(description="版本号，每次修改加一")


class ImportResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    created: int = Field(description="新登记的科研人员数")
    updated: int = Field(description="信息有变化而更新的科研人员数")
    achievements: int = Field(description="文件中的成果条数")
    researcher_ids: list[uuid.UUID] = Field(description="文件中各科研人员的标识（按行序）")


# ----------------------------------------------------------------- enterprises
class EquityLinkIn(_In):
    party_type: m.EquityParty = Field(description="创办或入股的一方")
    party_id: uuid.UUID = Field(description="该科研人员或派出单位的标识（须已登记）")
    relation: m.EquityRelation = Field(description="关系")

    def value(self) -> m.EquityLink:
        return m.EquityLink(self.party_type, self.party_id, self.relation)


class EquityLinkRead(_Out):
    party_type: m.EquityParty = Field(description="创办或入股的一方")
    party_id: uuid.UUID = Field(description="科研人员或派出单位的标识")
    relation: m.EquityRelation = Field(description="关系")


def _check_credit_code(value: str) -> str:
    raw = value.strip()
    if not CREDIT_CODE_SHAPE.match(raw):  # before any case change: "ﬀ".upper() is "FF"
        raise rule_error("统一社会信用代码应为 18 位字母或数字", "R-C7")
    code = raw.upper()
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


CreditCode = Annotated[
    str,
    Field(
        max_length=18,  # the shape (18 ASCII letters or digits) and the check character are R-C7's own errors
        json_schema_extra={"pattern": "^[0-9A-Za-z]{18}$"},
        description="统一社会信用代码，18 位，含校验位 (R-C7, GB 32100-2015)",
    ),
]
EquityLinks = Annotated[list[EquityLinkIn], Field(max_length=100)]
Qualifications = Annotated[list[m.Qualification], Field(max_length=len(m.Qualification))]
Platforms = Annotated[list[m.Platform], Field(max_length=len(m.Platform))]


class EnterpriseCreate(_In):
    credit_code: CreditCode
    name: Name = Field(description="企业名称")
    city_code: CityCode = Field(description="所在市（地）代码：需求由该市（地）审核 (R-F1)")
    county: Line(100, min_length=1) = Field(description="所在县（市、区）")
    registered_on: date = Field(description="注册日期 (R-C6: 特派员驻点企业须注册满 1 年)")
    independent_legal_person: bool = Field(description="是否独立法人 (R-C1, R-C6)")
    qualifications: Qualifications = Field(default=[], description="资质，科技总师须至少一项 (R-C2)")
    platforms: Platforms = Field(default=[], description="省级及以上创新平台，优先选派 (R-C4)")
    is_soe: bool = Field(default=False, description="省属国有企业：需求由省国资委审核 (R-F1)")
    research_misconduct: bool = Field(default=False, description="科研失信记录 (R-C1)")
    equity_links: EquityLinks = Field(default=[], description="创办或入股本企业的科研人员或派出单位 (R-C5)")

    _code = field_validator("credit_code")(classmethod(lambda cls, v: _check_credit_code(v)))
    _check_city = field_validator("city_code")(classmethod(lambda cls, v: _city(v)))
    _date = field_validator("registered_on")(classmethod(lambda cls, v: _not_future(v)))

    def command(self) -> cmd.RegisterEnterprise:
        given = self.model_dump(exclude={"qualifications", "platforms", "equity_links"})
        return cmd.RegisterEnterprise(
            **given,
            qualifications=tuple(dict.fromkeys(self.qualifications)),
            platforms=tuple(dict.fromkeys(self.platforms)),
            equity_links=tuple(link.value() for link in self.equity_links),
        )


class EnterpriseUpdate(_In):
    name: Name = Field(default=None, description="企业名称")
    city_code: CityCode = Field(default=None, description="所在市（地）代码")
    county: Line(100, min_length=1) = Field(default=None, description="所在县（市、区）")
    registered_on: date = Field(default=None, description="注册日期 (R-C6)")
    independent_legal_person: bool = Field(default=None, description="是否独立法人 (R-C1, R-C6)")
    qualifications: Qualifications = Field(default=None, description="整体替换：资质 (R-C2)")
    platforms: Platforms = Field(default=None, description="整体替换：省级及以上创新平台 (R-C4)")
    is_soe: bool = Field(default=None, description="省属国有企业（由省科技厅或省国资委维护）")
    research_misconduct: bool = Field(default=None, description="科研失信记录 (R-C1)；只有省科技厅可以撤销")
    equity_links: EquityLinks = Field(default=None, description="整体替换：创办或入股的科研人员或单位 (R-C5)")

    _check_city = field_validator("city_code")(classmethod(lambda cls, v: _city(v)))
    _date = field_validator("registered_on")(classmethod(lambda cls, v: _not_future(v)))

    def command(self) -> cmd.UpdateEnterprise:
        given = self._values(sent_only=True)
        for listed in ("qualifications", "platforms"):
            if listed in given:
                given[listed] = tuple(dict.fromkeys(given[listed]))
        if "equity_links" in given:
            given["equity_links"] = tuple(link.value() for link in self.equity_links)
        return cmd.UpdateEnterprise(**given)


class EnterpriseRead(_Out):
    id: str = Field(description="统一社会信用代码（企业标识）")
    name: str = Field(description="企业名称")
    city_code: str = Field(description="所在市（地）代码")
    county: str = Field(description="所在县（市、区）")
    registered_on: date = Field(description="注册日期")
    independent_legal_person: bool = Field(description="是否独立法人")
    qualifications: list[m.Qualification] = Field(description="资质 (R-C2)")
    platforms: list[m.Platform] = Field(description="省级及以上创新平台 (R-C4)")
    is_soe: bool = Field(description="省属国有企业")
    research_misconduct: bool = Field(description="科研失信记录 (R-C1)")
    equity_links: list[EquityLinkRead] = Field(description="创办或入股的科研人员或单位 (R-C5)")
    created_at: datetime = Field(description="登记时间")
    updated_at: datetime = Field(description="最近修改时间")
    version: int = Field(description="版本号，每次修改加一")


# ----------------------------------------------------------------- batches
class BatchCreate(_In):
    programme: Programme = Field(description="项目")
    year: int = Field(ge=2025, le=2100, description="年度")
    title: Name = Field(description="批次名称，例如「2026 年度科技总师需求征集」")
    opens_on: date = Field(description="征集开始日期（2020-01-01 至 2100-12-31 之间）")
    closes_on: date = Field(description="征集截止日期（不早于开始日期，征集期至多 366 天）")

    @model_validator(mode="after")
    def _window(self) -> BatchCreate:
        problem = m.Batch.window_problem(self.opens_on, self.closes_on)
        if problem:
            raise rule_error(problem, "R-F1")
        return self

    def command(self) -> cmd.OpenBatch:
        return cmd.OpenBatch(**self.model_dump())


class BatchUpdate(_In):
    title: Name = Field(default=None, description="批次名称")
    opens_on: date = Field(default=None, description="征集开始日期")
    closes_on: date = Field(default=None, description="征集截止日期")
    closed_early: bool = Field(default=None, description="提前截止征集")

    def command(self) -> cmd.UpdateBatch:
        return cmd.UpdateBatch(**self._values(sent_only=True))


class BatchRead(_Out):
    id: uuid.UUID = Field(description="批次标识")
    programme: Programme = Field(description="项目")
    year: int = Field(description="年度")
    title: str = Field(description="批次名称")
    opens_on: date = Field(description="征集开始日期")
    closes_on: date = Field(description="征集截止日期（R-E2 的年龄以此日计算）")
    closed_early: bool = Field(description="是否已提前截止")
    is_open: bool = Field(default=False, description="今天（北京时间）是否在征集期内")
    created_at: datetime = Field(description="发布时间")


# ----------------------------------------------------------------- needs
class NeedCreate(_In):
    batch_id: uuid.UUID = Field(description="征集批次（须处于开放期，R-F1）")
    title: Name = Field(description="需求名称")
    description: Text(5000, min_length=10) = Field(description="需解决的技术问题 (R-C3)")
    industry: Line(100, min_length=2) = Field(description="所属行业")
    desired_expertise: Text(2000) = Field(default="", description="期望的专业方向")
    keywords: Names(20, item_max_length=50, min_items=1) = Field(description="关键词")
    cooperation_forms: Annotated[list[m.CooperationForm], Field(min_length=1, max_length=len(m.CooperationForm))] = (
        Field(description="期望的合作方式")
    )
    conditions_offered: Text(2000, min_length=4) = Field(description="可提供的岗位、工作、生活与科研条件 (R-C3, R-C6)")
    experts_wanted: Count(1, 5) = Field(default=1, description="需要的专家人数")

    def command(self) -> cmd.SubmitNeed:
        values = self._values()
        values["cooperation_forms"] = tuple(dict.fromkeys(values["cooperation_forms"]))
        return cmd.SubmitNeed(**values)


class NeedRead(_Out):
    id: uuid.UUID = Field(description="需求标识")
    enterprise_id: str = Field(description="提出需求的企业（统一社会信用代码）")
    batch_id: uuid.UUID = Field(description="征集批次")
    programme: Programme = Field(description="项目")
    city_code: str = Field(description="企业所在市（地），即审核的市（地）(R-F1)")
    is_soe: bool = Field(description="省属国有企业的需求由省国资委审核 (R-F1)")
    title: str = Field(description="需求名称")
    description: str = Field(description="需解决的技术问题")
    industry: str = Field(description="所属行业")
    desired_expertise: str = Field(description="期望的专业方向")
    keywords: list[str] = Field(description="关键词")
    cooperation_forms: list[m.CooperationForm] = Field(description="期望的合作方式")
    conditions_offered: str = Field(description="可提供的条件")
    experts_wanted: int = Field(description="需要的专家人数")
    status: m.NeedStatus = Field(description="审核状态 (R-F1)")
    approvals: list[str] = Field(description="已审核通过的单位（science_tech、industry_it 或 sasac）")
    rejection_reason: str | None = Field(description="驳回理由")
    submitted_at: datetime = Field(description="提交时间")
    updated_at: datetime = Field(description="最近变化时间")
    version: int = Field(description="版本号，每次变化加一")


class ReasonIn(_In):
    reason: Text(2000, min_length=2) = Field(description="理由（记录在案）")


class OptionalReasonIn(_In):
    reason: Text(2000) | None = Field(default=None, description="说明（可选）")


# ----------------------------------------------------------------- applications (R-F4)
class ApplicationCreate(_In):
    batch_id: uuid.UUID = Field(description="企业科技特派员征集批次（须处于开放期）")
    statement: Text(5000, min_length=10) = Field(description="申报说明：研究基础、服务意向 (R-F4)")

    def command(self) -> cmd.SubmitApplication:
        return cmd.SubmitApplication(self.batch_id, self.statement)


class ApplicationRead(_Out):
    id: uuid.UUID = Field(description="申报标识")
    researcher_id: uuid.UUID = Field(description="申报的科研人员")
    institution_id: uuid.UUID = Field(description="其派出单位（审核者）")
    batch_id: uuid.UUID = Field(description="征集批次")
    statement: str = Field(description="申报说明")
    status: m.ApplicationStatus = Field(description="审核状态 (R-F4)")
    decision_reason: str | None = Field(description="派出单位的审核意见")
    submitted_at: datetime = Field(description="申报时间")
    decided_at: datetime | None = Field(description="审核时间")
