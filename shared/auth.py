"""Bearer-JWT authentication and the platform's roles.

Tokens are verified with a configured key: HS256 and a shared secret in development, RS256 with a PEM
public key or a JWKS URL in production. Route dependencies only check the role; data scope (which
city, which institution, which enterprise) is enforced in each service's service layer, so every
path to the data is guarded, not just the route.

Mint a development token::

    python -m shared.auth mint --role city_bureau --city 230100 --bureau science_tech
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError, model_validator

from shared.errors import Forbidden, Unauthenticated
from shared.regions import CITIES
from shared.settings import ServiceSettings


class Role(StrEnum):
    ENTERPRISE = "enterprise"
    CITY_BUREAU = "city_bureau"  # 市（地）科技局 or 工信局, scoped to one city
    SASAC = "sasac"  # 省国资委, for province-owned SOEs
    PROVINCE = "province"  # 省科技厅
    INSTITUTION = "institution"  # 派出单位, scoped to one dispatching unit
    RESEARCHER = "researcher"
    OPS = "ops"


class Bureau(StrEnum):
    """The two city bureaus that jointly review needs (R-F1)."""

    SCIENCE_TECH = "science_tech"  # 科技局
    INDUSTRY_IT = "industry_it"  # 工信局


class Principal(BaseModel):
    """Who is calling, as the token says; scope claims are required per role."""

    subject: str
    role: Role
    name: str | None = None
    city_code: str | None = None
    bureau: Bureau | None = None
    institution_id: str | None = None
    enterprise_id: str | None = None
    researcher_id: str | None = None

    @model_validator(mode="after")
    def _scope_claims_present(self) -> Principal:
        if self.role is Role.CITY_BUREAU and (self.city_code not in CITIES or self.bureau is None):
            raise ValueError("city_bureau tokens need a valid city (one of the 13) and a bureau")
        if self.role is Role.INSTITUTION and not self.institution_id:
            raise ValueError("institution tokens need institution_id")
        if self.role is Role.ENTERPRISE and not self.enterprise_id:
            raise ValueError("enterprise tokens need enterprise_id (the unified social credit code)")
        if self.role is Role.RESEARCHER and not self.researcher_id:
            raise ValueError("researcher tokens need researcher_id")
        return self

    def to_claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": self.subject, "role": self.role.value}
        for key in ("name", "city_code", "institution_id", "enterprise_id", "researcher_id"):
            if getattr(self, key):
                claims[key] = getattr(self, key)
        if self.bureau:
            claims["bureau"] = self.bureau.value
        return claims


class NeedScope(BaseModel):
    """Which needs a caller may see — the routing of R-F1: a city's bureaus review their city's needs,
    SASAC reviews province-owned SOEs' needs, the province sees all, an enterprise sees its own.
    ``None`` fields mean "no restriction"; ``visible=False`` means nothing at all."""

    visible: bool = True
    enterprise_id: str | None = None
    city_code: str | None = None
    soe: bool | None = None


def need_scope(principal: Principal) -> NeedScope:
    match principal.role:
        case Role.PROVINCE:
            return NeedScope()
        case Role.CITY_BUREAU:
            return NeedScope(city_code=principal.city_code, soe=False)
        case Role.SASAC:
            return NeedScope(soe=True)
        case Role.ENTERPRISE:
            return NeedScope(enterprise_id=principal.enterprise_id)
        case _:
            return NeedScope(visible=False)


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._jwks = jwt.PyJWKClient(settings.auth_jwks_url) if settings.auth_jwks_url else None
        if settings.auth_algorithm == "HS256" and settings.auth_hs256_secret is None:
            raise RuntimeError("auth_hs256_secret must be set when auth_algorithm is HS256")
        if settings.auth_algorithm == "RS256" and not (settings.auth_rs256_public_key or self._jwks):
            raise RuntimeError("RS256 needs auth_rs256_public_key or auth_jwks_url")

    def _key(self, token: str) -> Any:
        if self.settings.auth_algorithm == "HS256":
            assert self.settings.auth_hs256_secret is not None
            return self.settings.auth_hs256_secret.get_secret_value()
        if self._jwks is not None:
            return self._jwks.get_signing_key_from_jwt(token).key
        return self.settings.auth_rs256_public_key

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key(token),
                algorithms=[self.settings.auth_algorithm],
                audience=self.settings.auth_audience,
                issuer=self.settings.auth_issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("令牌已过期，请重新登录", code="TOKEN_EXPIRED") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("令牌无效或签名不正确", code="TOKEN_INVALID") from exc
        try:
            return Principal(subject=claims["sub"], **{k: v for k, v in claims.items() if k in _CLAIM_FIELDS})
        except ValidationError as exc:
            raise Unauthenticated("令牌缺少该角色所需的范围声明", code="TOKEN_CLAIMS_INVALID") from exc


_CLAIM_FIELDS = {"role", "name", "city_code", "bureau", "institution_id", "enterprise_id", "researcher_id"}

_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("缺少 Bearer 令牌", code="UNAUTHENTICATED")
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(credentials.credentials)


def require_roles(*roles: Role):
    """Route dependency: the caller must hold one of ``roles``."""

    async def _check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"角色「{principal.role.value}」无权执行此操作", code="ROLE_FORBIDDEN")
        return principal

    return _check


def mint_token(
    principal: Principal,
    *,
    secret: str | None = None,
    private_key: str | None = None,
    issuer: str = "techbridge",
    audience: str = "techbridge",
    ttl_s: int = 8 * 3600,
    kid: str | None = None,
) -> str:
    now = int(time.time())
    claims = principal.to_claims() | {
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl_s,
        "jti": uuid.uuid4().hex,
    }
    if private_key:
        return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid} if kid else None)
    if not secret:
        raise ValueError("a secret (HS256) or a private key (RS256) is needed")
    return jwt.encode(claims, secret, algorithm="HS256")


DEV_SECRET_ENV = "TECHBRIDGE_DEV_JWT_SECRET"


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.auth", description="Mint a development JWT.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mint")
    m.add_argument("--role", required=True, choices=[r.value for r in Role])
    m.add_argument("--sub", default=None, help="subject (user id); random if omitted")
    m.add_argument("--name")
    m.add_argument("--city", dest="city_code", help="city code, e.g. 230100 (哈尔滨市)")
    m.add_argument("--bureau", choices=[b.value for b in Bureau])
    m.add_argument("--institution", dest="institution_id")
    m.add_argument("--enterprise", dest="enterprise_id", help="the enterprise's unified social credit code")
    m.add_argument("--researcher", dest="researcher_id")
    m.add_argument("--ttl", type=int, default=8 * 3600)
    m.add_argument("--secret", default=os.environ.get(DEV_SECRET_ENV), help=f"HS256 secret (default ${DEV_SECRET_ENV})")
    args = parser.parse_args(argv)
    if not args.secret:
        from devstack.config import dev_jwt_secret  # the secret the embedded stack uses

        args.secret = dev_jwt_secret()
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
    print(mint_token(principal, secret=args.secret, ttl_s=args.ttl))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
