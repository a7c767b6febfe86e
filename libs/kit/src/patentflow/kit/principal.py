"""The caller as its verified token says: role and scope, and the scope checks every service shares; no I/O."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from patentflow.contracts.access import Role, Scope

ALL_OF_THEM = frozenset({Role.NATIONAL_ADMIN, Role.OPERATOR})


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

    def may_see(self, *, institution: str | None, province: str | None) -> bool:
        """May read a non-public record owned by ``institution`` in ``province``."""
        if self.role in ALL_OF_THEM:
            return True
        if self.role is Role.PROVINCE_OFFICE:
            return province is not None and self.scope.province == province
        if self.role is Role.INSTITUTION_ADMIN:
            return institution is not None and self.scope.institution == institution
        return False
