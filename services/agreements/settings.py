from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AgreementsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AGREEMENTS_", extra="ignore")

    service_name: str = "agreements"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/techbridge_agreements"
