"""Where the embedded stack keeps its data, the development JWT secret (generated, never committed), and the
record of running stacks (so ``make token`` signs for the stack that is actually running)."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT / ".data"


def data_dir() -> Path:
    path = Path(os.environ.get("TECHBRIDGE_DATA_DIR", DEFAULT_DATA_DIR)).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def dev_jwt_secret(directory: Path | None = None) -> str:
    """The HS256 secret of a dev stack: $TECHBRIDGE_DEV_JWT_SECRET, else one made once and kept in its data
    folder (``directory``, default ``data_dir()``)."""
    if os.environ.get("TECHBRIDGE_DEV_JWT_SECRET"):
        return os.environ["TECHBRIDGE_DEV_JWT_SECRET"]
    path = (directory or data_dir()) / "dev-jwt-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


# ------------------------------------------------------------------ running stacks
@dataclass(frozen=True)
class RunningStack:
    pid: int
    data_dir: Path
    urls: dict[str, str]
    started_at: str


def _registry() -> Path:
    path = Path(tempfile.gettempdir()) / f"techbridge-stacks-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def register_stack(stack: RunningStack) -> Path:
    """Record a started stack; ``unregister_stack`` removes it when it stops (a dead pid is ignored anyway)."""
    path = _registry() / f"{stack.pid}.json"
    body = {"pid": stack.pid, "data_dir": str(stack.data_dir), "urls": stack.urls, "started_at": stack.started_at}
    path.write_text(json.dumps(body, ensure_ascii=False))
    return path


def unregister_stack(pid: int) -> None:
    (_registry() / f"{pid}.json").unlink(missing_ok=True)


def running_stacks() -> list[RunningStack]:
    """Stacks whose supervisor is alive, most recently started first."""
    found = []
    for path in _registry().glob("*.json"):
        try:
            body = json.loads(path.read_text())
            os.kill(int(body["pid"]), 0)
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)  # its process is gone, or the record is broken
            continue
        found.append(RunningStack(int(body["pid"]), Path(body["data_dir"]), body.get("urls", {}), body["started_at"]))
    return sorted(found, key=lambda s: s.started_at, reverse=True)
