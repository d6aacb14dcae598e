from services.agreements.adapters.orm import metadata
from services.agreements.settings import AgreementsSettings
from shared.alembic_env import run_env

run_env(metadata, AgreementsSettings)
