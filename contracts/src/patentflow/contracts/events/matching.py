"""Events of the matching service: demands (keyed by demand id, ``patentflow.matching.demands``); the matches, pushes,
answers and negotiations of pool patents (keyed by the patent's application number, ``patentflow.matching.matches``,
so everything matching says about one patent stays in order: the funnel); push batches for the provinces' platforms
(``patentflow.matching.push.<province>``, keyed by the enterprise); matchmaking sessions
(``patentflow.matching.sessions``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from patentflow.contracts import topics
from patentflow.contracts.envelope import TYPE_PREFIX, DomainEvent
from patentflow.contracts.events.common import ValueObject
from patentflow.contracts.events.evaluation_enums import NotInterestedReason
from patentflow.contracts.events.matching_enums import (
    DemandEnding,
    IpcLevel,
    MatchTrigger,
    MatchWithdrawal,
    MaturityFit,
    NegotiationOutcome,
    PushAnswer,
    RegionFit,
    SessionOutcome,
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
    effective_field: ClassVar[str | None] = "published_on"

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
    effective_field: ClassVar[str | None] = "ended_on"

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


class PatentMatchingEvent(DomainEvent):
    """Base of the events of one patent's matching, keyed by its application number: matches, pushes, answers."""

    topic: ClassVar[topics.Topic] = topics.MATCHES
    subject_field: ClassVar[str] = "application_number"
    patents_field: ClassVar[str | None] = "application_number"

    application_number: ApplicationNumber
    enterprise: CreditCode = Field(description="The enterprise concerned")


class MatchEvent(PatentMatchingEvent):
    """Base of a match's events: a patent and one enterprise's demand."""

    demand_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="The demand matched")


class MatchFound(MatchEvent):
    """A pool patent matches an open demand, with its score and reasons."""

    event_type: ClassVar[str] = TYPE_PREFIX + "matching.MatchFound.v1"
    effective_field: ClassVar[str | None] = "found_on"

    province: ProvinceCode = Field(description="The enterprise's province")
    score: float = Field(ge=0, le=1, description="The pair's score under the ranking version")
    reasons: MatchReasons = Field(description="Why it matches: terms, IPC level, industry, maturity, region")
    ranking_version: str = Field(description="Version of the ranking weights that scored it")
    trigger: MatchTrigger = Field(description="A new demand ranked against the pool, or a patent entering it")
    found_on: date = Field(description="Day it was found")


class MatchWithdrawn(MatchEvent):
    """An open match no longer stands: the patent left the pool or force, or the demand ended."""

    event_type: ClassVar[str] = TYPE_PREFIX + "matching.MatchWithdrawn.v1"
    effective_field: ClassVar[str | None] = "withdrawn_on"

    reason: MatchWithdrawal = Field(description="Why")
    withdrawn_on: date = Field(description="Day it was withdrawn")


class PatentPushed(PatentMatchingEvent):
    """A matched patent was pushed to an enterprise (in a batch: its inbox and its province's topic)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "matching.PatentPushed.v1"
    effective_field: ClassVar[str | None] = "pushed_on"

    province: ProvinceCode = Field(description="The enterprise's province")
    demand_id: str | None = Field(None, description="The demand it matched, if any")
    batch_id: str = Field(description="The push batch")
    pushed_on: date = Field(description="Day of the push")


class PushAnswered(PatentMatchingEvent):
    """The enterprise answered a pushed or matched patent: viewed, interested or declined with a reason."""

    event_type: ClassVar[str] = TYPE_PREFIX + "matching.PushAnswered.v1"
    effective_field: ClassVar[str | None] = "answered_on"

    province: ProvinceCode = Field(description="The enterprise's province")
    answer: PushAnswer = Field(description="The answer")
    declined_reason: NotInterestedReason | None = Field(None, description="Why, when declined")
    note: str | None = Field(None, max_length=2000, description="In the enterprise's words")
    answered_on: date = Field(description="Day of the answer")


class NegotiationOpened(PatentMatchingEvent):
    """An interest opened a negotiation between the enterprise and the patent's institution."""

    event_type: ClassVar[str] = TYPE_PREFIX + "matching.NegotiationOpened.v1"
    effective_field: ClassVar[str | None] = "opened_on"

    province: ProvinceCode = Field(description="The enterprise's province")
    opened_on: date = Field(description="Day it opened")


class NegotiationEnded(PatentMatchingEvent):
    """A negotiation ended in a deal (the transfer or licence the transactions service registers) or was abandoned."""

    event_type: ClassVar[str] = TYPE_PREFIX + "matching.NegotiationEnded.v1"
    effective_field: ClassVar[str | None] = "ended_on"

    province: ProvinceCode = Field(description="The enterprise's province")
    outcome: NegotiationOutcome = Field(description="How it ended")
    deal_reference: str | None = Field(None, max_length=100, description="The transfer or licence it led to")
    ended_on: date = Field(description="Day it ended")


# --- push batches for the provinces' platforms ------------------------------------------------------------------


class PushItem(ValueObject):
    """One patent of a push batch, as a provincial platform shows it."""

    application_number: ApplicationNumber
    title: str = Field(description="The patent's title")
    institution: CreditCode = Field(description="The institution that holds it")
    patent_province: ProvinceCode = Field(description="The institution's province")
    demand_id: str | None = Field(None, description="The enterprise's demand it matched")
    score: float = Field(ge=0, le=1, description="The match's score")
    reasons: MatchReasons = Field(description="Why it matches")


class PushBatchSent(DomainEvent):
    """A batch of matched pool patents pushed to one enterprise, on its province's push topic (按省份推送)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "matching.PushBatchSent.v1"
    effective_field: ClassVar[str | None] = "pushed_on"
    topic: ClassVar[topics.Topic] = topics.PROVINCE_PUSHES[topics.PROVINCE_CODES[0]]
    topic_family: ClassVar[tuple[topics.Topic, ...]] = tuple(topics.PROVINCE_PUSHES.values())
    subject_field: ClassVar[str] = "enterprise"

    enterprise: CreditCode = Field(description="The enterprise pushed to")
    province: ProvinceCode = Field(description="Its province: the topic it is published to")
    batch_id: str = Field(description="The batch's id")
    items: tuple[PushItem, ...] = Field(min_length=1, description="The patents pushed")
    pushed_on: date = Field(description="Day of the push")

    def destination(self) -> topics.Topic:
        """The push topic of the enterprise's province."""
        return topics.province_push(self.province)


# --- matchmaking sessions (路演, 一月一对接) ---------------------------------------------------------------------


class SessionResult(ValueObject):
    """What came of one patent at a session."""

    application_number: ApplicationNumber
    enterprise: CreditCode | None = Field(None, description="The enterprise concerned, if any")
    outcome: SessionOutcome = Field(description="Presented, interest shown, or an agreement signed")


class MatchmakingHeld(DomainEvent):
    """A matchmaking session was held (路演、对接会; seed 003: 一月一对接), with its participants and outcomes."""

    event_type: ClassVar[str] = TYPE_PREFIX + "matching.MatchmakingHeld.v1"
    effective_field: ClassVar[str | None] = "held_on"
    topic: ClassVar[topics.Topic] = topics.SESSIONS
    subject_field: ClassVar[str] = "session_id"
    patents_field: ClassVar[str | None] = "presented"

    session_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="The session's id")
    province: ProvinceCode = Field(description="The province whose office organised it")
    title: str = Field(min_length=1, max_length=200, description="e.g. 新能源产业专利转化路演")
    held_on: date = Field(description="Day it was held")
    participants: tuple[CreditCode, ...] = Field(description="Enterprises and institutions that took part")
    presented: tuple[ApplicationNumber, ...] = Field(min_length=1, description="The patents presented")
    results: tuple[SessionResult, ...] = Field((), description="What came of them")
    recorded_by: str = Field(description="Subject of the account that recorded it")
