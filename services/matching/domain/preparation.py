"""Preparing a new embedding model (模型切换预编码): every indexed passage encoded with the next model in the
background while the serving model's vectors keep answering; switching the setting afterwards loads the stored
vectors instead of encoding for hours.

The preparation is a durable job (``shared.jobs``): leased, resumable (vectors are stored batch by batch, and a
resumed job skips what is stored), with progress (passages done / to do) the province's or ops' screen shows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from shared.jobs.lifecycle import Job


@dataclass
class EmbeddingPreparation(Job):
    id: uuid.UUID
    model: str  # the setting's value: a sentence-transformers folder or name
    model_id: str  # the identity its vectors are stored under (known once the model is loaded)
    requested_by: str
    summary: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, model: str, *, requested_by: str) -> EmbeddingPreparation:
        return cls(id=uuid.uuid4(), model=model, model_id="", requested_by=requested_by)

    def succeed(self, summary: dict[str, Any] | None = None) -> None:  # type: ignore[override]
        if summary is not None:
            self.summary = summary
        super().succeed()
