from services.evaluation.adapters.orm import metadata
from services.evaluation.settings import EvaluationSettings
from shared.alembic_env import run_env

run_env(metadata, EvaluationSettings)
