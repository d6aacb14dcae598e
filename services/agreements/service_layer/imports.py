"""Agreements signed before the platform (历史协议备案): the province files an appointment that already runs on
paper — the 2025 cohort of 总师 and 特派员 — so that its service, evaluation (R-V1–R-V7) and end follow the same
path as an agreement signed here. The floors still apply (R-F9 for 总师); the parties must be registered; the
years already served may be carried over as service confirmed by the enterprise."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.agreements.domain import agreement as a
from services.agreements.service_layer.appointments import DEFAULT_DUTIES
from services.agreements.service_layer.events import agreement_fields
from services.agreements.service_layer.term import start_term
from services.agreements.service_layer.terms import DEFAULT_TERMS, AgreementTerms
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from shared.auth import Principal
from shared.errors import Conflict, FieldError, ValidationFailed
from shared.events import contracts as c
from shared.regions import CITIES
from shared.timeutil import today_in_china, utcnow
from shared.vocabulary import Programme


@dataclass(frozen=True)
class ServedYear:
    """An agreement year served before the import: its days, as the enterprise confirmed them on paper."""

    year: int
    days_on_site: int
    days_remote: int
    description: str
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportedAgreement:
    programme: Programme
    researcher_id: uuid.UUID
    enterprise_id: str
    document_number: str  # the paper agreement's number (协议编号) or the appointment's document
    term_start: date
    term_end: date
    service_days_per_year: int
    cooperation_content: str
    need_id: uuid.UUID | None = None
    served: tuple[ServedYear, ...] = ()


async def import_agreement(
    item: ImportedAgreement, p: Principal, uow: AgreementsUnitOfWork, terms: AgreementTerms = DEFAULT_TERMS
) -> a.Agreement:
    researcher = await uow.researchers.get(item.researcher_id)
    enterprise = await uow.enterprises.get(item.enterprise_id)
    institution = await uow.institutions.get(researcher.institution_id) if researcher else None
    unknown = [
        FieldError(name, message)
        for name, found, message in (
            ("researcher_id", researcher, "科研人员未登记"),
            ("enterprise_id", enterprise, "企业未登记"),
        )
        if found is None
    ]
    if unknown:
        raise ValidationFailed("协议的当事方须先在平台登记", code="PARTY_NOT_REGISTERED", errors=unknown)
    if item.term_end < today_in_china():
        raise ValidationFailed(
            "只备案仍在履行的协议：该协议的聘期已经结束", code="TERM_ALREADY_ENDED",
            errors=[FieldError("term_end", "聘期结束日早于今天")],
        )  # fmt: skip
    assert researcher and enterprise
    if await uow.agreements.running_for(item.researcher_id, item.enterprise_id, item.programme):
        raise Conflict("该专家与该企业已有在履行的协议", code="ALREADY_EXISTS")
    content = {
        "cooperation_content": item.cooperation_content,
        "goals": "解决甲方生产与研发中的技术难题",
        "cooperation_forms": [],
        **DEFAULT_DUTIES,
        "post_and_conditions": "按原纸质协议约定",
        "service_days_per_year": item.service_days_per_year,
        "term_start": item.term_start.isoformat(),
        "term_end": item.term_end.isoformat(),
    }
    failures = a.floor_failures(content, item.programme, terms.floors(item.programme))
    if failures:
        raise ValidationFailed(
            "协议条款低于规定", code="RULE_VIOLATION",
            errors=[FieldError(f.field or "", f.message, [f.rule_id]) for f in failures],
        )  # fmt: skip
    agreement = a.Agreement(
        id=uuid.uuid4(),
        pair_id=uuid.uuid4(),  # no pair: the selection happened on paper
        need_id=item.need_id or uuid.uuid5(uuid.NAMESPACE_URL, f"techbridge:imported-need:{item.document_number}"),
        researcher_id=researcher.researcher_id,
        institution_id=researcher.institution_id,
        enterprise_id=enterprise.enterprise_id,
        city_code=enterprise.city_code,
        is_soe=enterprise.is_soe,
        programme=item.programme,
        batch_id=None,
        parties={
            "enterprise": {
                "name": enterprise.name,
                "credit_code": enterprise.enterprise_id,
                "city": CITIES.get(enterprise.city_code, enterprise.city_code),
            },
            "expert": {"name": researcher.name, "researcher_id": str(researcher.researcher_id)},
            "unit": {"name": institution.name if institution else "", "institution_id": str(researcher.institution_id)},
        },
        content=content,
        status=a.AgreementStatus.FILED,
        filed_at=utcnow(),
        original={"imported": True, "document_number": item.document_number, "imported_by": p.subject},
    )
    logs = _served_logs(agreement, item.served, p.subject)
    uow.agreements.add(agreement)
    for log in logs:
        uow.service_logs.add(log)
    uow.emit(
        lambda: c.AgreementSignedV1(
            **agreement_fields(agreement),
            term_start=agreement.term_start,
            term_end=agreement.term_end,
            service_days_per_year=agreement.service_days_per_year,
        )
    )
    for log in logs:
        uow.emit(_confirmed(agreement, log))
    await start_term(uow, agreement, terms)
    await uow.record_audit(
        p, "agreement.imported", "agreement", str(agreement.id),
        {"document_number": item.document_number, "served_years": [s.year for s in item.served]},
    )  # fmt: skip
    return agreement


def _served_logs(agreement: a.Agreement, served: tuple[ServedYear, ...], by: str) -> list[a.ServiceLog]:
    today, errors, logs = today_in_china(), [], []
    for i, year in enumerate(served):
        if not 1 <= year.year <= agreement.years or agreement.year_bounds(year.year)[0] > today:
            errors.append(FieldError(f"served[{i}].year", "只能填写聘期内已开始的协议年度"))
            continue
        starts_on, ends_on = agreement.year_bounds(year.year)
        ends_on = min(ends_on, today)
        if year.days_on_site + year.days_remote > (ends_on - starts_on).days + 1:
            errors.append(FieldError(f"served[{i}]", "服务天数超过该年度已经过的天数"))
            continue
        log = a.ServiceLog(
            id=uuid.uuid4(), agreement_id=agreement.id, year=year.year, starts_on=starts_on, ends_on=ends_on,
            days_on_site=year.days_on_site, days_remote=year.days_remote, description=year.description,
            outcomes={k: int(year.outcomes.get(k, 0)) for k in a.OUTCOMES}, submitted_by=by,
            status=a.LogStatus.CONFIRMED, reviewed_by=by, reviewed_at=utcnow(),
            review_reason="历史协议导入：企业已在纸质材料上确认",
        )  # fmt: skip
        logs.append(log)
    if len({s.year for s in served}) != len(served):
        errors.append(FieldError("served", "同一协议年度只能填写一次"))
    if errors:
        raise ValidationFailed("已服务年度的记录有误", code="SERVED_YEARS_INVALID", errors=errors)
    return logs


def _confirmed(agreement: a.Agreement, log: a.ServiceLog) -> Any:
    return lambda: c.ServiceLogConfirmedV1(
        **agreement_fields(agreement), log_id=log.id, year=log.year, starts_on=log.starts_on, ends_on=log.ends_on,
        days_on_site=log.days_on_site, days_remote=log.days_remote, outcomes=dict(log.outcomes),
    )  # fmt: skip
