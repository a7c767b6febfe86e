"""Access: signed bearer tokens (JWT, HS256) carrying a role and a scope, verified by one FastAPI dependency."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Send
from starlette.types import Scope as ASGIScope

from patentflow.contracts.access import REQUIRED_SCOPE, Role, Scope
from patentflow.kit.principal import Principal

ALGORITHM = "HS256"
_bearer = HTTPBearer(auto_error=False, description="A token from `make token` (development) or your identity provider")


class InvalidToken(Exception):
    """The token is missing, malformed, expired, wrongly signed or carries an impossible role/scope."""


def issue_token(
    secret: str,
    *,
    sub: str,
    role: Role,
    scope: Scope,
    ttl: timedelta = timedelta(hours=12),
    issuer: str = "patentflow",
    audience: str = "patentflow",
) -> str:
    """A signed token for ``sub``; refuses a scope the role cannot have."""
    _check_scope(role, scope)
    now = datetime.now(UTC)
    claims = {
        "sub": sub,
        "role": role.value,
        "scope": scope.model_dump(exclude_none=True),
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "iss": issuer,
        "aud": audience,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(token: str, secret: str, *, issuer: str = "patentflow", audience: str = "patentflow") -> Principal:
    """The principal of a valid token, or :class:`InvalidToken`."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=issuer,
            audience=audience,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
        principal = Principal(sub=claims["sub"], role=claims["role"], scope=Scope(**claims.get("scope", {})))
    except (jwt.PyJWTError, ValidationError, KeyError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc
    _check_scope(principal.role, principal.scope)
    return principal


def _check_scope(role: Role, scope: Scope) -> None:
    missing = [name for name in REQUIRED_SCOPE[role] if getattr(scope, name) is None]
    if missing:
        raise InvalidToken(f"role {role.value} needs scope.{' and scope.'.join(missing)}")


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The verified caller; 401 when the token is missing or invalid (the gate verified it already, if it ran)."""
    known = request.scope.get("state", {}).get(PRINCIPAL)
    if isinstance(known, Principal):
        return known
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is required", headers=challenge)
    settings = request.app.state.runtime.settings
    try:
        principal = verify_token(
            credentials.credentials,
            settings.auth_secret.get_secret_value(),
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
        )
    except InvalidToken as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"invalid token: {exc}", headers=challenge) from exc
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
PRINCIPAL = "patentflow.principal"
PUBLIC_PATHS = ("/health/", "/metrics", "/asyncapi.json", "/docs", "/redoc", "/openapi.json")


class AuthenticationGate:
    """Pure ASGI, outermost: a request to anything but the public operational paths carries a valid bearer token,
    or is answered 401 before its body is read or anything is validated; the verified caller rides along."""

    def __init__(self, app: ASGIApp, *, secret: str, issuer: str, audience: str) -> None:
        self.app = app
        self.secret, self.issuer, self.audience = secret, issuer, audience

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        """Verify, then pass on; or answer 401."""
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC_PATHS):
            await self.app(scope, receive, send)
            return
        header = next(
            (bytes(v).decode("latin-1") for k, v in scope.get("headers", ()) if k.lower() == b"authorization"), ""
        )
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            await _unauthorized(send, "a bearer token is required")
            return
        try:
            principal = verify_token(token.strip(), self.secret, issuer=self.issuer, audience=self.audience)
        except InvalidToken as exc:
            await _unauthorized(send, f"invalid token: {str(exc)[:200]}")
            return
        scope.setdefault("state", {})[PRINCIPAL] = principal
        await self.app(scope, receive, send)


async def _unauthorized(send: Send, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"www-authenticate", b"Bearer"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def require_roles(*roles: Role) -> Any:
    """A dependency that lets only these roles through (403 otherwise)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {principal.role.value} may not do this")
        return principal

    return Depends(check)
