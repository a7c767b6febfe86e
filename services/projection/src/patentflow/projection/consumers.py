"""What the projection makes of each event: the integrated patent view's mappings, and the table of its consumer.

A mapping is pure: event in, change to the patent's document out. The one consumer is the query engine's
(``facts.FACTS``); the patent view's document is folded from the engine's rows of the patent's events when it is
read (``patents.py``). Every event type of those topics is mapped or ignored by both tables (a test fails otherwise).
"""

from __future__ import annotations

from patentflow.contracts import topics
from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events import (
    EnteredConversionPool,
    InventoryApprovedBySchool,
    InventoryRecordFilled,
    InventoryReturned,
    InventorySubmitted,
    LegalStatusChanged,
    NonUseJustificationRecorded,
    PatentRecordCorrected,
    PatentRecorded,
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
    MatchWithdrawn,
    NegotiationEnded,
    NegotiationOpened,
    PatentPushed,
    PushAnswered,
)
from patentflow.kit.cloudevents import EventMeta
from patentflow.kit.decisions import Document
from patentflow.kit.eventmap import EventMap
from patentflow.projection.facts import FACTS

PATENTS = EventMap(
    "patents",
    (topics.PATENTS, topics.EVALUATIONS, topics.MATCHES),
    "The integrated patent view, one document per patent, folded on read from the query engine's rows.",
)
PATENTS.ignore(NonUseJustificationRecorded)  # the flag it clears arrives as StateFundedNonUseCleared
# The view shows counts of answers, the grade and the flags; assignments, feedback and assessments are the timeline's.
PATENTS.ignore(EvaluationAssigned, ExpertAssigned, EvaluationFeedbackIssued, ValueAssessed, OverseasFamilyRecorded)


@PATENTS.on(PatentRecorded)
def recorded(event: PatentRecorded, meta: EventMeta) -> Document:
    """A new patent, with the legal status and expiry inventory recorded it with (an old one may be expired)."""
    patent = event.model_dump(mode="json", exclude={"legal_status", "expiry_date", "recorded_on"})
    expiry = event.expiry_date.isoformat() if event.expiry_date else None
    return {
        "$set": {
            "patent": patent,
            "institution": event.owner.credit_code,
            "province": event.owner.province,
            "recorded_at": meta.time,
            "updated_at": meta.time,
            "review_state": ReviewState.DRAFT.value,
            "legal_status": event.legal_status.value,
            "expiry_date": expiry,
            "non_use_flagged": False,
        }
    }


@PATENTS.on(PatentRecordCorrected)
def corrected(event: PatentRecordCorrected, meta: EventMeta) -> Document:
    """The corrected fields only."""
    values = event.model_dump(mode="json")
    return {"$set": {**{f"patent.{name}": values[name] for name in event.corrected}, "updated_at": meta.time}}


@PATENTS.on(InventoryRecordFilled)
def filled(event: InventoryRecordFilled, meta: EventMeta) -> Document:
    """The inventory record, replaced whole."""
    return {
        "$set": {"inventory": event.model_dump(mode="json", exclude={"application_number"}), "updated_at": meta.time}
    }


_REVIEW: dict[type[DomainEvent], ReviewState] = {
    InventorySubmitted: ReviewState.SUBMITTED,
    InventoryApprovedBySchool: ReviewState.SCHOOL_APPROVED,
    EnteredConversionPool: ReviewState.POOLED,
    InventoryReturned: ReviewState.RETURNED,
    WithdrawnFromPool: ReviewState.WITHDRAWN,
}


@PATENTS.on(*_REVIEW)
def reviewed(
    event: InventorySubmitted
    | InventoryApprovedBySchool
    | EnteredConversionPool
    | InventoryReturned
    | WithdrawnFromPool,
    meta: EventMeta,
) -> Document:
    """A step of the review: the state it leads to."""
    return {"$set": {"review_state": _REVIEW[type(event)].value, "updated_at": meta.time}}


@PATENTS.on(LegalStatusChanged)
def legal_status(event: LegalStatusChanged, meta: EventMeta) -> Document:
    """The new legal status."""
    return {"$set": {"legal_status": event.status.value, "updated_at": meta.time}}


@PATENTS.on(StateFundedNonUseFlagged, StateFundedNonUseCleared)
def five_year_flag(event: StateFundedNonUseFlagged | StateFundedNonUseCleared, meta: EventMeta) -> Document:
    """The five-year flag of a state-funded patent, raised or cleared."""
    return {"$set": {"non_use_flagged": isinstance(event, StateFundedNonUseFlagged), "updated_at": meta.time}}


@PATENTS.on(EnterpriseEvaluationSubmitted)
def enterprise_evaluation(event: EnterpriseEvaluationSubmitted, meta: EventMeta) -> Document:
    """The enterprise's latest answer, under its credit code (letters and digits: a safe key). The read API shows
    counts only, never one enterprise's answer."""
    answer = {"prospect": int(event.prospect), "intent": event.cooperation_intent.value}
    return {"$set": {f"evaluation.enterprises.{event.enterprise}": answer, "updated_at": meta.time}}


@PATENTS.on(ExpertReviewSubmitted)
def expert_review(event: ExpertReviewSubmitted, meta: EventMeta) -> Document:
    """The experts who reviewed it (an id may hold a dot: kept as a value, not a key)."""
    return {"$addToSet": {"evaluation.experts": event.expert_id}, "$set": {"updated_at": meta.time}}


@PATENTS.on(GradeChanged)
def grade(event: GradeChanged, meta: EventMeta) -> Document:
    """The grade now."""
    return {"$set": {"evaluation.grade": event.new_grade, "updated_at": meta.time}}


@PATENTS.on(HighValueFlagsChanged)
def high_value(event: HighValueFlagsChanged, meta: EventMeta) -> Document:
    """High-value or not, by which categories."""
    holds = sorted(c.value for c, on in event.flags.items() if on)
    return {"$set": {"evaluation.high_value": event.high_value, "evaluation.hv_flags": holds, "updated_at": meta.time}}


# Negotiations are the funnel's (the query engine) and the timeline's; the view counts pushes and answers.
PATENTS.ignore(NegotiationOpened, NegotiationEnded)


@PATENTS.on(PatentPushed)
def pushed(event: PatentPushed, meta: EventMeta) -> Document:
    """Pushed to an enterprise (its credit code: letters and digits, a safe key)."""
    return {"$set": {f"matching.pushed.{event.enterprise}": event.pushed_on.isoformat(), "updated_at": meta.time}}


@PATENTS.on(PushAnswered)
def answered(event: PushAnswered, meta: EventMeta) -> Document:
    """The enterprise's latest answer; the read API shows counts only."""
    return {"$set": {f"matching.answers.{event.enterprise}": event.answer.value, "updated_at": meta.time}}


@PATENTS.on(MatchFound)
def match_found(event: MatchFound, meta: EventMeta) -> Document:
    """An open match with a demand (its id is hex: a safe key), with its score."""
    return {"$set": {f"matching.open.{event.demand_id}": event.score, "updated_at": meta.time}}


@PATENTS.on(MatchWithdrawn)
def match_withdrawn(event: MatchWithdrawn, meta: EventMeta) -> Document:
    """The match no longer stands."""
    return {"$unset": {f"matching.open.{event.demand_id}": ""}, "$set": {"updated_at": meta.time}}


TABLES: tuple[EventMap, ...] = (FACTS,)  # the one consumer: the query engine's rows (facts.py)
