from datetime import timedelta
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.evaluation.domain.rules import EliminationRule, ExcellentCap, Rounding
from shared.settings import ServiceSettings


class EvaluationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVALUATION_", extra="ignore")

    service_name: str = "evaluation"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/techbridge_evaluation"

    # R-V3: 优秀 at most this share of one body's round; rounded down by default (the only rounding that never
    # exceeds the share); a body with fewer graded than the threshold gets places the province allocates.
    excellent_ratio: float = Field(default=0.2, gt=0, le=1)
    excellent_rounding: Rounding = Rounding.DOWN
    small_group_below: int = Field(default=5, ge=1, le=100)

    # R-V5: 末位淘汰 (see EliminationRule for the meaning of each; documented in the README).
    elimination_scope: Literal["city", "county"] = "city"
    elimination_mode: Literal["bottom_n", "bottom_percent"] = "bottom_percent"
    elimination_n: int = Field(default=1, ge=0, le=100)
    elimination_percent: float = Field(default=10.0, ge=0, le=50)
    elimination_rounding: Rounding = Rounding.UP
    elimination_min_group: int = Field(default=3, ge=1, le=1000)
    elimination_ties: Literal["spare", "include"] = "spare"
    elimination_exempt_months_below: int = Field(default=6, ge=0, le=12)
    # How long those concerned may object to a proposed elimination before the city may confirm it, and how long
    # matching then leaves an eliminated commissioner out of the programme.
    objection_window: timedelta = Field(default=timedelta(days=5), ge=timedelta(0), le=timedelta(days=60))
    exclusion_days: int = Field(default=730, ge=0, le=3650)

    # R-V6: the enterprise's attachments (PDF, JPEG, PNG, XLSX, DOCX), content-checked.
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=50 * 1024 * 1024)
    attachments_per_evaluation: int = Field(default=20, ge=1, le=200)
    http_max_body_bytes: int = Field(default=11 * 1024 * 1024, ge=1024)

    def excellent_cap(self) -> ExcellentCap:
        return ExcellentCap(self.excellent_ratio, self.excellent_rounding, self.small_group_below)

    def elimination_rule(self) -> EliminationRule:
        return EliminationRule(
            scope=self.elimination_scope,
            mode=self.elimination_mode,
            n=self.elimination_n,
            percent=self.elimination_percent,
            rounding=self.elimination_rounding,
            min_group=self.elimination_min_group,
            ties=self.elimination_ties,
            exempt_months_below=self.elimination_exempt_months_below,
        )
