"""Declarative state machines for aggregates: the states, their Chinese labels, and the allowed transitions.

An aggregate declares its machine once, at module level::

    NEED_LIFECYCLE = StateMachine(
        "需求",
        {NeedStatus.SUBMITTED: "待审核", NeedStatus.REPORTED: "已报送省科技厅", ...},
        [Transition("report", "报送", {NeedStatus.APPROVED}, {NeedStatus.REPORTED}), ...],
    )

and its methods call ``NEED_LIFECYCLE.fire(self, "report")``. An action not allowed in the current state
raises ``IllegalTransition`` (a ``StateConflict``), which every service answers as 409
``ILLEGAL_TRANSITION`` naming the current state, in Chinese.

Why our own ~100 lines rather than ``python-statemachine``: our aggregates are plain dataclasses mapped
imperatively by SQLAlchemy, so a library machine would have to be rebuilt and bound on every load;
several transitions choose their target from the data (an approval completes the review only when the
last required bureau approves), and the refusal must carry Chinese labels and a stable code. A table
of transitions and one ``fire`` covers all of that with nothing to learn and no dependency in the domain.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from shared.domain import StateConflict

S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True, init=False)
class Transition(Generic[S]):
    """``action`` (its Chinese ``label``) moves an aggregate from one of ``sources`` to one of ``targets``."""

    action: str
    label: str
    sources: frozenset[S]
    targets: frozenset[S]

    def __init__(self, action: str, label: str, sources: Collection[S], targets: Collection[S]) -> None:
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "sources", frozenset(sources))
        object.__setattr__(self, "targets", frozenset(targets))
        if not self.sources or not self.targets:
            raise ValueError(f"transition {action!r} needs at least one source and one target state")


class IllegalTransition(StateConflict):
    """The action is not allowed in the aggregate's current state (409 ``ILLEGAL_TRANSITION``)."""

    code = "ILLEGAL_TRANSITION"

    def __init__(self, machine: StateMachine, transition: Transition, current: StrEnum) -> None:
        super().__init__(
            f"{machine.subject}当前状态为「{machine.label(current)}」，不能{transition.label}",
            current_state=str(current),
            action=transition.action,
            allowed_states=sorted(str(s) for s in transition.sources),
        )
        self.current, self.action = current, transition.action


class StateMachine(Generic[S]):
    """The lifecycle of one kind of aggregate; ``field`` is the attribute holding its state."""

    def __init__(
        self,
        subject: str,
        states: Mapping[S, str],
        transitions: Iterable[Transition[S]],
        *,
        field: str = "status",
    ) -> None:
        self.subject = subject  # Chinese noun used in the refusal: "需求当前状态为…"
        self.states = dict(states)
        self.field = field
        self.transitions: dict[str, Transition[S]] = {}
        for t in transitions:
            unknown = (t.sources | t.targets) - set(self.states)
            if unknown:
                raise ValueError(f"{subject}: transition {t.action!r} names undeclared states {sorted(unknown)}")
            if t.action in self.transitions:
                raise ValueError(f"{subject}: transition {t.action!r} declared twice")
            self.transitions[t.action] = t

    def label(self, state: StrEnum) -> str:
        return self.states.get(state, str(state))  # type: ignore[call-overload]

    def state_of(self, aggregate: Any) -> S:
        return getattr(aggregate, self.field)

    def can(self, aggregate: Any, action: str) -> bool:
        return self.state_of(aggregate) in self._transition(action).sources

    def require(self, aggregate: Any, action: str) -> Transition[S]:
        """Refuse (``IllegalTransition``) unless ``action`` is allowed now; changes nothing."""
        transition = self._transition(action)
        current = self.state_of(aggregate)
        if current not in transition.sources:
            raise IllegalTransition(self, transition, current)
        return transition

    def fire(self, aggregate: Any, action: str, to: S | None = None) -> S:
        """Apply ``action``: check the current state, then set the target (``to`` when it has several)."""
        transition = self.require(aggregate, action)
        if to is None:
            if len(transition.targets) != 1:
                raise ValueError(f"{self.subject}: {action!r} has several targets; say which with to=")
            (to,) = transition.targets
        elif to not in transition.targets:
            raise ValueError(f"{self.subject}: {action!r} cannot lead to {to!r}")
        setattr(aggregate, self.field, to)
        return to

    def actions_from(self, state: S) -> list[str]:
        return [a for a, t in self.transitions.items() if state in t.sources]

    def terminal_states(self) -> set[S]:
        return {s for s in self.states if not self.actions_from(s)}

    def _transition(self, action: str) -> Transition[S]:
        try:
            return self.transitions[action]
        except KeyError:
            raise ValueError(f"{self.subject}: no transition named {action!r}") from None
