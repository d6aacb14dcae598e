"""The command line every service shares: ``python -m services.<name> serve|migrate``.

``serve --role api`` runs the REST API only, ``--role worker`` the outbox relay and the consumers
(with health and metrics endpoints), ``--role all`` both in one process (the embedded dev default).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

import uvicorn
from alembic import command
from alembic.config import Config
from fastapi import FastAPI

from shared.db import ensure_database
from shared.observability import configure_logging
from shared.settings import ServiceSettings


def alembic_config(service_dir: Path, database_url: str) -> Config:
    cfg = Config(str(service_dir / "alembic.ini"))
    cfg.set_main_option("script_location", str(service_dir / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


async def migrate(service_dir: Path, database_url: str, *, create_database: bool = True) -> None:
    if create_database:
        await ensure_database(database_url)
    # Alembic's env.py runs its own event loop: keep it off ours.
    await asyncio.to_thread(command.upgrade, alembic_config(service_dir, database_url), "head")


def main(
    argv: list[str],
    *,
    service_dir: Path,
    settings_factory: Callable[[], ServiceSettings],
    app_factory: Callable[[ServiceSettings, str], FastAPI],
    default_port: int,
) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m services.{service_dir.name}")
    sub = parser.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve", help="run the service")
    serve.add_argument("--role", choices=["api", "worker", "all"], default="all")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=default_port)
    mig = sub.add_parser("migrate", help="create the database if missing and apply migrations")
    mig.add_argument("--no-create-database", action="store_true")
    args = parser.parse_args(argv)

    settings = settings_factory()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    if args.cmd == "migrate":
        asyncio.run(migrate(service_dir, settings.database_url, create_database=not args.no_create_database))
        return 0
    app = app_factory(settings, args.role)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False, timeout_graceful_shutdown=10)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run a service module instead: python -m services.intake serve")
