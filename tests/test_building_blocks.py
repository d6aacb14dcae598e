"""The shared building blocks on their own (pure: no database): state machines, scopes, plain commands."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

import pytest

from services.intake.domain import model as m
from shared.commands import UNSET, provided
from shared.jobs.lifecycle import JOB_LIFECYCLE, Job, JobStatus
from shared.scope import NOTHING, Scope
from shared.statemachine import IllegalTransition, StateMachine, Transition
from shared.vocabulary import NeedStatus, Programme


class Light(StrEnum):
    RED = "red"
    GREEN = "green"
    BROKEN = "broken"


LIGHT = StateMachine(
    "信号灯",
    {Light.RED: "红灯", Light.GREEN: "绿灯", Light.BROKEN: "故障"},
    [
        Transition("go", "放行", {Light.RED}, {Light.GREEN}),
        Transition("stop", "停止", {Light.GREEN}, {Light.RED}),
        Transition("check", "检修", {Light.RED, Light.GREEN}, {Light.RED, Light.BROKEN}),
    ],
    field="state",
)


@dataclass
class Signal:
    state: Light = Light.RED


def test_a_machine_applies_allowed_transitions_and_names_the_state_when_it_refuses() -> None:
    signal = Signal()
    assert LIGHT.fire(signal, "go") is Light.GREEN and signal.state is Light.GREEN
    with pytest.raises(IllegalTransition) as refused:
        LIGHT.fire(signal, "go")
    assert refused.value.code == "ILLEGAL_TRANSITION"
    assert refused.value.detail == "信号灯当前状态为「绿灯」，不能放行"
    assert refused.value.extra == {"current_state": "green", "action": "go", "allowed_states": ["red"]}
    assert signal.state is Light.GREEN  # a refusal changes nothing


def test_a_transition_with_several_targets_needs_the_one_chosen() -> None:
    signal = Signal()
    with pytest.raises(ValueError, match="several targets"):
        LIGHT.fire(signal, "check")
    with pytest.raises(ValueError, match="cannot lead to"):
        LIGHT.fire(signal, "check", to=Light.GREEN)
    assert LIGHT.fire(signal, "check", to=Light.BROKEN) is Light.BROKEN
    assert LIGHT.terminal_states() == {Light.BROKEN} and not LIGHT.can(signal, "go")


def test_a_machine_refuses_undeclared_states_and_duplicate_actions() -> None:
    with pytest.raises(ValueError, match="undeclared"):
        StateMachine("x", {Light.RED: "红"}, [Transition("go", "放行", {Light.RED}, {Light.GREEN})])
    with pytest.raises(ValueError, match="twice"):
        StateMachine("x", {Light.RED: "红"}, [Transition("a", "a", {Light.RED}, {Light.RED})] * 2)


def _need(**overrides) -> m.Need:
    values = dict(
        id=uuid.uuid4(), enterprise_id="e", batch_id=uuid.uuid4(), programme=Programme.CHIEF_TECHNOLOGIST,
        city_code="230100", is_soe=False, title="t", description="d", industry="i", desired_expertise="",
        keywords=[], cooperation_forms=[], conditions_offered="c", experts_wanted=1,
    )  # fmt: skip
    return m.Need(**(values | overrides))


def test_R_F1_a_chief_technologist_need_is_approved_only_when_both_bureaus_approved() -> None:
    need = _need()
    assert need.approve("science_tech") is False and need.status is NeedStatus.SUBMITTED
    with pytest.raises(m.AlreadyApproved):
        need.approve("science_tech")
    assert need.approve("industry_it") is True and need.status is NeedStatus.APPROVED


def test_R_F1_every_need_transition_the_policy_does_not_allow_is_refused() -> None:
    allowed = {
        NeedStatus.SUBMITTED: {"approve", "reject", "withdraw"},
        NeedStatus.APPROVED: {"withdraw", "report"},
        NeedStatus.REPORTED: set(),
        NeedStatus.REJECTED: set(),
        NeedStatus.WITHDRAWN: set(),
    }
    for state, actions in allowed.items():
        assert set(m.NEED_LIFECYCLE.actions_from(state)) == actions, state
    need = _need(status=NeedStatus.REPORTED)
    with pytest.raises(IllegalTransition) as refused:
        need.withdraw()
    assert refused.value.detail == "需求当前状态为「已报送省科技厅」，不能撤回"


def test_a_job_is_claimed_heart_beats_and_a_take_over_fences_the_old_worker() -> None:
    job = Job()
    job.start()
    first = job.attempts
    job.advance("ranking", 1, 4)
    assert job.held_by(first) and job.progress_percent == 25.0
    job.start()  # taken over after the lease: a new attempt
    assert not job.held_by(first) and job.held_by(first + 1)
    job.succeed()
    assert job.status is JobStatus.SUCCEEDED and job.progress_percent == 100.0
    with pytest.raises(IllegalTransition):
        job.advance("late", 1, 1)  # a finished job takes no progress
    assert JOB_LIFECYCLE.terminal_states() == {JobStatus.SUCCEEDED, JobStatus.FAILED}


def test_scopes_filter_in_memory_as_in_sql() -> None:
    harbin = Scope.where(city_code="230100", is_soe=False, enterprise_id=None)  # None: no restriction
    assert harbin.equals == (("city_code", "230100"), ("is_soe", False))
    assert harbin.admits(_need()) and not harbin.admits(_need(city_code="230200"))
    assert not NOTHING.admits(_need()) and Scope().admits(_need())


def test_an_edit_command_lists_only_the_fields_it_changes() -> None:
    @dataclass(frozen=True)
    class Edit:
        title: object = UNSET
        closed_early: object = UNSET

    assert provided(Edit(title="新")) == {"title": "新"}
    assert provided(Edit(closed_early=None)) == {"closed_early": None}  # None is a value, UNSET is not
    assert not UNSET and repr(UNSET) == "UNSET"
