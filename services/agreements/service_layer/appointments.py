"""The tripartite agreement (三方合作协议, R-F8, R-F9): drafted for each selected pair, edited and signed by the three
parties, filed with the third signature (the appointment starts → ``AgreementSigned``), printable as a PDF, and
with the stamped paper copy attached as the filed original.

A draft is made for each entry of a published 总师 list and for each filed 特派员 pair, pre-filled from the need,
the negotiated intent and the parties' registry data. Each party signs the exact text it read (the SHA-256 of the
canonical text); any change voids the signatures given. The term's timers are set when it is filed: the service
checks of each year (``service``) and the term's end.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from services.agreements.adapters import pdf
from services.agreements.domain import agreement as a
from services.agreements.domain import model as m
from services.agreements.service_layer.events import Names, agreement_fields
from services.agreements.service_layer.scopes import party_scope
from services.agreements.service_layer.term import SIGNING_DUE, day_end, start_term
from services.agreements.service_layer.terms import DEFAULT_TERMS, AgreementTerms
from services.agreements.service_layer.unit_of_work import AgreementsUnitOfWork
from shared import files
from shared.auth import Principal
from shared.errors import FieldError, Forbidden, NotFound, ServiceUnavailable, ValidationFailed
from shared.events import contracts as c
from shared.pagination import PageParams
from shared.regions import CITIES
from shared.timeutil import today_in_china, utcnow
from shared.vocabulary import LABELS, CooperationForm, Programme, Role

CHINA = m.CHINA
UNNAMED = "（名称待登记信息同步后补全）"
PLANS = {
    Programme.CHIEF_TECHNOLOGIST: "黑龙江省“科技总师”选派工作实施方案（2025-2027年）",
    Programme.COMMISSIONER: "企业科技特派员行动实施方案",
}
TITLES = {
    Programme.CHIEF_TECHNOLOGIST: "黑龙江省科技总师三方合作协议",
    Programme.COMMISSIONER: "黑龙江省企业科技特派员协议书",
}
EXPERT_ROLES = {Programme.CHIEF_TECHNOLOGIST: "乙方（科技总师）", Programme.COMMISSIONER: "乙方（企业科技特派员）"}
DEFAULT_DUTIES = {
    "achievement_rights": "合作中产生的科技成果，其权属、转化方式与收益分配由三方依法另行书面约定；丙方已有科技成果在"
    "甲方转化的，按三方签订的技术合同执行，并依照国家和本省有关规定保障完成人的权益。",
    "enterprise_duties": "设立相应工作岗位，明确岗位职责，为乙方提供必要的工作、生活和科研条件；积极与丙方开展科研和"
    "成果转化合作；如实确认乙方的服务记录。",
    "expert_duties": "按照本协议约定到岗履约，帮助甲方攻关产业技术难题、推动丙方科技成果在甲方落地转化、培养人才；"
    "如实记录服务情况，遵守科研诚信要求。",
    "unit_duties": "支持乙方利用本单位科研力量协助甲方开展技术攻关、平台建设、人才培养等工作，保障乙方服务时间，"
    "支持乙方推动本单位科技成果在甲方转化。",
}
NOTICE = (
    "本文件由科技桥平台生成。签署记录为各方在平台上对上述协议文本（以 SHA-256 标识）的确认；平台未加盖电子印章，"
    "以备案的盖章原件为准。"
)


# ------------------------------------------------------------------ drafting (R-F8)
async def draft_for(
    pair: m.Pair, uow: AgreementsUnitOfWork, terms: AgreementTerms = DEFAULT_TERMS
) -> a.Agreement | None:
    """A draft agreement for a selected pair (none when it has one already), pre-filled and at the floors."""
    if await uow.agreements.for_pair(pair.id) is not None:
        return None
    need = await uow.needs.get(pair.need_id)
    names = await Names.of(uow, [pair])
    floors = terms.floors(pair.programme)
    start = pair.planned_start or today_in_china()
    forms = pair.cooperation_forms or (need.cooperation_forms if need else [])
    content = {
        "cooperation_content": pair.cooperation_content or (need.description if need else "") or "",
        "goals": f"围绕“{need.title}”，解决甲方生产与研发中的技术难题" if need else "解决甲方生产与研发中的技术难题",
        "cooperation_forms": list(forms),
        **DEFAULT_DUTIES,
        "post_and_conditions": (need.conditions_offered if need and need.conditions_offered else "")
        or "甲方为乙方设立技术岗位，提供办公场所、试验条件及必要的食宿保障。",
        "service_days_per_year": floors.service_days_per_year,
        "term_start": start.isoformat(),
        "term_end": (a.add_years(start, floors.term_years) - timedelta(days=1)).isoformat(),
    }
    enterprise = names.enterprises.get(pair.enterprise_id)
    parties = {
        "enterprise": {
            "name": names.enterprise_name(pair.enterprise_id) or pair.enterprise_id,
            "credit_code": pair.enterprise_id,
            "city": CITIES.get(enterprise.city_code if enterprise else pair.city_code, pair.city_code),
        },
        "expert": {"name": names.researcher_name(pair.researcher_id) or "", "researcher_id": str(pair.researcher_id)},
        "unit": {"name": names.institution_name(pair.institution_id) or "", "institution_id": str(pair.institution_id)},
    }
    agreement = a.Agreement(
        id=uuid.uuid4(),
        pair_id=pair.id,
        need_id=pair.need_id,
        researcher_id=pair.researcher_id,
        institution_id=pair.institution_id,
        enterprise_id=pair.enterprise_id,
        city_code=pair.city_code,
        is_soe=pair.is_soe,
        programme=pair.programme,
        batch_id=pair.batch_id,
        parties=parties,
        content=content,
    )
    uow.agreements.add(agreement)
    deadline = day_end(today_in_china() + timedelta(days=terms.signing_deadline_days))
    await uow.timers.schedule(SIGNING_DUE, str(agreement.id), deadline)
    uow.emit(
        lambda: c.AgreementDraftedV1(
            **agreement_fields(agreement),
            pair_id=pair.id,
            term_start=agreement.term_start,
            term_end=agreement.term_end,
        )
    )
    return agreement


# ------------------------------------------------------------------ reading
async def get_agreement(
    agreement_id: uuid.UUID, p: Principal, uow: AgreementsUnitOfWork, *, for_update: bool = False
) -> a.Agreement:
    found = await uow.agreements.get(agreement_id, party_scope(p), for_update=for_update)
    if found is None:
        raise NotFound("协议不存在或无权查看", code="AGREEMENT_NOT_FOUND")
    return found


async def list_agreements(p: Principal, uow: AgreementsUnitOfWork, page: PageParams, **filters):
    return await uow.agreements.list(party_scope(p), page, **filters)


def party_of(p: Principal, agreement: a.Agreement) -> a.Party:
    """Which of the three parties the caller is (R-F8: each signs with its own role-scoped token)."""
    if p.role is Role.ENTERPRISE and p.enterprise_id == agreement.enterprise_id:
        return a.Party.ENTERPRISE
    if p.role is Role.RESEARCHER and p.researcher_id == str(agreement.researcher_id):
        return a.Party.EXPERT
    if p.role is Role.INSTITUTION and p.institution_id == str(agreement.institution_id):
        return a.Party.UNIT
    raise Forbidden("只有协议三方（接收单位、专家、派出单位）可以修改或签署协议", code="NOT_A_PARTY")


# ------------------------------------------------------------------ editing and signing (R-F8, R-F9)
async def edit_agreement(
    agreement_id: uuid.UUID,
    changes: dict[str, Any],
    p: Principal,
    uow: AgreementsUnitOfWork,
    terms: AgreementTerms = DEFAULT_TERMS,
) -> a.Agreement:
    agreement = await get_agreement(agreement_id, p, uow, for_update=True)
    party = party_of(p, agreement)
    voided = agreement.edit(changes, terms.floors(agreement.programme))
    if changes and agreement.content_version > 1:
        uow.emit(
            lambda: c.AgreementEditedV1(
                **agreement_fields(agreement),
                content_version=agreement.content_version,
                signatures_voided=len(voided),
            )
        )
    await uow.record_audit(
        p,
        "agreement.edited",
        "agreement",
        str(agreement.id),
        {
            "party": party.value,
            "fields": sorted(changes),
            "version": agreement.content_version,
            "signatures_voided": [s["party"] for s in voided],
        },
    )
    return agreement


async def sign_agreement(
    agreement_id: uuid.UUID,
    read_hash: str,
    p: Principal,
    uow: AgreementsUnitOfWork,
    terms: AgreementTerms = DEFAULT_TERMS,
    *,
    at: datetime | None = None,
) -> a.Agreement:
    """One party signs the text it read; the third signature files the agreement and the appointment starts."""
    agreement = await get_agreement(agreement_id, p, uow, for_update=True)
    party = party_of(p, agreement)
    at = at or utcnow()
    filed = agreement.sign(party, p.subject, p.role.value, read_hash, terms.floors(agreement.programme), at)
    signed_hash = agreement.signatures[-1]["content_hash"]
    uow.emit(
        lambda: c.AgreementSignatureAddedV1(
            **agreement_fields(agreement),
            party=party.value,
            content_version=agreement.content_version,
            content_hash=signed_hash,
        )
    )
    if filed:
        uow.emit(
            lambda: c.AgreementSignedV1(
                **agreement_fields(agreement),
                term_start=agreement.term_start,
                term_end=agreement.term_end,
                service_days_per_year=agreement.service_days_per_year,
            )
        )
        await start_term(uow, agreement, terms)
    await uow.record_audit(
        p,
        "agreement.signed",
        "agreement",
        str(agreement.id),
        {"party": party.value, "version": agreement.content_version, "content_hash": signed_hash, "filed": filed},
    )
    return agreement


async def signing_overdue(uow: AgreementsUnitOfWork, timer) -> None:
    """Timer handler: the signing deadline passed with a signature missing — the bureaus are told (an event)."""
    agreement = await uow.agreements.get(uuid.UUID(timer.key))
    if agreement is None or agreement.status not in (a.AgreementStatus.DRAFT, a.AgreementStatus.SIGNING):
        return
    awaiting = sorted(p.value for p in set(a.Party) - agreement.signed_parties())
    uow.emit(
        lambda: c.AgreementSigningOverdueV1(
            **agreement_fields(agreement) | {"occurred_at": utcnow()},
            drafted_at=agreement.created_at,
            awaiting=awaiting,
        )
    )


# ------------------------------------------------------------------ the document (R-F8)
def document(agreement: a.Agreement) -> dict[str, Any]:
    """What the PDF shows: the parties, every clause, the signatures and the hashes."""
    content, parties = agreement.content, agreement.parties
    forms = LABELS[CooperationForm]
    shown = {
        "cooperation_forms": "、".join(forms.get(CooperationForm(f), f) for f in content.get("cooperation_forms", [])),
        "service_days_per_year": f"乙方每年为甲方服务不少于 {content['service_days_per_year']} 天（驻企与远程服务合计，"
        "以甲方确认的服务记录为准）",
        "term_start": content["term_start"],
        "term_end": content["term_end"],
    }
    clauses = [{"title": title, "text": str(shown.get(key, content.get(key, "")))} for key, title in a.CLAUSES]
    expert_role, enterprise = EXPERT_ROLES[agreement.programme], parties["enterprise"]
    return {
        "agreement_id": str(agreement.id),
        "title": TITLES[agreement.programme],
        "programme_plan": PLANS[agreement.programme],
        "content_version": agreement.content_version,
        "status_label": a.AGREEMENT_LIFECYCLE.label(agreement.status),
        "parties": [
            {
                "role": "甲方（接收单位）",
                "name": enterprise["name"],
                "code": enterprise["credit_code"],
                "code_label": "统一社会信用代码",
            },
            {"role": expert_role, "name": parties["expert"]["name"] or UNNAMED, "code": "", "code_label": ""},
            {"role": "丙方（派出单位）", "name": parties["unit"]["name"] or UNNAMED, "code": "", "code_label": ""},
        ],
        "clauses": clauses,
        "numerals": ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"],
        "signatures": [
            {
                "party": a.PARTY_NAMES[a.Party(s["party"])],
                "signer": s["signer"],
                "signed_at": datetime.fromisoformat(s["signed_at"]).astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
                "chain_hash": s["chain_hash"],
            }
            for s in agreement.signatures
        ]
        or [{"party": "（尚无签署）", "signer": "", "signed_at": "", "chain_hash": ""}],
        "content_hash": agreement.content_hash(),
        "notice": NOTICE,
    }


async def agreement_pdf(agreement_id: uuid.UUID, p: Principal, uow: AgreementsUnitOfWork) -> bytes:
    agreement = await get_agreement(agreement_id, p, uow)
    try:
        return pdf.render(document(agreement))
    except pdf.PdfUnavailable as exc:
        raise ServiceUnavailable(str(exc), code="PDF_UNAVAILABLE") from exc


# ------------------------------------------------------------------ the filed original (盖章扫描件)
ORIGINAL_TYPES = (files.PDF, files.JPEG, files.PNG)


async def attach_original(
    agreement_id: uuid.UUID,
    content: bytes,
    filename: str,
    p: Principal,
    uow: AgreementsUnitOfWork,
    terms: AgreementTerms = DEFAULT_TERMS,
) -> a.Agreement:
    """The stamped paper copy, scanned, becomes the filed original: PDF, JPEG or PNG, within the size limit."""
    agreement = await get_agreement(agreement_id, p, uow, for_update=True)
    if p.role not in (Role.ENTERPRISE, Role.CITY_BUREAU, Role.SASAC):
        raise Forbidden("盖章原件由接收单位或备案的市（地）、省国资委上传", code="ROLE_FORBIDDEN")
    kind = files.sniff(content)
    if kind not in ORIGINAL_TYPES:
        raise ValidationFailed(
            "盖章扫描件须为 PDF、JPEG 或 PNG 文件",
            code="FILE_TYPE_REFUSED",
            errors=[FieldError("file", "文件内容不是 PDF、JPEG 或 PNG")],
        )
    digest = hashlib.sha256(content).hexdigest()
    document_id = uuid.uuid4()
    metadata = {
        "document_id": str(document_id),
        "content_type": kind,
        "size": len(content),
        "sha256": digest,
        "filename": filename[:200],
        "uploaded_by": p.subject,
        "uploaded_at": utcnow().isoformat(),
    }
    agreement.attach_original(metadata)
    await uow.documents.add(
        id=document_id,
        agreement_id=agreement.id,
        kind="stamped_original",
        content_type=kind,
        size=len(content),
        sha256=digest,
        content=content,
        uploaded_by=p.subject,
        uploaded_at=utcnow(),
    )
    await uow.record_audit(
        p,
        "agreement.original_attached",
        "agreement",
        str(agreement.id),
        {"sha256": digest, "size": len(content), "content_type": kind},
    )
    return agreement


async def original_file(agreement_id: uuid.UUID, p: Principal, uow: AgreementsUnitOfWork) -> dict:
    agreement = await get_agreement(agreement_id, p, uow)
    if not agreement.original:
        raise NotFound("尚未上传盖章原件", code="ORIGINAL_NOT_FOUND")
    found = await uow.documents.get(uuid.UUID(agreement.original["document_id"]))
    if found is None:  # pragma: no cover - written in the same transaction as the metadata
        raise NotFound("盖章原件不存在", code="ORIGINAL_NOT_FOUND")
    return found
