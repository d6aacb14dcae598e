"""Who is calling: the token's principal, the need-routing scope of R-F1, and token verification and minting.

Tokens are verified with a configured key: HS256 and a shared secret in development, RS256 with a PEM
public key or a JWKS URL in production. Route dependencies (``shared.http``) only check the role; data
scope (which city, which institution, which enterprise) is enforced in each service's service layer, so
every path to the data is guarded, not just the route. Development tokens: ``python -m devstack.token``.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.errors import Unauthenticated
from shared.regions import CITIES
from shared.scope import NOTHING, Scope
from shared.settings import ServiceSettings
from shared.vocabulary import Bureau, Role

__all__ = ["Bureau", "Principal", "Role", "TokenVerifier", "mint_token", "need_scope"]


class Principal(BaseModel):
    """Who is calling, as the token says; scope claims are required per role. Immutable: one verified token's
    principal serves every request that carries it."""

    model_config = ConfigDict(frozen=True)

    subject: str = Field(description="用户标识（令牌的 sub）")
    role: Role = Field(description="角色")
    name: str | None = Field(default=None, description="显示名")
    city_code: str | None = Field(default=None, description="city_bureau：所属市（地）代码")
    bureau: Bureau | None = Field(default=None, description="city_bureau：科技局或工信局")
    county: str | None = Field(
        default=None, max_length=100, description="county：所属县（市、区）名称，与企业登记的县（市、区）一致"
    )
    institution_id: str | None = Field(default=None, description="institution：派出单位标识")
    enterprise_id: str | None = Field(default=None, description="enterprise：统一社会信用代码")
    researcher_id: str | None = Field(default=None, description="researcher：科研人员标识")

    @model_validator(mode="after")
    def _scope_claims_present(self) -> Principal:
        if not self.subject.strip():
            raise ValueError("tokens need a non-blank subject (sub)")
        if self.role is Role.CITY_BUREAU and (self.city_code not in CITIES or self.bureau is None):
            raise ValueError("city_bureau tokens need a valid city (one of the 13) and a bureau")
        if self.role is Role.COUNTY and (self.city_code not in CITIES or not (self.county or "").strip()):
            raise ValueError("county tokens need a valid city (one of the 13) and the county's name")
        if self.role is Role.INSTITUTION and not self.institution_id:
            raise ValueError("institution tokens need institution_id")
        if self.role is Role.ENTERPRISE and not self.enterprise_id:
            raise ValueError("enterprise tokens need enterprise_id (the unified social credit code)")
        if self.role is Role.RESEARCHER and not self.researcher_id:
            raise ValueError("researcher tokens need researcher_id")
        return self

    def to_claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": self.subject, "role": self.role.value}
        for key in ("name", "city_code", "county", "institution_id", "enterprise_id", "researcher_id"):
            if getattr(self, key):
                claims[key] = getattr(self, key)
        if self.bureau:
            claims["bureau"] = self.bureau.value
        return claims


def need_scope(principal: Principal, *, enterprise_key: str = "enterprise_id") -> Scope:
    """Which needs a caller may see — the routing of R-F1: a city's bureaus review their city's needs,
    SASAC reviews province-owned SOEs' needs, the province sees all, an enterprise sees its own.
    Intake and matching both store needs with these columns (``city_code``, ``is_soe``, ``enterprise_id``);
    the same routing applies to enterprises themselves, whose own key is ``enterprise_key="id"``."""
    match principal.role:
        case Role.PROVINCE:
            return Scope()
        case Role.CITY_BUREAU:
            return Scope.where(city_code=principal.city_code, is_soe=False)
        case Role.SASAC:
            return Scope.where(is_soe=True)
        case Role.ENTERPRISE:
            return Scope.where(**{enterprise_key: principal.enterprise_id})
        case _:
            return NOTHING


VERIFIED_TOKENS = 4096  # verified tokens remembered per process (oldest forgotten first)
VERIFIED_FOR_S = 60  # how long a verification is reused (a rotated signing key takes effect within it)


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()  # token → (caller, trusted until)
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
        """The caller a token names. A client sends the same token with every request: its verification (signature,
        claims) is remembered for up to ``VERIFIED_FOR_S`` — never past its ``exp`` — instead of repeated per call."""
        now = time.time()
        remembered = self._verified.get(token)
        if remembered is not None and remembered[1] > now:
            return remembered[0]
        principal, expires = self._verify(token)
        self._verified[token] = (principal, min(expires, now + VERIFIED_FOR_S))
        while len(self._verified) > VERIFIED_TOKENS:
            self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
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
            principal = Principal(subject=claims["sub"], **{k: v for k, v in claims.items() if k in _CLAIM_FIELDS})
        except ValidationError as exc:
            raise Unauthenticated("令牌缺少该角色所需的范围声明", code="TOKEN_CLAIMS_INVALID") from exc
        if principal.role is Role.PUBLIC:  # the anonymous public has no token; one claiming to be it is forged
            raise Unauthenticated("令牌的角色无效", code="TOKEN_CLAIMS_INVALID")
        return principal, float(claims["exp"])


_CLAIM_FIELDS = {"role", "name", "city_code", "county", "bureau", "institution_id", "enterprise_id", "researcher_id"}


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
