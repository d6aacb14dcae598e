"""The served process (``python -m services.<name> serve``) as issue 14's write path left it."""

from __future__ import annotations

import json
import subprocess
import sys

from devstack.config import REPO_ROOT

PROBE = """
import gc, json
from services.intake.spec import SPEC
from shared.service import bootstrap
from shared.service_cli import freeze_startup_objects
from services.intake.settings import IntakeSettings
bootstrap(SPEC, IntakeSettings(auth_hs256_secret="x" * 32), role="api")
before = len(gc.get_objects())
freeze_startup_objects()
print(json.dumps({"before": before, "frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects())}))
"""


def test_start_up_objects_are_left_out_of_garbage_collection() -> None:
    """A full collection walks only what requests allocate, not the ~10⁵ objects start-up built (a stall of every
    request in flight each time otherwise)."""
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    counts = json.loads(probe.stdout.strip().splitlines()[-1])
    assert counts["before"] > 100_000
    assert counts["frozen"] >= counts["before"] * 0.9
    assert counts["tracked"] < counts["before"] * 0.05
