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
