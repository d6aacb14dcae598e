from services.intake.spec import SPEC
from shared.service_cli import main

raise SystemExit(main(SPEC))
