"""Enumerations of matching (匹配推送): how a demand ends, why a match is withdrawn, IPC levels and fits."""

from __future__ import annotations

from enum import StrEnum


class DemandEnding(StrEnum):
    """How a demand stops taking matches."""

    CLOSED = "closed"  # the enterprise found what it needed, or stopped looking
    EXPIRED = "expired"  # its deadline passed (the daily check)
    WITHDRAWN = "withdrawn"  # taken back, by the enterprise or the office that published it


class MatchWithdrawal(StrEnum):
    """Why an open match is withdrawn."""

    LEFT_POOL = "left_pool"  # the institution took the patent out of the conversion pool
    NOT_IN_FORCE = "not_in_force"  # terminated, invalidated or expired
    TRANSFERRED = "transferred"  # transferred to someone else (from the transactions service, when it exists)
    DEMAND_ENDED = "demand_ended"  # the demand closed, expired or was withdrawn


class MatchTrigger(StrEnum):
    """What found a match."""

    NEW_DEMAND = "new_demand"  # a demand ranked against the whole pool
    POOLED = "pooled"  # a patent entering the pool matched against the open demands


class IpcLevel(StrEnum):
    """The deepest IPC level a demand's field and a patent share."""

    SUBGROUP = "subgroup"
    MAIN_GROUP = "main_group"
    SUBCLASS = "subclass"
    CLASS = "class"


class MaturityFit(StrEnum):
    """The patent's TRL against the wanted one."""

    FITS = "fits"
    BELOW = "below"
    UNKNOWN = "unknown"  # the patent has no TRL on record
    ANY = "any"  # the demand wants none in particular


class RegionFit(StrEnum):
    """The patent's province against the demand's preferred regions."""

    PREFERRED = "preferred"
    ELSEWHERE = "elsewhere"
    ANY = "any"  # no preference


class PushFrequency(StrEnum):
    """How often an enterprise takes a push batch."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class PushAnswer(StrEnum):
    """An enterprise's answer to a pushed or matched patent: the funnel's stages after the push."""

    VIEWED = "viewed"
    INTERESTED = "interested"  # opens a negotiation
    DECLINED = "declined"  # with a reason; the patent is never pushed to it again


class NegotiationOutcome(StrEnum):
    """How a negotiation ends."""

    DEAL = "deal"  # a transfer or licence follows (registered by the transactions service)
    ABANDONED = "abandoned"


class SessionOutcome(StrEnum):
    """What came of a patent presented at a matchmaking session."""

    PRESENTED = "presented"
    INTERESTED = "interested"
    SIGNED = "signed"  # an agreement signed at the session
