"""What the query engine keeps of each event: a row of the timeline with the facts the event states; no I/O.

Every event the engine reads becomes one row per patent it is about (or one row for an institution's event). A row
carries the event's identity (id, topic, partition, offset, sequence), who and when, its *effective* day (the day
the fact holds from: a legal-status change back-dated by the register belongs to that day, not to the day it was
recorded) and the typed facts the event states, each column left empty when the event says nothing of it.

The current state of a patent is then, column by column, the value of the latest row that states it, "latest" by
``ord`` = (time, sequence): the order the facts were recorded in. That rule needs no order of delivery and makes a
repeated row harmless; the state on a past day D is the same rule over the rows effective on or before D (see
``engine.py``).

The mapping of each event type to its facts is the ``FACTS`` table; a later service adds its topics and mappings
there (or ignores its events: they still reach the timeline when they declare ``patents_field``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from patentflow.contracts import topics
from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events import (
    EVENT_TYPES,
    EnteredConversionPool,
    InstitutionRegistered,
    InventorAdded,
    InventoryApprovedBySchool,
    InventoryRecordFilled,
    InventoryReturned,
    InventorySubmitted,
    LegalStatusChanged,
    NonUseJustificationRecorded,
    PatentRecordCorrected,
    PatentRecorded,
    SchoolAdded,
    StateFundedNonUseCleared,
    StateFundedNonUseFlagged,
    WithdrawnFromPool,
)
from patentflow.contracts.events.evaluation import (
    EnterpriseEvaluationSubmitted,
    EvaluationAssigned,
    EvaluationFeedbackIssued,
    ExpertAssigned,
    ExpertReviewSubmitted,
    GradeChanged,
    HighValueFlagsChanged,
    OverseasFamilyRecorded,
    ValueAssessed,
)
from patentflow.contracts.events.inventory_enums import ReviewState
from patentflow.contracts.events.matching import (
    MatchFound,
    MatchmakingHeld,
    MatchWithdrawn,
    NegotiationEnded,
    NegotiationOpened,
    PatentPushed,
    PushAnswered,
)
from patentflow.kit.cloudevents import EventMeta, ReceivedEvent
from patentflow.kit.decisions import Document
from patentflow.kit.eventmap import EventMap

# (column, DuckDB type). Facts of a patent; each has a twin ``<column>_k`` in the current table: the ord it is from.
PATENT_FACTS: tuple[tuple[str, str], ...] = (
    ("application_number", "VARCHAR"),
    ("institution", "VARCHAR"),
    ("province", "VARCHAR"),
    ("patent_type", "VARCHAR"),
    ("title", "VARCHAR"),
    ("ipc_main", "VARCHAR"),
    ("ipc_class", "VARCHAR"),
    ("filing_date", "DATE"),
    ("grant_date", "DATE"),
    ("state_funded", "BOOLEAN"),
    ("school", "VARCHAR"),
    ("inventor_ids", "VARCHAR[]"),
    ("recorded_at", "TIMESTAMP"),
    ("legal_status", "VARCHAR"),
    ("expiry_date", "DATE"),
    ("review_state", "VARCHAR"),
    ("inventoried", "BOOLEAN"),
    ("trl", "TINYINT"),
    ("self_grade", "TINYINT"),
    ("intents", "VARCHAR[]"),
    ("industry_codes", "VARCHAR[]"),
    ("implementation", "VARCHAR"),
    ("non_use_flagged", "BOOLEAN"),
    ("enterprise_evaluated", "BOOLEAN"),  # an enterprise evaluated it (evaluation coverage)
    ("expert_reviewed", "BOOLEAN"),  # an expert reviewed it
    ("grade", "TINYINT"),  # tier 1 (best) to 5
    ("high_value", "BOOLEAN"),
    ("hv_flags", "VARCHAR[]"),  # the high-value categories that hold
)
# Facts of an institution (the registry): few rows, derived whole when one changes.
INSTITUTION_FACTS: tuple[tuple[str, str], ...] = (
    ("inst_name", "VARCHAR"),
    ("inst_kind", "VARCHAR"),
    ("inst_province", "VARCHAR"),
    ("inst_ministry", "VARCHAR"),  # '' for a local institution: an empty column means "not stated"
    ("inst_pilot", "BOOLEAN"),
    ("inst_demonstration", "BOOLEAN"),
)
# Facts of one row only, never folded into the current tables: who answered what. Views count each party's latest
# answer per patent from the rows (an enterprise's amended evaluation counts once, by its latest revision).
PARTY_FACTS: tuple[tuple[str, str], ...] = (
    ("ev_enterprise", "VARCHAR"),
    ("ev_prospect", "TINYINT"),
    ("ev_intent", "VARCHAR"),
    ("mt_demand", "VARCHAR"),  # a match with this demand …
    ("mt_open", "BOOLEAN"),  # … found (true) or withdrawn (false)
    ("fn_enterprise", "VARCHAR"),  # the funnel: an enterprise …
    ("fn_province", "VARCHAR"),  # … of this province …
    ("fn_stage", "VARCHAR"),  # … reached this stage with the patent: pushed, viewed, interested, declined,
    ("fn_reason", "VARCHAR"),  # negotiation, deal, abandoned (a decline with its reason)
)
FACT_COLUMNS: tuple[tuple[str, str], ...] = PATENT_FACTS + INSTITUTION_FACTS + PARTY_FACTS
_FACT_NAMES = frozenset(name for name, _ in FACT_COLUMNS)

# The row's own columns, before the facts.
EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "VARCHAR"),
    ("pid", "BIGINT"),  # the patent as a number (see pid_of); 0 for an institution's event
    ("subject", "VARCHAR"),
    ("topic", "VARCHAR"),
    ("part", "INTEGER"),
    ("off", "BIGINT"),
    ("type", "VARCHAR"),
    ("name", "VARCHAR"),
    ("source", "VARCHAR"),
    ("seq", "BIGINT"),
    ("time", "TIMESTAMP"),
    ("effective", "DATE"),
    ("ord", "BIGINT"),
    ("actor", "VARCHAR"),
    ("data", "VARCHAR"),
    ("encumbrance", "VARCHAR"),
    ("encumbered", "BOOLEAN"),
    ("holder", "VARCHAR"),
)
ROW_COLUMNS: tuple[tuple[str, str], ...] = EVENT_COLUMNS + FACT_COLUMNS


def timeline_topics() -> tuple[topics.Topic, ...]:
    """The inventory's topics, then every topic an event type declares patents (or an encumbrance) on.

    A later service's events reach the engine by their declarations alone; the platform contract test then asks for
    each event of the new topic to be mapped here or ignored (an ignored event still reaches the timeline).
    """
    declared = {kind.topic.name: kind.topic for kind in EVENT_TYPES.values() if kind.patents_field or kind.encumbrance}
    own = (topics.PATENTS, topics.INSTITUTIONS)
    return own + tuple(declared[name] for name in sorted(declared) if name not in {t.name for t in own})


FACTS = EventMap(
    "engine",
    timeline_topics(),
    "The query engine behind listings and monitoring views: the timeline of every patent and its facts.",
)
# On the timeline; no view counts them (assignments and expert assignments carry their own encumbrance declaration).
FACTS.ignore(EvaluationAssigned, ExpertAssigned, EvaluationFeedbackIssued, ValueAssessed, OverseasFamilyRecorded)
FACTS.ignore(SchoolAdded, InventorAdded)  # no view counts schools or inventor accounts yet
FACTS.ignore(NonUseJustificationRecorded)  # on the timeline; the flag it clears arrives as StateFundedNonUseCleared
FACTS.ignore(MatchmakingHeld)  # on the timeline of every patent presented; no view counts sessions yet

EFFECTIVE = "effective"  # a mapping's key for the day its facts hold from, overriding the event's own declaration


@FACTS.on(PatentRecorded)
def recorded(event: PatentRecorded, meta: EventMeta) -> Document:
    """The master record, with the legal status it was recorded with; a new record is a draft, not inventoried."""
    return {
        "application_number": event.application_number,
        "institution": event.owner.credit_code,
        "province": event.owner.province,
        "patent_type": event.patent_type.value,
        "title": event.title,
        "ipc_main": event.ipc_main,
        "ipc_class": ipc_class(event.ipc_main),
        "filing_date": event.filing_date,
        "grant_date": event.grant_date,
        "state_funded": event.state_funded,
        "school": event.school_id,
        "inventor_ids": list(event.inventor_ids),
        "recorded_at": meta.time,
        "legal_status": event.legal_status.value,
        "expiry_date": event.expiry_date,
        "review_state": ReviewState.DRAFT.value,
        "inventoried": False,
        "non_use_flagged": False,
    }


@FACTS.on(PatentRecordCorrected)
def corrected(event: PatentRecordCorrected, meta: EventMeta) -> Document:
    """The corrected title and IPC (the views read no other corrected field)."""
    facts: Document = {}
    if "title" in event.corrected and event.title is not None:
        facts["title"] = event.title
    if "ipc_main" in event.corrected and event.ipc_main is not None:
        facts["ipc_main"] = event.ipc_main
        facts["ipc_class"] = ipc_class(event.ipc_main)
    return facts


@FACTS.on(InventoryRecordFilled)
def filled(event: InventoryRecordFilled, meta: EventMeta) -> Document:
    """The inventory record: the patent counts as inventoried from this day."""
    return {
        "inventoried": True,
        "trl": event.trl,
        "self_grade": event.self_grade,
        "intents": [i.value for i in event.conversion_intents],
        "industry_codes": list(event.industry_codes),
        "implementation": event.implementation_status.value,
    }


_REVIEW: dict[type[DomainEvent], ReviewState] = {
    InventorySubmitted: ReviewState.SUBMITTED,
    InventoryApprovedBySchool: ReviewState.SCHOOL_APPROVED,
    EnteredConversionPool: ReviewState.POOLED,
    InventoryReturned: ReviewState.RETURNED,
    WithdrawnFromPool: ReviewState.WITHDRAWN,
}


@FACTS.on(*_REVIEW)
def reviewed(
    event: InventorySubmitted
    | InventoryApprovedBySchool
    | EnteredConversionPool
    | InventoryReturned
    | WithdrawnFromPool,
    meta: EventMeta,
) -> Document:
    """A review step: the state it leads to."""
    return {"review_state": _REVIEW[type(event)].value}


@FACTS.on(LegalStatusChanged)
def legal_status(event: LegalStatusChanged, meta: EventMeta) -> Document:
    """The new legal status (from the day the register says it holds: the event's declared ``effective_field``)."""
    return {"legal_status": event.status.value}


@FACTS.on(StateFundedNonUseFlagged)
def flagged(event: StateFundedNonUseFlagged, meta: EventMeta) -> Document:
    """On the five-year watchlist from the day the rule was evaluated."""
    return {"non_use_flagged": True}


@FACTS.on(StateFundedNonUseCleared)
def cleared(event: StateFundedNonUseCleared, meta: EventMeta) -> Document:
    """Off the watchlist from the day the rule was evaluated."""
    return {"non_use_flagged": False}


@FACTS.on(InstitutionRegistered)
def institution(event: InstitutionRegistered, meta: EventMeta) -> Document:
    """The registry's facts the views filter by: kind, province, ministry, pilot or demonstration."""
    return {
        "inst_name": event.name,
        "inst_kind": event.kind.value,
        "inst_province": event.province,
        "inst_ministry": event.ministry or "",
        "inst_pilot": event.pilot,
        "inst_demonstration": event.demonstration,
    }


@FACTS.on(EnterpriseEvaluationSubmitted)
def enterprise_evaluated(event: EnterpriseEvaluationSubmitted, meta: EventMeta) -> Document:
    """Evaluated by an enterprise; the row keeps who answered what (never shown to another enterprise)."""
    return {
        "enterprise_evaluated": True,
        "ev_enterprise": event.enterprise,
        "ev_prospect": int(event.prospect),
        "ev_intent": event.cooperation_intent.value,
    }


@FACTS.on(ExpertReviewSubmitted)
def expert_reviewed(event: ExpertReviewSubmitted, meta: EventMeta) -> Document:
    """Reviewed by an expert."""
    return {"expert_reviewed": True}


@FACTS.on(GradeChanged)
def graded(event: GradeChanged, meta: EventMeta) -> Document:
    """The grade now."""
    return {"grade": event.new_grade}


@FACTS.on(HighValueFlagsChanged)
def high_value(event: HighValueFlagsChanged, meta: EventMeta) -> Document:
    """High-value or not, and by which categories."""
    return {"high_value": event.high_value, "hv_flags": sorted(c.value for c, holds in event.flags.items() if holds)}


@FACTS.on(MatchFound, MatchWithdrawn)
def matched(event: MatchFound | MatchWithdrawn, meta: EventMeta) -> Document:
    """A match with a demand, open or withdrawn (views count each pair by its latest row)."""
    return {"mt_demand": event.demand_id, "mt_open": isinstance(event, MatchFound)}


@FACTS.on(PatentPushed, PushAnswered, NegotiationOpened, NegotiationEnded)
def funnel(event: PatentPushed | PushAnswered | NegotiationOpened | NegotiationEnded, meta: EventMeta) -> Document:
    """A stage of the funnel an enterprise reached with the patent."""
    if isinstance(event, PatentPushed):
        stage, reason = "pushed", None
    elif isinstance(event, PushAnswered):
        stage, reason = event.answer.value, event.declined_reason.value if event.declined_reason else None
    elif isinstance(event, NegotiationOpened):
        stage, reason = "negotiation", None
    else:
        stage, reason = event.outcome.value, None
    return {"fn_enterprise": event.enterprise, "fn_province": event.province, "fn_stage": stage, "fn_reason": reason}


def ipc_class(symbol: str) -> str:
    """The IPC subclass of a symbol ("H01M 4/525" -> "H01M"), the level the industry tables map."""
    return symbol.replace(" ", "")[:4].upper()


def pid_of(application_number: str) -> int:
    """A normalised application number as a unique integer: its digits, then the check digit (X = 10).

    The engine joins and looks up patents by this number; integers are several times faster than text there.
    """
    body, _, check = application_number.partition(".")
    return int(body) * 11 + (10 if check == "X" else int(check or 0))


_EPOCH_2000_MS = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp() * 1000)


def ord_of(time: datetime, sequence: int) -> int:
    """The order in which facts supersede each other: the order they were recorded in (time, then sequence).

    41 bits of milliseconds since 2000 (to 2069) and 6 bits of sequence as a tie-break within a millisecond, in one
    BIGINT: DuckDB's arg_max is several times faster on an integer than on a struct. Time orders one aggregate's
    facts as its sequence does, because the kit stamps an aggregate's events later than its last write whatever the
    writing instance's clock says (``AggregateStore._after``); across services time is all there is. The effective day does not
    order facts, it says from when they hold: a status recorded today as holding since last month supersedes what
    was known before, and a view "as of D" leaves out every fact that holds only after D.
    """
    millis = max(int(time.timestamp() * 1000) - _EPOCH_2000_MS, 0)
    return (millis << 6) | (sequence & 63)


@dataclass(frozen=True, slots=True)
class Position:
    """Where a row was read: its topic, partition and offset."""

    topic: str
    partition: int
    offset: int


def rows_of(event: ReceivedEvent) -> list[dict[str, Any]]:
    """The engine rows of one event: one per patent it is about, or one for an institution's event.

    Raises :class:`~patentflow.kit.eventmap.UnlistedEvent` for a known type the FACTS table forgot, and pydantic's
    ValidationError for a payload that does not validate (the consumer retries, then dead-letters it).
    """
    kind = EVENT_TYPES.get(event.meta.type)
    meta = event.meta
    facts: Document = FACTS.update_for(event) if kind is not None and kind.topic in FACTS.topics else {}
    effective: date = facts.pop(EFFECTIVE, None) or _declared_day(kind, event) or meta.time.astimezone(UTC).date()
    unknown = set(facts) - _FACT_NAMES
    if unknown:
        raise ValueError(f"FACTS mapping of {meta.type} states unknown columns {sorted(unknown)}")
    base: dict[str, Any] = {
        "id": meta.id,
        "subject": meta.subject,
        "topic": event.topic,
        "part": event.partition,
        "off": event.offset,
        "type": meta.type,
        "name": kind.__name__ if kind is not None else meta.type.rsplit(".", 2)[-2],
        "source": meta.source,
        "seq": meta.sequence,
        "time": meta.time.astimezone(UTC).replace(tzinfo=None),
        "effective": effective,
        "ord": ord_of(meta.time, meta.sequence),
        "actor": _actor(event.data),
        # The payload as it was read (its data is that JSON decoded): encoding it again took a tenth of the engine's
        # consumer. An event made in memory, not read, carries no bytes; its data is encoded then.
        "data": event.raw_value.decode()
        if event.raw_value
        else json.dumps(event.data, ensure_ascii=False, separators=(",", ":")),
        "encumbrance": None,
        "encumbered": None,
        "holder": None,
        **{k: (v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) else v) for k, v in facts.items()},
    }
    if kind is not None and kind.encumbrance is not None:
        base["encumbrance"], base["encumbered"] = kind.encumbrance
        if kind.holder_field is not None:
            holder = event.data.get(kind.holder_field)
            base["holder"] = None if holder is None else str(holder)
    if kind is not None and kind.topic is topics.INSTITUTIONS:
        return [{**base, "pid": 0}]
    numbers = _patents_of(kind, event)
    return [{**base, "pid": pid_of(n)} for n in numbers]


def _patents_of(kind: Any, event: ReceivedEvent) -> tuple[str, ...]:
    if kind is None:
        return (event.meta.subject,) if event.topic == topics.PATENTS.name else ()
    if kind.patents_field is None:
        return (event.meta.subject,) if kind.topic is topics.PATENTS else ()
    value = event.data.get(kind.patents_field)
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else (str(value),)


def _declared_day(kind: Any, event: ReceivedEvent) -> date | None:
    # The event type's own declaration of the day its facts hold from (``effective_field``), read off the payload.
    name = getattr(kind, "effective_field", None)
    value = event.data.get(name) if name else None
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10]) if isinstance(value, str) else None


def _actor(data: dict[str, Any]) -> str | None:
    # Every command's event names the account it came from in a field ending in "_by" (recorded_by, filled_by …).
    for name, value in data.items():
        if name.endswith("_by") and isinstance(value, str):
            return value
    return None
