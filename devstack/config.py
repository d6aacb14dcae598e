"""Where the embedded stack keeps its data, and the development JWT secret (generated, never committed)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    path = Path(os.environ.get("TECHBRIDGE_DATA_DIR", REPO_ROOT / ".data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def dev_jwt_secret() -> str:
    """The HS256 secret of this machine's dev stack: $TECHBRIDGE_DEV_JWT_SECRET, else one made once and kept."""
    if os.environ.get("TECHBRIDGE_DEV_JWT_SECRET"):
        return os.environ["TECHBRIDGE_DEV_JWT_SECRET"]
    path = data_dir() / "dev-jwt-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
