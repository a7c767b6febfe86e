"""Bearer tokens: issuing, verifying, role scopes, what a principal may see, and the FastAPI dependency."""

from __future__ import annotations

import types
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from patentflow.contracts.access import Role, Scope
from patentflow.kit.auth import ALGORITHM, CurrentPrincipal, InvalidToken, issue_token, verify_token
from patentflow.kit.principal import Principal
from patentflow.kit.settings import ServiceSettings

SECRET = "s" * 48
OTHER_SECRET = "t" * 48
UNIVERSITY = "12100000400000624D"
OTHER_UNIVERSITY = "91350100M000100Y43"


def _claims(**overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": "u-1",
        "role": "national_admin",
        "scope": {},
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "iss": "patentflow",
        "aud": "patentflow",
    }
    claims.update(overrides)
    return claims


# --- issue and verify ----------------------------------------------------------------------------------------


def test_issued_token_verifies_to_the_same_principal() -> None:
    token = issue_token(SECRET, sub="alice", role=Role.INSTITUTION_ADMIN, scope=Scope(institution=UNIVERSITY))
    principal = verify_token(token, SECRET)
    assert principal == Principal(sub="alice", role=Role.INSTITUTION_ADMIN, scope=Scope(institution=UNIVERSITY))


def test_issued_token_is_hs256_with_issuer_audience_and_expiry() -> None:
    token = issue_token(SECRET, sub="alice", role=Role.OPERATOR, scope=Scope(), ttl=timedelta(minutes=10))
    assert jwt.get_unverified_header(token)["alg"] == ALGORITHM
    claims = jwt.decode(token, SECRET, algorithms=[ALGORITHM], audience="patentflow")
    assert claims["iss"] == "patentflow"
    assert claims["scope"] == {}
    assert 0 < claims["exp"] - claims["iat"] <= 600


def test_custom_issuer_and_audience_round_trip() -> None:
    token = issue_token(SECRET, sub="bob", role=Role.OPERATOR, scope=Scope(), issuer="idp", audience="svc")
    assert verify_token(token, SECRET, issuer="idp", audience="svc").sub == "bob"
    with pytest.raises(InvalidToken):
        verify_token(token, SECRET)


def test_rejects_expired_token() -> None:
    token = issue_token(SECRET, sub="alice", role=Role.OPERATOR, scope=Scope(), ttl=timedelta(seconds=-5))
    with pytest.raises(InvalidToken, match=r"expired"):
        verify_token(token, SECRET)


def test_rejects_token_signed_with_another_secret() -> None:
    token = issue_token(OTHER_SECRET, sub="alice", role=Role.OPERATOR, scope=Scope())
    with pytest.raises(InvalidToken, match=r"[Ss]ignature"):
        verify_token(token, SECRET)


def test_rejects_token_for_another_audience() -> None:
    token = issue_token(SECRET, sub="alice", role=Role.OPERATOR, scope=Scope(), audience="someone-else")
    with pytest.raises(InvalidToken, match=r"[Aa]udience"):
        verify_token(token, SECRET)


def test_rejects_token_from_another_issuer() -> None:
    token = issue_token(SECRET, sub="alice", role=Role.OPERATOR, scope=Scope(), issuer="elsewhere")
    with pytest.raises(InvalidToken, match=r"[Ii]ssuer"):
        verify_token(token, SECRET)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_rejects_malformed_token(token: str) -> None:
    with pytest.raises(InvalidToken):
        verify_token(token, SECRET)


def test_rejects_token_missing_a_required_claim() -> None:
    claims = _claims()
    del claims["exp"]
    with pytest.raises(InvalidToken, match=r"exp"):
        verify_token(jwt.encode(claims, SECRET, algorithm=ALGORITHM), SECRET)


@pytest.mark.parametrize(
    "claims",
    [_claims(role="emperor"), _claims(scope={"planet": "mars"})],
    ids=["unknown-role", "unknown-scope-field"],
)
def test_rejects_token_with_unknown_role_or_scope(claims: dict[str, object]) -> None:
    with pytest.raises(InvalidToken):
        verify_token(jwt.encode(claims, SECRET, algorithm=ALGORITHM), SECRET)


def test_refuses_to_issue_institution_admin_without_institution() -> None:
    with pytest.raises(InvalidToken, match=r"role institution_admin needs scope\.institution"):
        issue_token(SECRET, sub="alice", role=Role.INSTITUTION_ADMIN, scope=Scope(province="430000"))


def test_refuses_to_verify_institution_admin_without_institution() -> None:
    token = jwt.encode(_claims(role="institution_admin", scope={}), SECRET, algorithm=ALGORITHM)
    with pytest.raises(InvalidToken, match=r"role institution_admin needs scope\.institution"):
        verify_token(token, SECRET)


@pytest.mark.parametrize(
    ("role", "needed"),
    [(Role.PROVINCE_OFFICE, "province"), (Role.ENTERPRISE, "enterprise"), (Role.BANK, "bank"), (Role.EXPERT, "person")],
)
def test_refuses_roles_without_their_scope(role: Role, needed: str) -> None:
    with pytest.raises(InvalidToken, match=rf"needs scope\.{needed}"):
        issue_token(SECRET, sub="x", role=role, scope=Scope())


# --- what a principal may do ---------------------------------------------------------------------------------

NATIONAL = Principal(sub="n", role=Role.NATIONAL_ADMIN, scope=Scope())
HUNAN = Principal(sub="p", role=Role.PROVINCE_OFFICE, scope=Scope(province="430000"))
UNIVERSITY_ADMIN = Principal(sub="i", role=Role.INSTITUTION_ADMIN, scope=Scope(institution=UNIVERSITY))
ENTERPRISE = Principal(sub="e", role=Role.ENTERPRISE, scope=Scope(enterprise=OTHER_UNIVERSITY))


def test_national_admin_sees_and_acts_for_everything() -> None:
    assert NATIONAL.may_see(institution=UNIVERSITY, province="430000")
    assert NATIONAL.may_see(institution=None, province=None)
    assert NATIONAL.acts_for_institution(UNIVERSITY)
    assert NATIONAL.acts_for_institution(OTHER_UNIVERSITY)


def test_province_office_sees_its_province_only_and_acts_for_no_institution() -> None:
    assert HUNAN.may_see(institution=UNIVERSITY, province="430000")
    assert not HUNAN.may_see(institution=UNIVERSITY, province="110000")
    assert not HUNAN.may_see(institution=UNIVERSITY, province=None)
    assert not HUNAN.acts_for_institution(UNIVERSITY)


def test_institution_admin_sees_and_acts_for_its_own_institution_only() -> None:
    assert UNIVERSITY_ADMIN.may_see(institution=UNIVERSITY, province="110000")
    assert not UNIVERSITY_ADMIN.may_see(institution=OTHER_UNIVERSITY, province="110000")
    assert not UNIVERSITY_ADMIN.may_see(institution=None, province="110000")
    assert UNIVERSITY_ADMIN.acts_for_institution(UNIVERSITY)
    assert not UNIVERSITY_ADMIN.acts_for_institution(OTHER_UNIVERSITY)


def test_enterprise_sees_no_private_record_and_acts_for_no_institution() -> None:
    assert not ENTERPRISE.may_see(institution=UNIVERSITY, province="430000")
    assert not ENTERPRISE.may_see(institution=OTHER_UNIVERSITY, province=None)
    assert not ENTERPRISE.acts_for_institution(OTHER_UNIVERSITY)


def test_principal_is_immutable() -> None:
    with pytest.raises(Exception, match=r"frozen"):
        NATIONAL.sub = "someone-else"  # type: ignore[misc]


# --- the FastAPI dependency ----------------------------------------------------------------------------------


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    app.state.runtime = types.SimpleNamespace(settings=ServiceSettings(auth_secret=SECRET))

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, str]:
        return {"sub": principal.sub, "role": principal.role.value}

    return TestClient(app)


def test_request_without_token_is_401_with_bearer_challenge(client: TestClient) -> None:
    response = client.get("/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "bearer token is required" in response.json()["detail"]


def test_request_with_non_bearer_scheme_is_401(client: TestClient) -> None:
    response = client.get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_request_with_garbage_token_is_401(client: TestClient) -> None:
    response = client.get("/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"].startswith("invalid token:")


def test_request_with_token_of_another_secret_is_401(client: TestClient) -> None:
    token = issue_token(OTHER_SECRET, sub="alice", role=Role.OPERATOR, scope=Scope())
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_request_with_valid_token_reaches_the_route(client: TestClient) -> None:
    token = issue_token(SECRET, sub="alice", role=Role.INSTITUTION_ADMIN, scope=Scope(institution=UNIVERSITY))
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"sub": "alice", "role": "institution_admin"}
