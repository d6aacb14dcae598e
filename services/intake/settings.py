from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    service_name: str = "intake"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/techbridge_intake"
