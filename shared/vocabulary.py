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
    SASAC = "sasac"  # 省国资委, for province-owned SOEs
    PROVINCE = "province"  # 省科技厅
    INSTITUTION = "institution"  # 派出单位, scoped to one dispatching unit
    RESEARCHER = "researcher"
    OPS = "ops"


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


# What each value is called in Chinese (for the API documents and messages).
LABELS: dict[type[StrEnum], dict[StrEnum, str]] = {
    Programme: {
        Programme.CHIEF_TECHNOLOGIST: "科技总师",
        Programme.COMMISSIONER: "企业科技特派员",
    },
    Role: {
        Role.ENTERPRISE: "企业",
        Role.CITY_BUREAU: "市（地）科技局、工信局",
        Role.SASAC: "省国资委",
        Role.PROVINCE: "省科技厅",
        Role.INSTITUTION: "派出单位",
        Role.RESEARCHER: "科研人员",
        Role.OPS: "运维",
    },
    Bureau: {
        Bureau.SCIENCE_TECH: "科技局",
        Bureau.INDUSTRY_IT: "工信局",
    },
    NeedStatus: {
        NeedStatus.SUBMITTED: "待审核",
        NeedStatus.APPROVED: "已审核通过",
        NeedStatus.REPORTED: "已报送省科技厅",
        NeedStatus.REJECTED: "已驳回",
        NeedStatus.WITHDRAWN: "已撤回",
    },
}
