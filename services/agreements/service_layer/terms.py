"""The floors and defaults agreements are drafted and checked with (from the settings; R-F9 for 总师)."""

from __future__ import annotations

from dataclasses import dataclass

from services.agreements.domain.agreement import Floors
from shared.vocabulary import Programme

CHIEF_FLOORS = Floors(term_years=2, service_days_per_year=90)  # R-F9: 2 years; 3 months a year as 90 days
COMMISSIONER_FLOORS = Floors(term_years=1, service_days_per_year=30)


@dataclass(frozen=True)
class AgreementTerms:
    chief: Floors = CHIEF_FLOORS
    commissioner: Floors = COMMISSIONER_FLOORS
    pace_check_at: float = 0.75
    original_max_bytes: int = 10 * 1024 * 1024
    signing_deadline_days: int = 30

    def floors(self, programme: Programme) -> Floors:
        return self.chief if programme is Programme.CHIEF_TECHNOLOGIST else self.commissioner

    @classmethod
    def from_settings(cls, settings) -> AgreementTerms:
        return cls(
            chief=Floors(settings.chief_min_term_years, settings.chief_min_service_days_per_year),
            commissioner=Floors(settings.commissioner_min_term_years, settings.commissioner_min_service_days_per_year),
            pace_check_at=settings.pace_check_at,
            original_max_bytes=settings.original_max_bytes,
            signing_deadline_days=settings.signing_deadline_days,
        )


DEFAULT_TERMS = AgreementTerms()
