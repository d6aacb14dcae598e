"""The candidate lists: pushed by the province, answered by the dispatching units (R-F2 → R-F3).

The province pushes a need's proposed candidates to their units. A unit answers for each of its
candidates: willing, unwilling (with a reason — the next alternate who still passes every hard rule
is pushed in their place), or it proposes another of its researchers, who must pass the same hard
rules and whose fit is computed on the same scale. Each step is an event on the candidate topic.
"""

from __future__ import annotations

import uuid

from services.matching.adapters.retrieval import MatchingEngine
from services.matching.domain.commands import AnswerCandidate
from services.matching.domain.eligibility import exclusions
from services.matching.domain.model import NeedSnapshot
from services.matching.domain.proposal import Answer, CandidateEntry, EntryRole, EntryState, Proposal
from services.matching.service_layer.events import candidate_event
from services.matching.service_layer.needs import need_in_scope
from services.matching.service_layer.ranking import MatchingPolicy, rank_need, ranking_context
from services.matching.service_layer.runs import get_run
from services.matching.service_layer.unit_of_work import MatchingUnitOfWork
from shared.auth import Principal, Role, need_scope
from shared.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from shared.events import contracts as c
from shared.jobs.lifecycle import JobStatus
from shared.pagination import PageParams
from shared.vocabulary import Programme

LIST_READERS = (Role.PROVINCE, Role.CITY_BUREAU, Role.SASAC, Role.INSTITUTION)


async def candidate_list(
    need_id: uuid.UUID, principal: Principal, uow: MatchingUnitOfWork
) -> tuple[NeedSnapshot, Proposal, list[CandidateEntry]]:
    """A need's current list: the province, its city (or SASAC) see all of it; a unit sees its own entries."""
    if principal.role is Role.INSTITUTION:
        need = await uow.needs.get(need_id)
        proposal = await uow.proposals.current(need_id) if need else None
        mine = [
            e
            for e in (proposal.ordered() if proposal else [])
            if str(e.institution_id) == principal.institution_id and e.state is not EntryState.ALTERNATE
        ]
        if not mine:  # a unit learns of a need only through its own pushed candidates
            raise NotFound("该需求不存在或无权查看", code="NEED_NOT_FOUND")
        return need, proposal, mine
    if principal.role not in LIST_READERS:
        raise Forbidden("无权查看候选名单", code="ROLE_FORBIDDEN")
    need = await need_in_scope(need_id, principal, uow)
    proposal = await current_proposal(need_id, uow)
    return need, proposal, proposal.ordered()


async def current_proposal(need_id: uuid.UUID, uow: MatchingUnitOfWork, *, for_update: bool = False) -> Proposal:
    proposal = await uow.proposals.current(need_id, for_update=for_update)
    if proposal is None:
        raise NotFound("该需求尚未完成匹配", code="NO_PROPOSAL")
    return proposal


async def proposal_versions(need_id: uuid.UUID, principal: Principal, uow: MatchingUnitOfWork) -> list[Proposal]:
    await need_in_scope(need_id, principal, uow)
    return await uow.proposals.versions(need_id)


async def proposal_version(need_id: uuid.UUID, version: int, principal: Principal, uow: MatchingUnitOfWork) -> Proposal:
    await need_in_scope(need_id, principal, uow)
    proposal = await uow.proposals.version(need_id, version)
    if proposal is None:
        raise NotFound("该版本的匹配结果不存在", code="PROPOSAL_NOT_FOUND")
    return proposal


async def list_entries(principal: Principal, uow: MatchingUnitOfWork, page: PageParams, *, need_id, state):
    """Candidates across lists: a unit sees its own (e.g. those awaiting its answer); bureaus within scope."""
    if principal.role is Role.INSTITUTION:
        scope, institution = need_scope(principal), uuid.UUID(principal.institution_id)
    elif principal.role in LIST_READERS:
        scope, institution = need_scope(principal), None
    else:
        raise Forbidden("无权查看候选名单", code="ROLE_FORBIDDEN")
    return await uow.proposals.entries(scope, page, institution_id=institution, need_id=need_id, state=state)


# ------------------------------------------------------------------ pushing (province)
def _emit_pushed(uow: MatchingUnitOfWork, need: NeedSnapshot, proposal: Proposal, entry: CandidateEntry) -> None:
    uow.emit(
        candidate_event(c.CandidatePushedV1, need, entry, proposal.version, replaces_entry_id=entry.replaces_entry_id)
    )


async def push_need(need_id: uuid.UUID, principal: Principal, uow: MatchingUnitOfWork) -> Proposal:
    need = await need_in_scope(need_id, principal, uow)
    proposal = await current_proposal(need_id, uow, for_update=True)
    for entry in proposal.push():
        _emit_pushed(uow, need, proposal, entry)
    await uow.record_audit(principal, "candidates.pushed", "need", str(need_id), {"version": proposal.version})
    return proposal


async def push_run(run_id: uuid.UUID, principal: Principal, uow: MatchingUnitOfWork) -> dict:
    """Push every list a run produced that is still current and not yet pushed."""
    run = await get_run(run_id, uow)
    if run.status is not JobStatus.SUCCEEDED:
        raise Conflict("匹配任务尚未完成", code="RUN_NOT_FINISHED", extra={"current_state": run.status.value})
    pushed, skipped = [], []
    for proposal in await uow.proposals.of_run(run_id, for_update=True):
        need = await uow.needs.get(proposal.need_id)
        if proposal.pushed_at is not None or not any(e.state is EntryState.PROPOSED for e in proposal.entries):
            skipped.append(str(proposal.need_id))
            continue
        for entry in proposal.push():
            _emit_pushed(uow, need, proposal, entry)
        pushed.append(str(proposal.need_id))
    await uow.record_audit(principal, "candidates.pushed", "matching_run", str(run_id), {"needs": pushed})
    return {"run_id": str(run_id), "pushed_needs": pushed, "skipped_needs": skipped}


# ------------------------------------------------------------------ answering (dispatching unit)
async def answer(
    cmd: AnswerCandidate,
    principal: Principal,
    uow: MatchingUnitOfWork,
    engine: MatchingEngine,
    policy: MatchingPolicy,
) -> tuple[CandidateEntry, CandidateEntry | None]:
    """Record the unit's answer (R-F3); returns (the answered entry, the replacement or substitute if any)."""
    entry = await uow.proposals.entry(cmd.entry_id)
    if entry is None or principal.role is not Role.INSTITUTION or str(entry.institution_id) != principal.institution_id:
        raise NotFound("该候选人不存在或不属于本单位", code="CANDIDATE_NOT_FOUND")
    proposal = await uow.proposals.current(entry.need_id, for_update=True)  # serialises answers on one list
    if proposal is None or entry.proposal_id != proposal.id:
        raise Conflict("该候选人不在当前候选名单中", code="CANDIDATE_NOT_CURRENT")
    need = await uow.needs.get_for_update(entry.need_id)
    follow_up: CandidateEntry | None = None
    substitute = None
    if cmd.answer is Answer.PROPOSE_ANOTHER:
        substitute = await _substitute(uow, engine, policy, need, proposal, entry, cmd.substitute_id, principal)
    entry.answer(cmd.answer, cmd.reason, principal.subject)
    if substitute is not None:
        proposal.entries.append(substitute)
        follow_up = substitute
    uow.emit(
        candidate_event(
            c.CandidateAnsweredV1,
            need,
            entry,
            proposal.version,
            answer=cmd.answer.value,
            reason=cmd.reason,
            substitute_entry_id=substitute.id if substitute else None,
            substitute_researcher_id=substitute.researcher_id if substitute else None,
        )
    )
    if cmd.answer is Answer.UNWILLING:
        follow_up = await _push_replacement(uow, engine, policy, need, proposal, entry)
    await uow.record_audit(
        principal,
        f"candidate.{cmd.answer.value}",
        "candidate_entry",
        str(entry.id),
        {"reason": cmd.reason, "follow_up_entry_id": str(follow_up.id) if follow_up else None},
    )
    return entry, follow_up


async def release_after_failed_negotiation(
    uow: MatchingUnitOfWork,
    entry_id: uuid.UUID,
    reason: str,
    engine: MatchingEngine,
    policy: MatchingPolicy,
) -> CandidateEntry | None:
    """No intent at the 见面洽谈会 (R-F5, from agreements): the candidate is free again — their capacity is
    released — and the need's open place goes to the next alternate who still passes every hard rule, as after
    an "unwilling" answer. Returns the replacement pushed, if any."""
    entry = await uow.proposals.entry(entry_id)
    if entry is None or entry.state is not EntryState.WILLING:
        return None  # not on a list any more, or released already
    proposal = await uow.proposals.current(entry.need_id, for_update=True)
    entry.release(reason)
    if proposal is None or entry.proposal_id != proposal.id:
        return None  # an older version: nothing to refill
    need = await uow.needs.get_for_update(entry.need_id)
    return await _push_replacement(uow, engine, policy, need, proposal, entry)


async def _substitute(
    uow: MatchingUnitOfWork,
    engine: MatchingEngine,
    policy: MatchingPolicy,
    need: NeedSnapshot,
    proposal: Proposal,
    entry: CandidateEntry,
    researcher_id: uuid.UUID,
    principal: Principal,
) -> CandidateEntry:
    researcher = await uow.researchers.get(researcher_id)
    if researcher is None or str(researcher.institution_id) != principal.institution_id:
        raise ValidationFailed(
            "只能推荐本单位的科研人员",
            code="SUBSTITUTE_NOT_IN_INSTITUTION",
            errors=[FieldError("researcher_id", "该科研人员不属于本单位或尚未登记", ["R-F3"])],
        )
    if any(e.researcher_id == researcher_id and e.role is not EntryRole.ALTERNATE for e in proposal.entries):
        raise Conflict("该科研人员已在候选名单中", code="SUBSTITUTE_ALREADY_LISTED")
    context = await ranking_context(uow, need, policy=policy, include={researcher_id})
    eligible, excluded, _ = await rank_need(uow, engine, need, context)
    found = next((x for x in eligible + excluded if x.researcher_id == researcher_id), None)
    if found is None:
        raise Conflict("该科研人员的资料尚未完成索引，请稍后重试", code="SUBSTITUTE_NOT_INDEXED")
    if found.exclusions:  # the same hard rules as the matcher's own candidates
        raise ValidationFailed(
            "推荐的科研人员不符合选派条件",
            code="SUBSTITUTE_INELIGIBLE",
            errors=[FieldError("researcher_id", x.message, [x.rule_id]) for x in found.exclusions],
        )
    rank_ = 1 + max((e.rank for e in proposal.entries if e.role is EntryRole.SUBSTITUTE), default=0)
    substitute = CandidateEntry.of(need.id, found, EntryRole.SUBSTITUTE, rank_, EntryState.WILLING)
    substitute.proposal_id, substitute.replaces_entry_id = proposal.id, entry.id
    for alternate in proposal.entries:  # the same person is not also kept in reserve
        if alternate.researcher_id == researcher_id and alternate.state is EntryState.ALTERNATE:
            alternate.retire()
    return substitute


async def _push_replacement(
    uow: MatchingUnitOfWork,
    engine: MatchingEngine,
    policy: MatchingPolicy,
    need: NeedSnapshot,
    proposal: Proposal,
    declined: CandidateEntry,
) -> CandidateEntry | None:
    """Push the next alternate who still passes every hard rule now (capacity and declines change after
    the run); when the stored alternates are used up, the next eligible researcher from a fresh ranking."""
    if proposal.open_slots() == 0:
        return None
    context = await ranking_context(uow, need, policy=policy)
    listed = {e.researcher_id for e in proposal.entries if e.role is not EntryRole.ALTERNATE}
    alternates = [a for a in proposal.next_alternates() if a.researcher_id not in listed]
    enterprise = await uow.enterprises.get(need.enterprise_id)
    researchers = await uow.researchers.many([a.researcher_id for a in alternates])
    institutions = await uow.institutions.many(list({a.institution_id for a in alternates}))
    replacement = None
    for alternate in alternates:
        researcher = researchers.get(alternate.researcher_id)
        rules = context.rules_for(Programme(need.programme), alternate.researcher_id)
        if (
            researcher
            and enterprise
            and not exclusions(researcher, institutions.get(alternate.institution_id), enterprise, rules)
        ):
            replacement = alternate
            break
    if replacement is None:
        eligible, _, _ = await rank_need(uow, engine, need, context)
        stored = {e.researcher_id for e in proposal.entries}
        fresh = next((x for x in eligible if x.researcher_id not in stored), None)
        if fresh is None:
            return None  # the list shows an open slot; the province can act on it
        rank_ = 1 + max((e.rank for e in proposal.entries if e.role is EntryRole.ALTERNATE), default=0)
        replacement = CandidateEntry.of(need.id, fresh, EntryRole.ALTERNATE, rank_, EntryState.ALTERNATE)
        replacement.proposal_id = proposal.id
        proposal.entries.append(replacement)
    replacement.push(replaces=declined.id)
    _emit_pushed(uow, need, proposal, replacement)
    return replacement
