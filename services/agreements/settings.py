from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AgreementsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AGREEMENTS_", extra="ignore")

    service_name: str = "agreements"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/techbridge_agreements"
    # Public objections (R-F7): at most this many per sender per hour; the sender's address is kept only as a
    # salted hash. Behind the gateway the address is the X-Real-IP nginx sets (trust it only there).
    objections_per_hour: int = Field(default=5, ge=1, le=1000)
    objection_salt: SecretStr = SecretStr("techbridge-objections")
    trust_proxy_headers: bool = False

    # Tripartite agreements (R-F8, R-F9). 总师: a term of at least 2 years and at least 3 months of service a year,
    # counted as service days (on site + remote) confirmed by the enterprise within each agreement year.
    chief_min_term_years: int = Field(default=2, ge=2, le=10)
    chief_min_service_days_per_year: int = Field(default=90, ge=90, le=366)
    # 特派员: the policy names no figures; these are the defaults of a draft and the floors it may not go below.
    commissioner_min_term_years: int = Field(default=1, ge=1, le=10)
    commissioner_min_service_days_per_year: int = Field(default=30, ge=1, le=366)
    # A year's service is at risk when, this far into the year, less than its pro-rata share is confirmed.
    pace_check_at: float = Field(default=0.75, gt=0, lt=1)
    # The stamped paper copy (盖章扫描件) filed as the original: PDF, JPEG or PNG, at most this size; the request
    # body limit leaves room for it and the multipart envelope.
    original_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=50 * 1024 * 1024)
    http_max_body_bytes: int = Field(default=11 * 1024 * 1024, ge=1024)
    # A draft not signed by all three within this many days is reported overdue (AgreementSigningOverdue).
    signing_deadline_days: int = Field(default=30, ge=1, le=365)
