"""Authentication and scope: every endpoint but health needs a bearer JWT; roles and data scope are enforced."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import Principal, Role, TokenVerifier, mint_token
from shared.errors import Unauthenticated
from shared.settings import ServiceSettings
from tests.factories import HARBIN, QIQIHAR
from tests.flows import register_enterprise, submit_need
from tests.support import Platform, auth, token

SERVICES_AND_PATHS = [
    ("intake", "/intake/v1/needs"),
    ("matching", "/matching/v1/needs"),
    ("agreements", "/agreements/v1/me"),
    ("evaluation", "/evaluation/v1/me"),
]


@pytest.mark.parametrize(("service", "path"), SERVICES_AND_PATHS)
async def test_no_token_is_401_problem_json(platform: Platform, service: str, path: str) -> None:
    response = await platform[service].client.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(("service", "path"), SERVICES_AND_PATHS)
async def test_health_needs_no_token(platform: Platform, service: str, path: str) -> None:
    assert (await platform[service].client.get("/healthz")).status_code == 200
    ready = await platform[service].client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "broker": "ok"}


async def test_bad_signature_and_expired_tokens_are_401(platform: Platform) -> None:
    client = platform["intake"].client
    forged = token(Role.PROVINCE, secret="someone-elses-secret-0123456789-abcdef")
    response = await client.get("/intake/v1/needs", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401 and response.json()["code"] == "TOKEN_INVALID"
    expired = token(Role.PROVINCE, ttl_s=-10)
    response = await client.get("/intake/v1/needs", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and response.json()["code"] == "TOKEN_EXPIRED"
    response = await client.get("/intake/v1/needs", headers={"Authorization": "Bearer not.a.jwt"})
    assert response.status_code == 401


async def test_token_missing_scope_claims_is_rejected(platform: Platform) -> None:
    from tests.support import TEST_JWT_SECRET

    claims = {"sub": "u1", "role": "city_bureau", "iss": "techbridge", "aud": "techbridge", "exp": 4102444800}
    raw = jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256")  # a city bureau without a city
    response = await platform["intake"].client.get("/intake/v1/needs", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401 and response.json()["code"] == "TOKEN_CLAIMS_INVALID"


@pytest.mark.parametrize(
    "role", [Role.CITY_BUREAU, Role.SASAC, Role.PROVINCE, Role.INSTITUTION, Role.RESEARCHER, Role.OPS]
)
async def test_only_enterprises_submit_needs(platform: Platform, role: Role) -> None:
    claims = {
        Role.CITY_BUREAU: {"city_code": HARBIN},
        Role.INSTITUTION: {"institution_id": "inst-1"},
        Role.RESEARCHER: {"researcher_id": "r-1"},
    }.get(role, {})
    response = await platform["intake"].client.post(
        "/intake/v1/needs",
        json={"programme": "commissioner", "title": "abc", "description": "x" * 20, "keywords": ["k"]},
        headers=auth(role, **claims),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "ROLE_FORBIDDEN"


@pytest.mark.parametrize("role", [Role.INSTITUTION, Role.RESEARCHER, Role.OPS])
async def test_roles_without_need_access_get_403(platform: Platform, role: Role) -> None:
    claims = {Role.INSTITUTION: {"institution_id": "inst-1"}, Role.RESEARCHER: {"researcher_id": "r-1"}}.get(role, {})
    for service, path in SERVICES_AND_PATHS[:2]:
        response = await platform[service].client.get(path, headers=auth(role, **claims))
        assert response.status_code == 403, (service, role)


async def test_ops_endpoints_need_the_ops_role(platform: Platform) -> None:
    for service in ("intake", "matching", "agreements", "evaluation"):
        client = platform[service].client
        assert (await client.get(f"/{service}/ops/outbox", headers=auth(Role.PROVINCE))).status_code == 403
        response = await client.get(f"/{service}/ops/outbox", headers=auth(Role.OPS))
        assert response.status_code == 200 and "unpublished" in response.json()


async def test_city_bureau_sees_only_its_city_and_never_another_citys_need(platform: Platform, batches: dict) -> None:
    """R-F1 routing: a city's bureaus review their own city's needs — never another city's, in either service."""
    batch = batches["chief_technologist"]
    harbin_need = await submit_need(platform, (await register_enterprise(platform, HARBIN))[1], batch)
    qiqihar_need = await submit_need(platform, (await register_enterprise(platform, QIQIHAR))[1], batch)
    harbin_bureau = auth(Role.CITY_BUREAU, city_code=HARBIN)

    for service in ("intake", "matching"):
        client = platform[service].client
        if service == "matching":
            from tests.support import eventually

            async def both_arrived(client=client):
                ok = [
                    (await client.get(f"/matching/v1/needs/{n['id']}", headers=auth(Role.PROVINCE))).status_code == 200
                    for n in (harbin_need, qiqihar_need)
                ]
                return all(ok)

            await eventually(both_arrived, what="both needs in matching")
        own = await client.get(f"/{service}/v1/needs/{harbin_need['id']}", headers=harbin_bureau)
        assert own.status_code == 200
        other = await client.get(f"/{service}/v1/needs/{qiqihar_need['id']}", headers=harbin_bureau)
        assert other.status_code == 404  # existence of another city's need does not leak
        assert other.json()["code"] == "NEED_NOT_FOUND"
        listed = (await client.get(f"/{service}/v1/needs?page_size=100", headers=harbin_bureau)).json()
        assert listed["items"], service
        assert {n["city_code"] for n in listed["items"]} == {HARBIN}


async def test_enterprise_sees_only_its_own_needs_and_sasac_only_soes(platform: Platform, batches: dict) -> None:
    batch = batches["chief_technologist"]
    _, me = await register_enterprise(platform)
    mine = await submit_need(platform, me, batch)
    theirs = await submit_need(platform, (await register_enterprise(platform))[1], batch)
    soe = await submit_need(platform, (await register_enterprise(platform, is_soe=True))[1], batch)
    client = platform["intake"].client

    assert (await client.get(f"/intake/v1/needs/{mine['id']}", headers=me)).status_code == 200
    assert (await client.get(f"/intake/v1/needs/{theirs['id']}", headers=me)).status_code == 404
    assert {n["id"] for n in (await client.get("/intake/v1/needs", headers=me)).json()["items"]} == {mine["id"]}

    sasac = auth(Role.SASAC)
    assert (await client.get(f"/intake/v1/needs/{soe['id']}", headers=sasac)).status_code == 200
    assert (await client.get(f"/intake/v1/needs/{theirs['id']}", headers=sasac)).status_code == 404
    assert all(n["is_soe"] for n in (await client.get("/intake/v1/needs?page_size=100", headers=sasac)).json()["items"])
    # An SOE's need goes to SASAC, not to its city's bureaus (R-F1).
    city = auth(Role.CITY_BUREAU, city_code=HARBIN)
    assert (await client.get(f"/intake/v1/needs/{soe['id']}", headers=city)).status_code == 404


def test_rs256_tokens_verified_with_a_public_key() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    verifier = TokenVerifier(ServiceSettings(auth_algorithm="RS256", auth_rs256_public_key=public_pem))
    principal = Principal(subject="u", role=Role.CITY_BUREAU, city_code=HARBIN, bureau="industry_it")
    verified = verifier.verify(mint_token(principal, private_key=private_pem))
    assert verified.role is Role.CITY_BUREAU and verified.city_code == HARBIN and verified.bureau == "industry_it"
    # An HS256 token signed with a guessable secret must not pass an RS256 verifier (algorithm confusion).
    with pytest.raises(Unauthenticated):
        verifier.verify(mint_token(principal, secret="x" * 40))


def test_verifier_refuses_to_start_without_a_key() -> None:
    with pytest.raises(RuntimeError):
        TokenVerifier(ServiceSettings(auth_algorithm="HS256", auth_hs256_secret=None))
    with pytest.raises(RuntimeError):
        TokenVerifier(ServiceSettings(auth_algorithm="RS256"))


def test_a_remembered_verification_never_outlives_the_token(monkeypatch) -> None:
    """Issue 14: a token's verification is reused for a while (a client sends it with every request) — but never past
    the token's ``exp``: then it is verified afresh (and refused as expired). A tampered copy is another string,
    verified on its own."""
    import shared.auth as auth_module

    secret = "s" * 40
    verifier = TokenVerifier(ServiceSettings(auth_algorithm="HS256", auth_hs256_secret=secret))
    checks = []
    real_check = verifier._verify
    monkeypatch.setattr(verifier, "_verify", lambda token: checks.append(token) or real_check(token))
    principal = Principal(subject="u", role=Role.PROVINCE)
    short_lived = mint_token(principal, secret=secret, ttl_s=30)
    assert verifier.verify(short_lived).subject == "u"
    assert verifier.verify(short_lived).subject == "u"
    assert len(checks) == 1  # remembered
    clock = auth_module.time.time()
    monkeypatch.setattr(auth_module.time, "time", lambda: clock + 31)
    verifier.verify(short_lived)  # PyJWT's own clock still says valid; ours says: check again
    assert len(checks) == 2
    head, payload, signature = mint_token(principal, secret=secret).split(".")
    with pytest.raises(Unauthenticated):
        verifier.verify(f"{head}.{payload}.{signature[:-2]}AA")
    with pytest.raises(Exception):  # noqa: B017 - frozen: one caller's principal cannot be edited by another request
        verifier.verify(short_lived).role = Role.CITY_BUREAU
