"""Value objects shared by several events: patent types, owners, state funding."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from patentflow.contracts.identifiers import CreditCode, ProvinceCode


class PatentType(StrEnum):
    """Patent type (专利类型); terms are 20, 10 and 15 years from filing (Patent Law Art. 42)."""

    INVENTION = "invention"
    UTILITY_MODEL = "utility_model"
    DESIGN = "design"


class RecordSource(StrEnum):
    """How a patent master record reached the platform."""

    NATIONAL_PUSH = "national_push"
    INSTITUTION_UPLOAD = "institution_upload"
    MANUAL = "manual"


class ValueObject(BaseModel):
    """Frozen, closed value object."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Owner(ValueObject):
    """The institution that owns (or co-owns) a patent."""

    credit_code: CreditCode
    name: str = Field(min_length=1, max_length=200, description="Registered name", examples=["清华大学"])
    province: ProvinceCode


class CoOwner(ValueObject):
    """A co-owner other than the recording institution (enterprise, person or another institution)."""

    name: str = Field(min_length=1, max_length=200, description="Name of the co-owner")
    credit_code: CreditCode | None = Field(None, description="Credit code, when the co-owner is an organisation")


class StateFunding(ValueObject):
    """Declaration of a state-funded project (财政资助科研项目形成专利声明), Science and Technology Progress Law Art. 32."""

    project_number: str = Field(min_length=1, max_length=100, description="Project number")
    funder: str = Field(min_length=1, max_length=200, description="Funding body")
    programme: str | None = Field(None, max_length=200, description="Funding programme")
