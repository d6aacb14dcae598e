import sys
from pathlib import Path

from services.matching.entrypoints.app import create_app
from services.matching.settings import MatchingSettings
from shared.service_cli import main

if __name__ == "__main__":
    sys.exit(
        main(
            sys.argv[1:],
            service_dir=Path(__file__).parent,
            settings_factory=MatchingSettings,
            app_factory=lambda s, role: create_app(s, role),
            default_port=8002,
        )
    )
