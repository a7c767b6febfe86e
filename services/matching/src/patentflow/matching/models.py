"""Wire models of the matching API: what a client may send."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from patentflow.contracts.events.evaluation_enums import NotInterestedReason
from patentflow.contracts.events.matching_enums import NegotiationOutcome, PushAnswer, PushFrequency, SessionOutcome
from patentflow.contracts.identifiers import ApplicationNumber, CreditCode, ProvinceCode
from patentflow.contracts.industries import IndustryCode

IpcField = Annotated[  # a subclass (H01M), a main group (H01M 4) or a subgroup (H01M 4/525)
    str, StringConstraints(pattern=r"^[A-H]\d{2}[A-Z](\s?\d{1,4}(/\d{2,6})?)?$", strip_whitespace=True, to_upper=True)
]
Words = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class Closed(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DemandCreate(Closed):
    """A technical demand: what the enterprise needs, in its words, and the fields it is in."""

    enterprise: CreditCode = Field(description="The registered enterprise the demand is for")
    title: str = Field(min_length=1, max_length=200, description="The need in one line")
    description: str = Field(min_length=1, max_length=5000, description="The need in the enterprise's words")
    ipc_fields: list[IpcField] = Field([], max_length=20, description="IPC subclasses, main groups or symbols")
    industry_codes: list[IndustryCode] = Field([], max_length=20, description="GB/T 4754 codes")
    products: list[Words] = Field([], max_length=20, description="Products the technology is for")
    budget_min_yuan: Decimal | None = Field(None, ge=0, le=Decimal("1e12"), allow_inf_nan=False)
    budget_max_yuan: Decimal | None = Field(None, ge=0, le=Decimal("1e12"), allow_inf_nan=False)
    trl_min: int | None = Field(None, ge=1, le=9, description="The least technology readiness level wanted")
    regions: list[ProvinceCode] = Field([], max_length=34, description="Preferred provinces of the patents; none: any")
    deadline: date = Field(description="Last day it takes matches")


class DemandEnd(Closed):
    """End a demand by hand (expiry is the daily check's)."""

    ending: Literal["closed", "withdrawn"]


class Preferences(Closed):
    """What an enterprise is pushed, and how often."""

    ipc_fields: list[IpcField] = Field([], max_length=20, description="Only patents in these fields; none: any")
    regions: list[ProvinceCode] = Field([], max_length=34, description="Only patents of these provinces; none: any")
    frequency: PushFrequency = PushFrequency.WEEKLY
    max_per_push: int = Field(20, ge=1, le=100, description="Patents in one push at most")


class AnswerCreate(Closed):
    """An enterprise's answer to a patent pushed or matched to it."""

    enterprise: CreditCode
    answer: PushAnswer
    declined_reason: NotInterestedReason | None = Field(None, description="Required when declined")
    note: str | None = Field(None, max_length=2000)


class NegotiationEnd(Closed):
    """How a negotiation ended."""

    outcome: NegotiationOutcome
    deal_reference: str | None = Field(None, max_length=100, description="The transfer or licence it led to")


class SessionResultIn(Closed):
    """What came of one patent presented."""

    application_number: ApplicationNumber
    enterprise: CreditCode | None = None
    outcome: SessionOutcome


class SessionCreate(Closed):
    """A matchmaking session held (路演, 对接会)."""

    province: ProvinceCode
    title: str = Field(min_length=1, max_length=200)
    held_on: date
    participants: list[CreditCode] = Field([], max_length=500)
    presented: list[ApplicationNumber] = Field(min_length=1, max_length=200)
    results: list[SessionResultIn] = Field([], max_length=500)
