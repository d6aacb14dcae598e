"""Errors the domain raises, and the one rule-failure type — plain Python, no HTTP and no framework.

A domain object refuses an action by raising one of these; the entrypoints translate them
(``shared.http``): a ``StateConflict`` (``IllegalTransition`` included) is a 409, a
``RuleViolation`` a 422 listing each failed rule with its id (R-…). The domain never knows about
status codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RuleFailure:
    """One programme rule a record breaks: the rule id (RULES.md), a Chinese message, and the field at fault."""

    rule_id: str
    message: str
    field: str | None = None


class DomainError(Exception):
    """Base of every refusal the domain states. ``code`` is stable (front-ends switch on it); ``detail`` is Chinese."""

    code: str = "DOMAIN_ERROR"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra


class StateConflict(DomainError):
    """The action conflicts with the aggregate's current state (e.g. approving twice, pushing a pushed list)."""

    code = "STATE_CONFLICT"


class RuleViolation(DomainError):
    """A programme rule refuses the action; ``failures`` name every rule broken."""

    code = "RULE_VIOLATION"

    def __init__(self, detail: str, failures: list[RuleFailure], *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail, code=code, **extra)
        self.failures = failures
