"""Rules of one pool patent's evaluation: assignments, enterprise and expert evaluations, feedback, value, grade and
high-value flags; no I/O.

The aggregate (``_id`` the application number) holds::

    {assigned: [{enterprise, province, by}], enterprise_evaluations: [{enterprise, revision, ...}],   # every revision
     experts: [{expert_id, by}], expert_reviews: [{expert_id, revision, tree_version, scores: [{indicator, score}], opinion}],
     overseas_family: bool | None, assessment: {...} | None, grade: int | None, flags: {...} | None}

The facts of the patent itself (pool, legal status, term, TRL, owner) come from the replica of the inventory's
events (``consumers.py``), passed in as :class:`PatentFacts`. Every change of evidence ends in :func:`_revalued`:
the grading scenario's assessment, and a ``GradeChanged`` or ``HighValueFlagsChanged`` only when they change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events.evaluation import (
    EnterpriseEvaluationSubmitted,
    EvaluationAssigned,
    EvaluationFeedbackIssued,
    ExpertAssigned,
    ExpertReviewSubmitted,
    GradeChanged,
    HighValueFlagsChanged,
    IndicatorScore,
    OverseasFamilyRecorded,
    ValueAssessed,
)
from patentflow.contracts.events.evaluation_enums import (
    CooperationIntent,
    EvaluationScenario,
    EvidenceKind,
    NotInterestedReason,
    Prospect,
)
from patentflow.contracts.events.inventory_enums import LegalStatus
from patentflow.contracts.reasons import ReasonCode
from patentflow.evaluation.highvalue import HighValueRules, flags_of
from patentflow.evaluation.scoring import ValueTree, composite, grade_of
from patentflow.kit.decisions import Aggregate, Decision, Document
from patentflow.kit.errors import InvalidInput, RuleViolation

EMPTY: Document = {
    "assigned": [],
    "enterprise_evaluations": [],
    "experts": [],
    "expert_reviews": [],
    "overseas_family": None,
    "assessment": None,
    "grade": None,
    "flags": None,
}
_STATUS_SCORE = {LegalStatus.VALID.value: 100.0, LegalStatus.GRACE_PERIOD.value: 70.0,
                 LegalStatus.INVALIDATION_PENDING.value: 50.0, LegalStatus.SUSPENDED.value: 50.0}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PatentFacts:
    """What the replica knows of the patent."""

    number: str
    institution: str
    province: str
    in_pool: bool
    patent_type: str | None = None
    ipc_main: str | None = None
    filing_date: date | None = None
    expiry_date: date | None = None
    legal_status: str | None = None
    co_owned: bool = False
    trl: int | None = None
    pledged_yuan: Decimal | None = None  # from the pledge service's events, once it publishes them

    @classmethod
    def from_replica(cls, doc: Mapping[str, Any]) -> PatentFacts:
        """The facts from a replica document."""

        def day(value: Any) -> date | None:
            return date.fromisoformat(value) if isinstance(value, str) else None

        return cls(
            number=str(doc["_id"]),
            institution=str(doc.get("institution", "")),
            province=str(doc.get("province", "")),
            in_pool=bool(doc.get("in_pool")),
            patent_type=doc.get("patent_type"),
            ipc_main=doc.get("ipc_main"),
            filing_date=day(doc.get("filing_date")),
            expiry_date=day(doc.get("expiry_date")),
            legal_status=doc.get("legal_status"),
            co_owned=bool(doc.get("co_owned")),
            trl=doc.get("trl"),
        )


@dataclass(frozen=True, slots=True)
class Valuation:
    """The loaded reference data and the day: what every decision that revalues a patent needs."""

    tree: ValueTree
    boundaries: Sequence[float]
    rules: HighValueRules
    today: date


def state_of(current: Aggregate | None) -> Document:
    """The stored state, or that of a patent nobody evaluated yet."""
    return {**EMPTY, **(current.state if current is not None else {})}


def _answer(number: str, state: Document) -> Document:
    return {"application_number": number, "grade": state["grade"], "flags": state["flags"]}


def _in_pool(facts: PatentFacts | None, number: str) -> PatentFacts:
    if facts is None or not facts.in_pool:
        raise RuleViolation(ReasonCode.NOT_IN_POOL, application_number=number)
    return facts


# --- evidence -----------------------------------------------------------------------------------------------------


def latest_enterprise_evaluations(state: Document) -> dict[str, Document]:
    """Each enterprise's latest evaluation."""
    latest: dict[str, Document] = {}
    for entry in state["enterprise_evaluations"]:
        if entry["revision"] >= latest.get(entry["enterprise"], {"revision": 0})["revision"]:
            latest[entry["enterprise"]] = entry
    return latest


def latest_expert_reviews(state: Document) -> dict[str, Document]:
    """Each expert's latest review, its scores by indicator."""
    latest: dict[str, Document] = {}
    for entry in state["expert_reviews"]:
        if entry["revision"] >= latest.get(entry["expert_id"], {"revision": 0})["revision"]:
            latest[entry["expert_id"]] = review_read(entry)
    return latest


def review_read(entry: Document) -> Document:
    """A stored review with its scores as a mapping again. They are stored as {indicator, score} items: indicator
    ids hold dots ("legal.stability"), which no stored field name may (FerretDB refuses them)."""
    scores = entry["scores"]
    return {**entry, "scores": {s["indicator"]: s["score"] for s in scores} if isinstance(scores, list) else scores}


def indicator_scores(state: Document, facts: PatentFacts, tree: ValueTree, today: date) -> list[IndicatorScore]:
    """Every indicator the evidence gives a score for, with where it came from."""
    out: list[IndicatorScore] = []

    def add(indicator: str, score: float, evidence: EvidenceKind, source: str) -> None:
        if indicator in tree.ids:
            out.append(IndicatorScore(indicator=indicator, score=round(min(max(score, 0.0), 100.0), 4),
                                      evidence=evidence, source=source))  # fmt: skip

    if facts.expiry_date is not None and facts.filing_date is not None and facts.expiry_date > facts.filing_date:
        term = (facts.expiry_date - facts.filing_date).days
        left = (facts.expiry_date - today).days
        add("legal.remaining_term", 100.0 * left / term, EvidenceKind.COMPUTED, "PatentRecorded.expiry_date")
    if facts.legal_status is not None:
        add("legal.status", _STATUS_SCORE.get(facts.legal_status, 0.0), EvidenceKind.COMPUTED, "legal status")
    add("legal.sole_ownership", 60.0 if facts.co_owned else 100.0, EvidenceKind.COMPUTED, "PatentRecorded.co_owners")
    if state["overseas_family"] is not None:
        add("legal.overseas_family", 100.0 if state["overseas_family"] else 0.0, EvidenceKind.COMPUTED,
            "OverseasFamilyRecorded")  # fmt: skip
    if facts.trl is not None:
        add("technical.maturity", 100.0 * (facts.trl - 1) / 8, EvidenceKind.COMPUTED, "InventoryRecordFilled.trl")
    evaluations = list(latest_enterprise_evaluations(state).values())
    if evaluations:
        prospects = [int(e["prospect"]) for e in evaluations]
        add("economic.market_prospect", 100.0 * (sum(prospects) / len(prospects) - 1) / 4, EvidenceKind.ENTERPRISE,
            f"EnterpriseEvaluationSubmitted x{len(evaluations)}")  # fmt: skip
        interested = sum(1 for e in evaluations if e["cooperation_intent"] != CooperationIntent.NONE.value)
        add("economic.cooperation_interest", 100.0 * interested / len(evaluations), EvidenceKind.ENTERPRISE,
            f"EnterpriseEvaluationSubmitted x{len(evaluations)}")  # fmt: skip
    reviews = list(latest_expert_reviews(state).values())
    for indicator in sorted(tree.scored):
        given = [float(r["scores"][indicator]) for r in reviews if indicator in r["scores"]]
        if given:
            add(indicator, sum(given) / len(given), EvidenceKind.EXPERT, f"ExpertReviewSubmitted x{len(given)}")
    return out


def assessment(
    state: Document, facts: PatentFacts, valuation: Valuation, scenario: EvaluationScenario, *, by: str
) -> ValueAssessed:
    """The value assessment of one scenario from the evidence as it stands."""
    scores = indicator_scores(state, facts, valuation.tree, valuation.today)
    result = composite(valuation.tree, scenario, {s.indicator: s.score for s in scores})
    return ValueAssessed(
        application_number=facts.number,
        scenario=scenario,
        tree_version=valuation.tree.version,
        scores=tuple(scores),
        legal=result.legal,
        technical=result.technical,
        economic=result.economic,
        composite=result.composite,
        assessed_by=by,
    )


def _revalued(
    state: Document, facts: PatentFacts, valuation: Valuation, *, reason: str, by: str
) -> tuple[Document, list[DomainEvent]]:
    """The grading assessment, grade and flags after new evidence; events only for what changed."""
    events: list[DomainEvent] = []
    assessed = assessment(state, facts, valuation, valuation.tree.grading_scenario, by=by)
    summary = {"scenario": assessed.scenario.value, "tree_version": assessed.tree_version,
               "composite": assessed.composite}  # fmt: skip
    state = {**state}
    if state["assessment"] != summary:
        events.append(assessed)
        state["assessment"] = summary
    grade = grade_of(assessed.composite, valuation.boundaries)
    if grade != state["grade"]:
        events.append(
            GradeChanged(
                application_number=facts.number,
                old_grade=state["grade"],
                new_grade=grade,
                composite=assessed.composite,
                tree_version=assessed.tree_version,
                reason=reason,
            )
        )
        state["grade"] = grade
    flags, high_value = flags_of(
        valuation.rules,
        number=facts.number,
        patent_type=facts.patent_type,
        legal_status=facts.legal_status,
        ipc_main=facts.ipc_main,
        filing_date=facts.filing_date,
        overseas_family=state["overseas_family"],
        pledged_yuan=facts.pledged_yuan,
        today=valuation.today,
    )
    stored = {"period": valuation.rules.period, **{c.value: v for c, v in flags.items()}, "high_value": high_value}
    if stored != state["flags"]:
        events.append(
            HighValueFlagsChanged(
                application_number=facts.number,
                plan_period=valuation.rules.period,
                flags=flags,
                high_value=high_value,
                as_of=valuation.today,
                reason=reason,
            )
        )
        state["flags"] = stored
    return state, events


# --- commands -----------------------------------------------------------------------------------------------------


def assign_enterprise(
    current: Aggregate | None,
    facts: PatentFacts | None,
    number: str,
    enterprise: Aggregate | None,
    enterprise_code: str,
    *,
    office_province: str | None,
    by: str,
) -> Decision:
    """Put a pool patent to a registered enterprise; a provincial office only to enterprises of its province."""
    _in_pool(facts, number)
    if enterprise is None:
        raise RuleViolation(ReasonCode.UNKNOWN_ENTERPRISE, credit_code=enterprise_code)
    province = enterprise.state["profile"]["province"]
    if office_province is not None and province != office_province:
        raise RuleViolation(ReasonCode.ENTERPRISE_OF_ANOTHER_PROVINCE, enterprise_province=province)
    state = state_of(current)
    if any(a["enterprise"] == enterprise_code for a in state["assigned"]):
        raise RuleViolation(ReasonCode.ALREADY_ASSIGNED, enterprise=enterprise_code)
    event = EvaluationAssigned(application_number=number, enterprise=enterprise_code, province=province, assigned_by=by)
    state = {**state, "assigned": [*state["assigned"], {"enterprise": enterprise_code, "province": province, "by": by}]}
    return Decision(state, [event], {**_answer(number, state), "assigned": enterprise_code})


@dataclass(frozen=True, slots=True, kw_only=True)
class EnterpriseAnswer:
    """What an enterprise answers about a patent."""

    prospect: Prospect
    cooperation_intent: CooperationIntent
    improvement_needs: str | None = None
    willingness_to_pay: Decimal | None = None
    not_interested_reason: NotInterestedReason | None = None


def evaluate_as_enterprise(
    current: Aggregate | None,
    facts: PatentFacts | None,
    number: str,
    enterprise_code: str,
    answer: EnterpriseAnswer,
    valuation: Valuation,
    *,
    by: str,
) -> Decision:
    """An assigned enterprise evaluates (or amends its evaluation of) a pool patent; the institution is told."""
    facts = _in_pool(facts, number)
    state = state_of(current)
    if not any(a["enterprise"] == enterprise_code for a in state["assigned"]):
        raise RuleViolation(ReasonCode.NOT_ASSIGNED, enterprise=enterprise_code)
    revision = 1 + sum(1 for e in state["enterprise_evaluations"] if e["enterprise"] == enterprise_code)
    submitted = EnterpriseEvaluationSubmitted(
        application_number=number,
        enterprise=enterprise_code,
        revision=revision,
        prospect=answer.prospect,
        improvement_needs=answer.improvement_needs,
        cooperation_intent=answer.cooperation_intent,
        willingness_to_pay=answer.willingness_to_pay,
        not_interested_reason=answer.not_interested_reason,
        evaluated_by=by,
    )
    feedback = EvaluationFeedbackIssued(
        application_number=number,
        institution=facts.institution,
        from_kind="enterprise",
        from_id=enterprise_code,
        prospect=answer.prospect,
        cooperation_intent=answer.cooperation_intent,
        not_interested_reason=answer.not_interested_reason,
        improvement_needs=answer.improvement_needs,
    )
    entry = submitted.model_dump(mode="json", exclude={"application_number", "evaluated_by"})
    state = {**state, "enterprise_evaluations": [*state["enterprise_evaluations"], entry]}
    state, revalued = _revalued(state, facts, valuation, reason=EnterpriseEvaluationSubmitted.__name__, by=by)
    return Decision(state, [submitted, feedback, *revalued], {**_answer(number, state), "revision": revision})


def assign_expert(
    current: Aggregate | None,
    facts: PatentFacts | None,
    number: str,
    expert: Aggregate | None,
    expert_id: str,
    *,
    by: str,
) -> Decision:
    """Assign an expert of the library who declared no conflict with the patent's institution, once."""
    facts = _in_pool(facts, number)
    if expert is None:
        raise RuleViolation(ReasonCode.UNKNOWN_EXPERT, expert_id=expert_id)
    if facts.institution in expert.state.get("conflicts", []):
        raise RuleViolation(ReasonCode.EXPERT_CONFLICTED, expert_id=expert_id, institution=facts.institution)
    if not expert.state.get("available", True):
        raise RuleViolation(ReasonCode.EXPERT_UNAVAILABLE, expert_id=expert_id)
    state = state_of(current)
    if any(e["expert_id"] == expert_id for e in state["experts"]):
        raise RuleViolation(ReasonCode.ALREADY_ASSIGNED, expert_id=expert_id)
    event = ExpertAssigned(application_number=number, expert_id=expert_id, assigned_by=by)
    state = {**state, "experts": [*state["experts"], {"expert_id": expert_id, "by": by}]}
    return Decision(state, [event], {**_answer(number, state), "expert_id": expert_id})


def review_as_expert(
    current: Aggregate | None,
    facts: PatentFacts | None,
    number: str,
    expert_id: str,
    scores: Mapping[str, float],
    opinion: str,
    valuation: Valuation,
    *,
    by: str,
) -> Decision:
    """An assigned expert scores the tree's scored indicators (each 0-100) and gives an opinion."""
    facts = _in_pool(facts, number)
    unknown = sorted(set(scores) - valuation.tree.scored)
    out_of_range = sorted(k for k, v in scores.items() if not 0 <= v <= 100)
    if unknown or out_of_range or not scores:
        problems = [(f"scores.{k}", f"not a scored indicator of value tree {valuation.tree.version}; scored are "
                     f"{sorted(valuation.tree.scored)}") for k in unknown]  # fmt: skip
        problems += [(f"scores.{k}", "a score is between 0 and 100") for k in out_of_range]
        raise InvalidInput(*(problems or [("scores", "score at least one indicator")]))
    state = state_of(current)
    if not any(e["expert_id"] == expert_id for e in state["experts"]):
        raise RuleViolation(ReasonCode.NOT_ASSIGNED, expert_id=expert_id)
    revision = 1 + sum(1 for r in state["expert_reviews"] if r["expert_id"] == expert_id)
    reviewed = ExpertReviewSubmitted(
        application_number=number,
        expert_id=expert_id,
        revision=revision,
        tree_version=valuation.tree.version,
        scores=dict(scores),
        opinion=opinion,
        reviewed_by=by,
    )
    feedback = EvaluationFeedbackIssued(
        application_number=number, institution=facts.institution, from_kind="expert", from_id=expert_id,
        opinion=opinion,
    )  # fmt: skip
    entry = reviewed.model_dump(mode="json", exclude={"application_number", "reviewed_by"})
    entry["scores"] = [{"indicator": k, "score": v} for k, v in sorted(entry["scores"].items())]
    state = {**state, "expert_reviews": [*state["expert_reviews"], entry]}
    state, revalued = _revalued(state, facts, valuation, reason=ExpertReviewSubmitted.__name__, by=by)
    return Decision(state, [reviewed, feedback, *revalued], {**_answer(number, state), "revision": revision})


def record_overseas_family(
    current: Aggregate | None,
    facts: PatentFacts | None,
    number: str,
    has_family: bool,
    members: Sequence[str],
    valuation: Valuation,
    *,
    by: str,
) -> Decision:
    """Record whether granted family members exist abroad (an input); the flags and the value follow."""
    facts = _in_pool(facts, number)
    state = state_of(current)
    event = OverseasFamilyRecorded(
        application_number=number, has_overseas_family=has_family, family_members=tuple(members), recorded_by=by
    )
    state = {**state, "overseas_family": has_family}
    state, revalued = _revalued(state, facts, valuation, reason=OverseasFamilyRecorded.__name__, by=by)
    return Decision(state, [event, *revalued], _answer(number, state))


def assess(
    current: Aggregate | None,
    facts: PatentFacts | None,
    number: str,
    scenario: EvaluationScenario,
    valuation: Valuation,
    *,
    by: str,
) -> Decision:
    """A value assessment for a scenario (a licence, a pledge …) from the evidence as it stands."""
    facts = _in_pool(facts, number)
    state = state_of(current)
    assessed = assessment(state, facts, valuation, scenario, by=by)
    return Decision(state, [assessed], assessed.model_dump(mode="json"))


def revalue(current: Aggregate | None, facts: PatentFacts, valuation: Valuation, *, reason: str) -> Decision:
    """New evidence from elsewhere (the patent entered the pool, its legal status changed, a day passed)."""
    state, events = _revalued(state_of(current), facts, valuation, reason=reason, by="evaluation")
    return Decision(state, events, _answer(facts.number, state))


def feedback_of(state: Document) -> list[Document]:
    """What the institution is told: each enterprise's latest answer and each expert's latest opinion."""
    kept = ("revision", "prospect", "cooperation_intent", "improvement_needs", "not_interested_reason")
    enterprises = [
        {"from_kind": "enterprise", "from_id": e["enterprise"], **{k: e.get(k) for k in kept}}
        for e in latest_enterprise_evaluations(state).values()
    ]
    experts = [
        {"from_kind": "expert", "from_id": r["expert_id"], "revision": r["revision"], "opinion": r["opinion"]}
        for r in latest_expert_reviews(state).values()
    ]
    return enterprises + experts
