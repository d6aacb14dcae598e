from services.intake.adapters.orm import metadata
from services.intake.settings import IntakeSettings
from shared.alembic_env import run_env

run_env(metadata, IntakeSettings)
