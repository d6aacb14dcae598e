from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class EvaluationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVALUATION_", extra="ignore")

    service_name: str = "evaluation"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/techbridge_evaluation"
