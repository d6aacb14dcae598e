import sys
from pathlib import Path

from services.agreements.entrypoints.app import create_app
from services.agreements.settings import AgreementsSettings
from shared.service_cli import main

if __name__ == "__main__":
    sys.exit(
        main(
            sys.argv[1:],
            service_dir=Path(__file__).parent,
            settings_factory=AgreementsSettings,
            app_factory=lambda s, role: create_app(s, role),
            default_port=8003,
        )
    )
