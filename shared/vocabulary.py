"""The platform's shared vocabulary: plain enums that every layer, domain included, may import.

They are part of the public contracts (event payloads and tokens carry their values), so they live
here once instead of being redefined per service. No framework is imported here.
"""

from __future__ import annotations

from enum import StrEnum


class Programme(StrEnum):
    """The two programmes (RULES.md): 科技总师 and 企业科技特派员."""

    CHIEF_TECHNOLOGIST = "chief_technologist"
    COMMISSIONER = "commissioner"


class Role(StrEnum):
    ENTERPRISE = "enterprise"
    CITY_BUREAU = "city_bureau"  # 市（地）科技局 or 工信局, scoped to one city
    COUNTY = "county"  # 县（市、区）科技部门, scoped to one county of one city (特派员 yearly assessment, R-V5)
    SASAC = "sasac"  # 省国资委, for province-owned SOEs
    PROVINCE = "province"  # 省科技厅
    INSTITUTION = "institution"  # 派出单位, scoped to one dispatching unit
    RESEARCHER = "researcher"
    OPS = "ops"
    PUBLIC = "public"  # an anonymous caller of a public page (the notice of R-F7); never a token's role


class Bureau(StrEnum):
    """The two city bureaus that jointly review needs (R-F1)."""

    SCIENCE_TECH = "science_tech"  # 科技局
    INDUSTRY_IT = "industry_it"  # 工信局


# A need's review state (R-F1), owned by intake and published in its events' ``status``.
class NeedStatus(StrEnum):
    SUBMITTED = "submitted"  # awaiting review by the city's bureaus or SASAC
    APPROVED = "approved"  # every required reviewer approved
    REPORTED = "reported"  # reported to the province (省科技厅)
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class CooperationForm(StrEnum):
    """合作方式: what a need asks for (intake) and what a negotiated intent agrees on (agreements)."""

    JOINT_RD = "joint_rd"  # 联合研发
    TECH_TRANSFER = "tech_transfer"  # 成果转化/技术转让
    TECH_SERVICE = "tech_service"  # 技术服务/咨询
    PLATFORM_BUILDING = "platform_building"  # 共建平台
    TALENT_TRAINING = "talent_training"  # 人才培养


class Title(StrEnum):
    """专业技术职称: registered by intake (R-E3, R-E4), shown on the public notice by agreements (R-F7)."""

    SENIOR = "senior"  # 正高级
    ASSOCIATE_SENIOR = "associate_senior"  # 副高级
    INTERMEDIATE = "intermediate"  # 中级
    JUNIOR = "junior"  # 初级
    NONE = "none"


# What each value is called in Chinese (for the API documents and messages).
LABELS: dict[type[StrEnum], dict[StrEnum, str]] = {
    Programme: {
        Programme.CHIEF_TECHNOLOGIST: "科技总师",
        Programme.COMMISSIONER: "企业科技特派员",
    },
    Role: {
        Role.ENTERPRISE: "企业",
        Role.CITY_BUREAU: "市（地）科技局、工信局",
        Role.COUNTY: "县（市、区）科技主管部门",
        Role.SASAC: "省国资委",
        Role.PROVINCE: "省科技厅",
        Role.INSTITUTION: "派出单位",
        Role.RESEARCHER: "科研人员",
        Role.OPS: "运维",
        Role.PUBLIC: "公众（公示页面，无需登录）",
    },
    Bureau: {
        Bureau.SCIENCE_TECH: "科技局",
        Bureau.INDUSTRY_IT: "工信局",
    },
    CooperationForm: {
        CooperationForm.JOINT_RD: "联合研发",
        CooperationForm.TECH_TRANSFER: "成果转化、技术转让",
        CooperationForm.TECH_SERVICE: "技术服务、咨询",
        CooperationForm.PLATFORM_BUILDING: "共建平台",
        CooperationForm.TALENT_TRAINING: "人才培养",
    },
    Title: {
        Title.SENIOR: "正高级",
        Title.ASSOCIATE_SENIOR: "副高级",
        Title.INTERMEDIATE: "中级",
        Title.JUNIOR: "初级",
        Title.NONE: "无职称",
    },
    NeedStatus: {
        NeedStatus.SUBMITTED: "待审核",
        NeedStatus.APPROVED: "已审核通过",
        NeedStatus.REPORTED: "已报送省科技厅",
        NeedStatus.REJECTED: "已驳回",
        NeedStatus.WITHDRAWN: "已撤回",
    },
}
