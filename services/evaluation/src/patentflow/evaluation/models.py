"""Wire models of the evaluation API: what a client may send."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from patentflow.contracts.events.evaluation import EnterpriseProfile
from patentflow.contracts.events.evaluation_enums import (
    BaseRating,
    CooperationIntent,
    EnterpriseFlag,
    EvaluationScenario,
    NotInterestedReason,
    Prospect,
)
from patentflow.contracts.identifiers import CreditCode, ProvinceCode
from patentflow.contracts.industries import IndustryCode
from patentflow.evaluation.evaluations import EnterpriseAnswer

IpcField = Annotated[
    str, StringConstraints(pattern=r"^[A-H]\d{2}[A-Z](\s?\d{1,4}/\d{2,6})?$", strip_whitespace=True, to_upper=True)
]
AccountId = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[\w@.-]+$")]


class Closed(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EnterpriseBody(Closed):
    """An enterprise's profile (registration, or the whole profile again to change it)."""

    name: str = Field(min_length=1, max_length=200)
    province: ProvinceCode
    flags: list[EnterpriseFlag] = Field(default_factory=list, max_length=len(EnterpriseFlag))
    industry_codes: list[IndustryCode] = Field(default_factory=list, max_length=50, description="GB/T 4754 codes")
    products: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    ipc_fields: list[IpcField] = Field(default_factory=list, max_length=50, description="IPC subclasses or symbols")
    contact_name: str | None = Field(None, max_length=100)
    contact_phone: str | None = Field(None, max_length=50)

    def profile(self) -> EnterpriseProfile:
        """The profile as the events carry it (flags once each, in declaration order)."""
        data = self.model_dump(include=set(EnterpriseBody.model_fields))
        data["flags"] = tuple(f for f in EnterpriseFlag if f in set(self.flags))
        return EnterpriseProfile.model_validate(data)


class EnterpriseCreate(EnterpriseBody):
    """Register an enterprise."""

    credit_code: CreditCode


class ExpertCreate(Closed):
    """Add an expert to the library."""

    expert_id: AccountId
    name: str = Field(min_length=1, max_length=100)
    affiliation: str = Field(min_length=1, max_length=200)
    province: ProvinceCode = Field(description="The recommending province")
    ipc_fields: list[IpcField] = Field(min_length=1, max_length=50)
    sei_codes: list[Annotated[str, StringConstraints(pattern=r"^\d{1,2}$")]] = Field(default_factory=list, max_length=9)
    conflicts: list[CreditCode] = Field(default_factory=list, max_length=200, description="Institutions it works with")
    available: bool = True


class ExpertUpdate(Closed):
    """Declared conflicts and availability, whole."""

    conflicts: list[CreditCode] = Field(max_length=200)
    available: bool


class AssignEnterprise(Closed):
    """Put the patent to a registered enterprise for evaluation."""

    enterprise: CreditCode


class EnterpriseEvaluationCreate(Closed):
    """An enterprise's evaluation of a pool patent."""

    enterprise: CreditCode = Field(description="The evaluating enterprise: the caller's own")
    prospect: Prospect = Field(description="Industrialisation prospect: 5 very good … 1 none")
    cooperation_intent: CooperationIntent
    improvement_needs: str | None = Field(None, max_length=2000, description="Technical improvements it would need")
    willingness_to_pay: Decimal | None = Field(None, ge=0, le=Decimal("1e12"), description="Yuan")
    not_interested_reason: NotInterestedReason | None = Field(
        None, validate_default=True, description="Required when the intent is 'none'; only then"
    )

    @field_validator("not_interested_reason")
    @classmethod
    def _reason_with_none(cls, reason: NotInterestedReason | None, info: ValidationInfo) -> NotInterestedReason | None:
        intent = info.data.get("cooperation_intent")
        if intent is CooperationIntent.NONE and reason is None:
            raise ValueError("不合作时须说明原因 / a reason is required when the cooperation intent is 'none'")
        if intent is not None and intent is not CooperationIntent.NONE and reason is not None:
            raise ValueError("仅在不合作时填写原因 / a reason is given only when the cooperation intent is 'none'")
        return reason

    def answer(self) -> EnterpriseAnswer:
        """The answer as the domain takes it."""
        return EnterpriseAnswer(
            prospect=self.prospect,
            cooperation_intent=self.cooperation_intent,
            improvement_needs=self.improvement_needs,
            willingness_to_pay=self.willingness_to_pay,
            not_interested_reason=self.not_interested_reason,
        )


class AssignExpert(Closed):
    """Assign an expert of the library to review the patent."""

    expert_id: AccountId


class ExpertReviewCreate(Closed):
    """An assigned expert's review."""

    scores: dict[Annotated[str, StringConstraints(max_length=100)], float] = Field(
        max_length=100, description="Score 0-100 per scored indicator of the value tree"
    )
    opinion: str = Field(min_length=1, max_length=5000)


class OverseasFamilyCreate(Closed):
    """Whether granted family members exist abroad."""

    has_overseas_family: bool
    family_members: list[Annotated[str, StringConstraints(min_length=2, max_length=30)]] = Field(
        default_factory=list, max_length=100
    )


class AssessmentCreate(Closed):
    """A value assessment for one scenario."""

    scenario: EvaluationScenario


class BaseCreate(Closed):
    """File a navigation service base for an industry of the province."""

    name: str = Field(min_length=1, max_length=200)
    province: ProvinceCode
    industry: IndustryCode = Field(description="GB/T 4754 code of the industry it serves")
    sei_code: Annotated[str, StringConstraints(pattern=r"^\d{1,2}$")] | None = None
    host_name: str = Field(min_length=1, max_length=200)
    host_credit_code: CreditCode


class SelfEvaluationCreate(Closed):
    """The base's yearly self-evaluation."""

    year: int = Field(ge=2020, le=2100)
    summary: str = Field(min_length=1, max_length=10000)


class RatingCreate(Closed):
    """The yearly performance rating."""

    year: int = Field(ge=2020, le=2100)
    rating: BaseRating
    scores: dict[Annotated[str, StringConstraints(max_length=50)], float] = Field(max_length=20)


class ResultCreate(Closed):
    """A navigation report to publish to the industry's enterprises."""

    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1, max_length=10000)
