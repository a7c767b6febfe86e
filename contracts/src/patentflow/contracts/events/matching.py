"""Events of the matching service: demands (keyed by demand id, ``patentflow.matching.demands``) and the matches
between demands and pool patents (keyed by the patent's application number, ``patentflow.matching.matches``, so
everything matching says about one patent stays in order)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from patentflow.contracts import topics
from patentflow.contracts.envelope import TYPE_PREFIX, DomainEvent
from patentflow.contracts.events.common import ValueObject
from patentflow.contracts.events.matching_enums import (
    DemandEnding,
    IpcLevel,
    MatchTrigger,
    MatchWithdrawal,
    MaturityFit,
    RegionFit,
)
from patentflow.contracts.identifiers import ApplicationNumber, CreditCode, ProvinceCode

# --- demands -----------------------------------------------------------------------------------------------------


class DemandEvent(DomainEvent):
    """Base of the events of one demand, keyed by its id."""

    topic: ClassVar[topics.Topic] = topics.DEMANDS
    subject_field: ClassVar[str] = "demand_id"

    demand_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="The demand's id")


class DemandPublished(DemandEvent):
    """An enterprise published a technical demand (需求), or its provincial office did for it (seed 001 §二(二))."""

    event_type: ClassVar[str] = TYPE_PREFIX + "matching.DemandPublished.v1"

    enterprise: CreditCode = Field(description="The enterprise the demand is for")
    province: ProvinceCode = Field(description="The enterprise's province: pushes go through its platform")
    title: str = Field(min_length=1, max_length=200, description="The need in one line")
    description: str = Field(min_length=1, max_length=5000, description="The need in the enterprise's words")
    ipc_fields: tuple[str, ...] = Field((), description="Technical fields as IPC subclasses, main groups or symbols")
    industry_codes: tuple[str, ...] = Field((), description="GB/T 4754 codes of the industry it is for")
    products: tuple[str, ...] = Field((), description="Products the technology is wanted for")
    budget_min_yuan: Decimal | None = Field(None, ge=0, description="Lowest budget, yuan")
    budget_max_yuan: Decimal | None = Field(None, ge=0, description="Highest budget, yuan")
    trl_min: int | None = Field(None, ge=1, le=9, description="The least technology readiness level wanted")
    regions: tuple[ProvinceCode, ...] = Field((), description="Provinces whose patents it prefers; empty: any")
    deadline: date = Field(description="Last day it takes matches; the daily check expires it after")
    published_on: date = Field(description="Day of publication")
    published_by: str = Field(description="Subject of the publishing account")
    collected_by_office: bool = Field(False, description="Collected offline by the provincial office")


class DemandEnded(DemandEvent):
    """A demand closed, expired or was withdrawn; its open matches are withdrawn with it."""

    event_type: ClassVar[str] = TYPE_PREFIX + "matching.DemandEnded.v1"

    ending: DemandEnding = Field(description="How it ended")
    ended_on: date = Field(description="Day it ended")
    ended_by: str = Field(description="Subject of the account, or the service for an expiry")


# --- matches -----------------------------------------------------------------------------------------------------


class MatchReasons(ValueObject):
    """Why a patent matches a demand, for a person to read."""

    terms: tuple[str, ...] = Field(description="The demand's terms the patent holds, rarest first")
    ipc_level: IpcLevel | None = Field(description="The deepest IPC level shared; none: no field in common")
    ipc_shared: str | None = Field(description="The IPC key shared at that level, e.g. H01M4")
    industry: str | None = Field(description="A GB/T 4754 code of the demand the patent's industry falls in")
    maturity: MaturityFit = Field(description="The patent's TRL against the wanted one")
    region: RegionFit = Field(description="The patent's province against the preferred regions")


class MatchEvent(DomainEvent):
    """Base of the events of one patent's matches, keyed by its application number."""

    topic: ClassVar[topics.Topic] = topics.MATCHES
    subject_field: ClassVar[str] = "application_number"
    patents_field: ClassVar[str | None] = "application_number"

    application_number: ApplicationNumber
    demand_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="The demand matched")
    enterprise: CreditCode = Field(description="The enterprise whose demand it is")


class MatchFound(MatchEvent):
    """A pool patent matches an open demand, with its score and reasons."""

    event_type: ClassVar[str] = TYPE_PREFIX + "matching.MatchFound.v1"

    province: ProvinceCode = Field(description="The enterprise's province")
    score: float = Field(ge=0, le=1, description="The pair's score under the ranking version")
    reasons: MatchReasons = Field(description="Why it matches: terms, IPC level, industry, maturity, region")
    ranking_version: str = Field(description="Version of the ranking weights that scored it")
    trigger: MatchTrigger = Field(description="A new demand ranked against the pool, or a patent entering it")
    found_on: date = Field(description="Day it was found")


class MatchWithdrawn(MatchEvent):
    """An open match no longer stands: the patent left the pool or force, or the demand ended."""

    event_type: ClassVar[str] = TYPE_PREFIX + "matching.MatchWithdrawn.v1"

    reason: MatchWithdrawal = Field(description="Why")
    withdrawn_on: date = Field(description="Day it was withdrawn")
