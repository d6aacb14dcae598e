"""Mint a development token, signed with the dev stack's secret (``make token`` calls this)::

python -m devstack.token --role city_bureau --city 230100 --bureau science_tech
"""

from __future__ import annotations

import argparse
import sys
import uuid

from devstack.config import dev_jwt_secret
from shared.auth import Principal, mint_token
from shared.vocabulary import Bureau, Role

DEV_SECRET_ENV = "TECHBRIDGE_DEV_JWT_SECRET"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.token", description="Mint a development JWT.")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--sub", default=None, help="subject (user id); random if omitted")
    parser.add_argument("--name")
    parser.add_argument("--city", dest="city_code", help="city code, e.g. 230100 (哈尔滨市)")
    parser.add_argument("--bureau", choices=[b.value for b in Bureau])
    parser.add_argument("--institution", dest="institution_id")
    parser.add_argument("--enterprise", dest="enterprise_id", help="the enterprise's unified social credit code")
    parser.add_argument("--researcher", dest="researcher_id")
    parser.add_argument("--ttl", type=int, default=8 * 3600)
    parser.add_argument(
        "--secret", default=None, help=f"HS256 secret (default: ${DEV_SECRET_ENV}, else the dev stack's own)"
    )
    args = parser.parse_args(argv)
    principal = Principal(
        subject=args.sub or f"dev-{args.role}-{uuid.uuid4().hex[:8]}",
        role=Role(args.role),
        name=args.name,
        city_code=args.city_code,
        bureau=Bureau(args.bureau) if args.bureau else None,
        institution_id=args.institution_id,
        enterprise_id=args.enterprise_id,
        researcher_id=args.researcher_id,
    )
    print(mint_token(principal, secret=args.secret or dev_jwt_secret(), ttl_s=args.ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
