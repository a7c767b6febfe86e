"""Access claims: the roles and scopes a bearer token carries (docs/domain.md §2, "Who uses it")."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from patentflow.contracts.identifiers import ProvinceCode


class Role(StrEnum):
    """Who the caller is; each role sees the records of its scope only."""

    NATIONAL_ADMIN = "national_admin"
    MINISTRY = "ministry"
    PROVINCE_OFFICE = "province_office"
    INSTITUTION_ADMIN = "institution_admin"
    SCHOOL_REVIEWER = "school_reviewer"
    INVENTOR = "inventor"
    ENTERPRISE = "enterprise"
    EXPERT = "expert"
    BANK = "bank"
    INSURER = "insurer"
    VALUER = "valuer"
    INTEGRATOR = "integrator"
    OPERATOR = "operator"


class Scope(BaseModel):
    """The body a token acts for; which fields are set depends on the role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    province: ProvinceCode | None = Field(None, description="GB/T 2260 province code, for province offices")
    ministry: str | None = Field(None, description="Supervising ministry, e.g. MoE, CAS")
    institution: str | None = Field(None, description="Credit code of the institution")
    school: str | None = Field(None, description="School or department id within the institution")
    enterprise: str | None = Field(None, description="Credit code of the enterprise")
    bank: str | None = Field(None, description="Credit code of the bank, insurer or valuer")
    person: str | None = Field(None, description="Inventor or expert id")


# Which scope fields each role must carry: the whole scope, since ids are unique only within their body (a person id
# within an institution, a school id within an institution). National administrators, integrators and operators
# need none.
REQUIRED_SCOPE: dict[Role, tuple[str, ...]] = {
    Role.NATIONAL_ADMIN: (),
    Role.MINISTRY: ("ministry",),
    Role.PROVINCE_OFFICE: ("province",),
    Role.INSTITUTION_ADMIN: ("institution",),
    Role.SCHOOL_REVIEWER: ("institution", "school"),
    Role.INVENTOR: ("institution", "person"),
    Role.ENTERPRISE: ("enterprise",),
    Role.EXPERT: ("person",),
    Role.BANK: ("bank",),
    Role.INSURER: ("bank",),
    Role.VALUER: ("bank",),
    Role.INTEGRATOR: (),
    Role.OPERATOR: (),
}
