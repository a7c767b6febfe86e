"""Access: signed bearer tokens (JWT, HS256) carrying a role and a scope, verified by one FastAPI dependency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, ValidationError

from patentflow.contracts.access import REQUIRED_SCOPE, Role, Scope

ALGORITHM = "HS256"
_bearer = HTTPBearer(auto_error=False, description="A token from `make token` (development) or your identity provider")


class InvalidToken(Exception):
    """The token is missing, malformed, expired, wrongly signed or carries an impossible role/scope."""


class Principal(BaseModel):
    """The caller, as its token says."""

    model_config = ConfigDict(frozen=True)

    sub: str
    role: Role
    scope: Scope

    def acts_for_institution(self, credit_code: str) -> bool:
        """May change records of this institution."""
        return self.role is Role.NATIONAL_ADMIN or (
            self.role is Role.INSTITUTION_ADMIN and self.scope.institution == credit_code
        )

    def listing_filter(self, *, institution_field: str, province_field: str) -> dict[str, str] | None:
        """A store query for what this caller may list; {} for everything, None for nothing."""
        if self.role in (Role.NATIONAL_ADMIN, Role.OPERATOR):
            return {}
        if self.role is Role.PROVINCE_OFFICE and self.scope.province:
            return {province_field: self.scope.province}
        if self.role is Role.INSTITUTION_ADMIN and self.scope.institution:
            return {institution_field: self.scope.institution}
        return None

    def may_see(self, *, institution: str | None, province: str | None) -> bool:
        """May read a non-public record owned by ``institution`` in ``province``."""
        if self.role in (Role.NATIONAL_ADMIN, Role.OPERATOR):
            return True
        if self.role is Role.PROVINCE_OFFICE:
            return province is not None and self.scope.province == province
        if self.role is Role.INSTITUTION_ADMIN:
            return institution is not None and self.scope.institution == institution
        return False


def issue_token(secret: str, *, sub: str, role: Role, scope: Scope, ttl: timedelta = timedelta(hours=12),
                issuer: str = "patentflow", audience: str = "patentflow") -> str:  # fmt: skip
    """A signed token for ``sub``; refuses a scope the role cannot have."""
    _check_scope(role, scope)
    now = datetime.now(UTC)
    claims = {"sub": sub, "role": role.value, "scope": scope.model_dump(exclude_none=True),
              "iat": now, "nbf": now, "exp": now + ttl, "iss": issuer, "aud": audience}  # fmt: skip
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(token: str, secret: str, *, issuer: str = "patentflow", audience: str = "patentflow") -> Principal:
    """The principal of a valid token, or :class:`InvalidToken`."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=issuer, audience=audience,
                            options={"require": ["exp", "iat", "sub", "iss", "aud"]})  # fmt: skip
        principal = Principal(sub=claims["sub"], role=claims["role"], scope=Scope(**claims.get("scope", {})))
    except (jwt.PyJWTError, ValidationError, KeyError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc
    _check_scope(principal.role, principal.scope)
    return principal


def _check_scope(role: Role, scope: Scope) -> None:
    needed = REQUIRED_SCOPE[role]
    if needed is not None and getattr(scope, needed) is None:
        raise InvalidToken(f"role {role.value} needs scope.{needed}")


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The verified caller; 401 when the token is missing or invalid."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is required", headers=challenge)
    settings = request.app.state.runtime.settings
    try:
        principal = verify_token(
            credentials.credentials, settings.auth_secret.get_secret_value(),
            issuer=settings.auth_issuer, audience=settings.auth_audience,
        )  # fmt: skip
    except InvalidToken as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"invalid token: {exc}", headers=challenge) from exc
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Any:
    """A dependency that lets only these roles through (403 otherwise)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {principal.role.value} may not do this")
        return principal

    return Depends(check)
