from services.matching.adapters.orm import metadata
from services.matching.settings import MatchingSettings
from shared.alembic_env import run_env

run_env(metadata, MatchingSettings)
