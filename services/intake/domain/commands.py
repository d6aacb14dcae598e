from __future__ import annotations

from dataclasses import dataclass

from shared.events.contracts import Programme


@dataclass(frozen=True)
class SubmitNeed:
    programme: Programme
    title: str
    description: str
    keywords: list[str]
