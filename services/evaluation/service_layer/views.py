"""What the API shows: each evaluation with the names, the commitments and everything pre-filled from the
platform's records (confirmed service, outcomes, technology contracts) — never typed twice (R-V2, R-V5)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from services.evaluation.domain import model as m
from services.evaluation.domain.rules import GRADE_LABELS, ExcellentCap, Grade
from services.evaluation.service_layer.unit_of_work import EvaluationUnitOfWork


async def _names(uow: EvaluationUnitOfWork, items: list[Any]) -> dict[str, dict]:
    researchers = await uow.researchers.many({i.researcher_id for i in items})
    institutions = await uow.institutions.many({i.institution_id for i in items})
    enterprises = await uow.enterprises.many({i.enterprise_id for i in items})
    return {"r": researchers, "i": institutions, "e": enterprises}


def _named(item: Any, names: dict[str, dict]) -> dict[str, Any]:
    r, i, e = (
        names["r"].get(item.researcher_id),
        names["i"].get(item.institution_id),
        names["e"].get(item.enterprise_id),
    )
    return {
        "researcher_name": r.name if r else None,
        "institution_name": i.name if i else None,
        "enterprise_name": e.name if e else None,
    }


def _outcomes(records: list[m.ServiceRecord]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for record in records:
        total.update(record.outcomes)
    return dict(total)


async def chief_evaluations(uow: EvaluationUnitOfWork, items: list[m.ChiefEvaluation]) -> list[dict[str, Any]]:
    names = await _names(uow, items)
    records = await uow.service_records.of([e.agreement_id for e in items])
    agreements = {e.agreement_id: await uow.agreements.get(e.agreement_id) for e in items}
    out = []
    for e in items:
        a, rs = agreements[e.agreement_id], records[e.agreement_id]
        by_year: Counter[int] = Counter()
        for record in rs:
            by_year[record.year] += record.days
        years = range(1, max([*by_year, (a.term_end.year - a.term_start.year) if a else 0]) + 1)
        stored = {k: getattr(e, k) for k in (
            "id", "agreement_id", "researcher_id", "institution_id", "enterprise_id", "city_code", "is_soe", "year",
            "window_opens_on", "window_closes_on", "round_id", "problems", "achievements", "comments", "score",
            "graded_at", "notified_at", "window_extension",
        )}  # fmt: skip
        out.append(
            stored
            | _named(e, names)
            | {
                "status": e.status.value,
                "grade": e.grade.value if e.grade else None,
                "grade_label": e.grade_label,
                "term_start": a.term_start if a else None,
                "term_end": a.term_end if a else None,
                "service": [
                    {
                        "year": y,
                        "confirmed_days": by_year.get(y, 0),
                        "required_days": a.service_days_per_year if a else None,
                    }
                    for y in years
                ],
                "outcomes": _outcomes(rs),
                "priority_for_titles": e.grade is Grade.EXCELLENT and e.status is m.EvaluationStatus.NOTIFIED,
            }
        )
    return out


async def chief_round(uow: EvaluationUnitOfWork, round_: m.ChiefRound, cap: ExcellentCap) -> dict[str, Any]:
    active = [
        e for e in await uow.chief_evaluations.in_round(round_.id) if e.status is not m.EvaluationStatus.WITHDRAWN
    ]
    grades = Counter(e.grade for e in active if e.grade)
    return {
        **{k: getattr(round_, k) for k in ("id", "body", "city_code", "year", "sequence", "confirmations",
                                            "allocation", "return_reason", "updated_at")},
        "status": round_.status.value,
        "body_label": round_.body_label,
        "participants": len(active),
        "graded": sum(grades.values()),
        "excellent": grades[Grade.EXCELLENT],
        "qualified": grades[Grade.QUALIFIED],
        "unqualified": grades[Grade.UNQUALIFIED],
        "excellent_places": cap.places(len(active), round_.allocated_places),
    }  # fmt: skip


async def commissioner_evaluations(
    uow: EvaluationUnitOfWork, items: list[m.CommissionerEvaluation]
) -> list[dict[str, Any]]:
    names = await _names(uow, items)
    records = await uow.service_records.of([e.agreement_id for e in items])
    contracts = await uow.contracts.of([e.agreement_id for e in items])
    out = []
    for e in items:
        a = await uow.agreements.get(e.agreement_id)
        in_year = [r for r in records[e.agreement_id] if r.starts_on.year == e.year]
        year_contracts = [k for k in contracts if k.agreement_id == e.agreement_id and k.signed_on.year == e.year]
        stored = {k: getattr(e, k) for k in (
            "id", "round_id", "agreement_id", "researcher_id", "institution_id", "enterprise_id", "city_code", "county",
            "year", "material", "material_missing", "county_score", "county_comments", "city_comments", "objections",
            "eliminated",
        )}  # fmt: skip
        out.append(
            stored
            | _named(e, names)
            | {
                "status": e.status.value,
                "grade": e.grade.value if e.grade else None,
                "grade_label": GRADE_LABELS[e.grade] if e.grade else None,
                "commitment": {
                    "term_start": a.term_start.isoformat() if a else None,
                    "term_end": a.term_end.isoformat() if a else None,
                    "service_days_per_year": a.service_days_per_year if a else None,
                    "ended_on": a.ended_on.isoformat() if a and a.ended_on else None,
                },
                "prefilled": {
                    "confirmed_service_days": sum(r.days for r in in_year),
                    "outcomes": _outcomes(in_year),
                    "technology_contracts": [
                        {
                            "registration_number": k.registration_number,
                            "kind": k.kind.value,
                            "amount_yuan": str(k.amount_yuan),
                            "reward_below_encouraged_share": k.reward_below_encouraged_share,
                        }
                        for k in year_contracts
                    ],
                },
                "attachments": await uow.attachments.listing(e.id),
            }
        )
    return out


async def summary(uow: EvaluationUnitOfWork, year: int) -> dict[str, Any]:
    """The province's consolidated view of a year: per evaluating body and grade, and what is still missing (R-V4)."""
    chief = await uow.chief_evaluations.of_year(year)
    rounds = {r.id: r for r in await uow.chief_rounds.of_year(year)}
    by_body: dict[str, Counter[str]] = {}
    missing = []
    for e in chief:
        if e.status is m.EvaluationStatus.WITHDRAWN:
            continue
        body = "sasac" if e.is_soe else e.city_code
        by_body.setdefault(body, Counter())[e.grade.value if e.grade else "missing"] += 1
        if e.grade is None:
            missing.append({"evaluation_id": str(e.id), "researcher_id": str(e.researcher_id), "body": body,
                            "status": e.status.value, "window_closes_on": e.window_closes_on.isoformat()})  # fmt: skip
    commissioner = await uow.commissioner_evaluations.of_year(year)
    by_city: dict[str, Counter[str]] = {}
    for e in commissioner:
        by_city.setdefault(e.city_code, Counter())[e.grade.value if e.grade else "missing"] += 1
        by_city[e.city_code]["eliminated"] += int(e.eliminated)
    return {
        "year": year,
        "chief_technologist": {
            "by_body": {k: dict(v) for k, v in sorted(by_body.items())},
            "rounds": [
                {
                    "round_id": str(r.id),
                    "body": r.body,
                    "city_code": r.city_code,
                    "status": r.status.value,
                    "sequence": r.sequence,
                }
                for r in rounds.values()
            ],
            "missing": missing,
        },
        "commissioner": {
            "by_city": {k: dict(v) for k, v in sorted(by_city.items())},
            "rounds": [
                {"round_id": str(r.id), "city_code": r.city_code, "status": r.status.value}
                for r in await uow.commissioner_rounds.of_year(year)
            ],
        },
    }
