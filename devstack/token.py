"""Mint a development token, signed with the running dev stack's secret (``make token`` calls this)::

python -m devstack.token --role city_bureau --city 230100 --bureau science_tech

Which secret: ``--secret``, else $TECHBRIDGE_DEV_JWT_SECRET, else the data folder named by
$TECHBRIDGE_DATA_DIR, else the folder of the stack that is running (``make run`` records itself), else the
default ``.data``. When the choice is not the obvious one it says so on standard error (the token alone
goes to standard output, so ``TOKEN=$(make -s token …)`` keeps working).
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid

from pydantic import ValidationError

from devstack.config import DEFAULT_DATA_DIR, data_dir, dev_jwt_secret, running_stacks
from shared.auth import Principal, mint_token
from shared.vocabulary import Bureau, Role

DEV_SECRET_ENV = "TECHBRIDGE_DEV_JWT_SECRET"


def signing_secret(explicit: str | None) -> tuple[str, str | None]:
    """The secret to sign with, and a note for the user when it is not the obvious one."""
    if explicit:
        return explicit, None
    if os.environ.get(DEV_SECRET_ENV) or os.environ.get("TECHBRIDGE_DATA_DIR"):
        return dev_jwt_secret(), None
    stacks = running_stacks()
    default = DEFAULT_DATA_DIR.resolve()
    chosen = next((s for s in stacks if s.data_dir.resolve() == default), stacks[0] if stacks else None)
    if chosen is None:
        return dev_jwt_secret(), f"note: no running stack found; signed with {data_dir() / 'dev-jwt-secret'}"
    note = None
    if chosen.data_dir.resolve() != default or len(stacks) > 1:
        note = f"note: signed for the stack started {chosen.started_at} (pid {chosen.pid}, data {chosen.data_dir})"
    return dev_jwt_secret(chosen.data_dir), note


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.token", description="Mint a development JWT.")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--sub", default=None, help="subject (user id); random if omitted")
    parser.add_argument("--name")
    parser.add_argument("--city", dest="city_code", help="city code, e.g. 230100 (哈尔滨市)")
    parser.add_argument("--bureau", choices=[b.value for b in Bureau])
    parser.add_argument("--county", help="county role: the county's name as enterprises register it, e.g. 南岗区")
    parser.add_argument("--institution", dest="institution_id")
    parser.add_argument("--enterprise", dest="enterprise_id", help="the enterprise's unified social credit code")
    parser.add_argument("--researcher", dest="researcher_id")
    parser.add_argument("--ttl", type=int, default=8 * 3600)
    parser.add_argument(
        "--secret", default=None, help=f"HS256 secret (default: ${DEV_SECRET_ENV}, else the running stack's own)"
    )
    args = parser.parse_args(argv)
    try:
        principal = Principal(
            subject=args.sub or f"dev-{args.role}-{uuid.uuid4().hex[:8]}",
            role=Role(args.role),
            name=args.name,
            city_code=args.city_code,
            bureau=Bureau(args.bureau) if args.bureau else None,
            county=args.county,
            institution_id=args.institution_id,
            enterprise_id=args.enterprise_id,
            researcher_id=args.researcher_id,
        )
    except ValidationError as exc:  # a role without its scope claims: say which, no traceback
        parser.error("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()))
    secret, note = signing_secret(args.secret)
    if note:
        print(note, file=sys.stderr)
    print(mint_token(principal, secret=secret, ttl_s=args.ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
