"""Kafka topics of the platform. Auto-creation is off in production: ops create these (compose job)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int = 3
    description: str = ""


INTAKE_NEED = Topic("techbridge.intake.need", description="技术需求生命周期事件（intake 拥有）")
INTAKE_ENTERPRISE = Topic("techbridge.intake.enterprise", description="企业登记事件")
INTAKE_RESEARCHER = Topic("techbridge.intake.researcher", description="科研人员登记与更新事件")
INTAKE_INSTITUTION = Topic("techbridge.intake.institution", description="派出单位登记事件")
MATCHING_CANDIDATE = Topic("techbridge.matching.candidate", description="候选人推荐与派出单位答复事件")
AGREEMENTS_NEGOTIATION = Topic(
    "techbridge.agreements.negotiation", description="对接洽谈事件：洽谈会、洽谈结果、向省科技厅报送（agreements 拥有）"
)
AGREEMENTS_SELECTION = Topic(
    "techbridge.agreements.selection", description="选派名单事件：审核、党组会议审议、公示、异议、正式公布"
)
AGREEMENTS_AGREEMENT = Topic("techbridge.agreements.agreement", description="三方协议事件")
EVALUATION_EVALUATION = Topic("techbridge.evaluation.evaluation", description="考评事件")

PUBLIC_TOPICS: tuple[Topic, ...] = (
    INTAKE_NEED,
    INTAKE_ENTERPRISE,
    INTAKE_RESEARCHER,
    INTAKE_INSTITUTION,
    MATCHING_CANDIDATE,
    AGREEMENTS_NEGOTIATION,
    AGREEMENTS_SELECTION,
    AGREEMENTS_AGREEMENT,
    EVALUATION_EVALUATION,
)


def dead_letter_topic(consumer_group: str) -> Topic:
    """One dead-letter topic per consumer group, so ops see at once whose handler failed."""
    return Topic(f"techbridge.dlq.{consumer_group}", partitions=1, description=f"{consumer_group} 的死信")
