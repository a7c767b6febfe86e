"""Rules of one patent's matches; no I/O.

Everything matching says about a patent is one aggregate (``_id`` its application number), so its events are in
order on the matches topic and withdrawing every match of a patent that left the pool is one atomic write. A pair is
found once while it stands: finding it again changes nothing, and once withdrawn it may be found again later (the
patent came back to the pool). The funnel of the patent with each enterprise is here too: pushed, answered,
negotiating, and how the negotiation ended. State::

    {demands: {demand_id: {enterprise, province, score, reasons, ranking_version, trigger, found_on,
                           status: "open" | "withdrawn", withdrawn: reason | None}},
     enterprises: {credit_code: {province, pushed_on, batch_id, demand_id, answer, reason, negotiation}}}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from patentflow.contracts.events.evaluation_enums import NotInterestedReason
from patentflow.contracts.events.matching import (
    MatchFound,
    MatchReasons,
    MatchWithdrawn,
    NegotiationEnded,
    NegotiationOpened,
    PatentPushed,
    PushAnswered,
)
from patentflow.contracts.events.matching_enums import MatchTrigger, MatchWithdrawal, NegotiationOutcome, PushAnswer
from patentflow.contracts.reasons import ReasonCode
from patentflow.kit.decisions import Aggregate, Decision, Document
from patentflow.kit.errors import InvalidInput, RuleViolation
from patentflow.matching.engine import Match

OPEN = "open"


@dataclass(frozen=True, slots=True)
class Found:
    """A scored pair, with whose demand it is."""

    match: Match
    enterprise: str
    province: str


def answer(number: str, state: Document) -> Document:
    """The open matches of one patent."""
    open_ = {d: m for d, m in state["demands"].items() if m["status"] == OPEN}
    return {"application_number": number, "open": len(open_)}


def found(
    current: Aggregate | None, number: str, pairs: Sequence[Found], *, trigger: MatchTrigger, version: str, today: date
) -> Decision:
    """Record the pairs not already open; each one a ``MatchFound``."""
    demands: dict[str, Any] = dict(current.state["demands"]) if current else {}
    events = []
    for pair in pairs:
        known = demands.get(pair.match.demand_id)
        if known is not None and known["status"] == OPEN:
            continue
        reasons = MatchReasons(**pair.match.reasons.as_dict())
        event = MatchFound(application_number=number, demand_id=pair.match.demand_id, enterprise=pair.enterprise,
                           province=pair.province, score=pair.match.score, reasons=reasons, ranking_version=version,
                           trigger=trigger, found_on=today)  # fmt: skip
        events.append(event)
        demands[pair.match.demand_id] = {
            "enterprise": pair.enterprise, "province": pair.province, "score": pair.match.score,
            "reasons": reasons.model_dump(mode="json"), "ranking_version": version, "trigger": trigger.value,
            "found_on": today.isoformat(), "status": OPEN, "withdrawn": None,
        }  # fmt: skip
    state = {**(current.state if current else {}), "demands": demands}
    return Decision(state, events, answer(number, state))


def withdraw(
    current: Aggregate | None, number: str, reason: MatchWithdrawal, *, today: date, demand_id: str | None = None
) -> Decision:
    """Withdraw the open matches of the patent (of one demand only, if given)."""
    demands: dict[str, Any] = dict(current.state["demands"]) if current else {}
    events = []
    for key, known in sorted(demands.items()):
        if known["status"] != OPEN or (demand_id is not None and key != demand_id):
            continue
        events.append(MatchWithdrawn(application_number=number, demand_id=key, enterprise=known["enterprise"],
                                     reason=reason, withdrawn_on=today))  # fmt: skip
        demands[key] = {**known, "status": "withdrawn", "withdrawn": reason.value}
    state = {**(current.state if current else {}), "demands": demands}
    return Decision(state, events, answer(number, state))


def _with(current: Aggregate | None) -> tuple[dict[str, Any], dict[str, Any]]:
    state = dict(current.state) if current else {"demands": {}}
    return state, dict(state.get("enterprises", {}))


def pushed(
    current: Aggregate | None, number: str, enterprise: str, province: str, demand_id: str | None, batch_id: str,
    *, today: date,
) -> Decision:  # fmt: skip
    """The patent pushed to an enterprise, once."""
    state, enterprises = _with(current)
    if enterprise in enterprises and enterprises[enterprise].get("pushed_on"):
        return Decision(state, [], answer(number, state))
    event = PatentPushed(application_number=number, enterprise=enterprise, province=province, demand_id=demand_id,
                         batch_id=batch_id, pushed_on=today)  # fmt: skip
    enterprises[enterprise] = {**enterprises.get(enterprise, {}), "province": province, "pushed_on": today.isoformat(),
                               "batch_id": batch_id, "demand_id": demand_id}  # fmt: skip
    state = {**state, "enterprises": enterprises}
    return Decision(state, [event], answer(number, state))


def answered(
    current: Aggregate | None, number: str, enterprise: str, province: str, given: PushAnswer,
    reason: NotInterestedReason | None, note: str | None, *, today: date,
) -> Decision:  # fmt: skip
    """An enterprise's answer to a patent pushed or matched to it; interest opens a negotiation."""
    state, enterprises = _with(current)
    matched = any(m["enterprise"] == enterprise for m in state["demands"].values())
    if enterprise not in enterprises and not matched:
        raise RuleViolation(ReasonCode.NOT_PUSHED, enterprise=enterprise)
    if given is PushAnswer.DECLINED and reason is None:
        raise InvalidInput(("declined_reason", "a declined patent needs its reason"))
    known = enterprises.get(enterprise, {"province": province})
    events: list[Any] = [PushAnswered(application_number=number, enterprise=enterprise, province=province,
                                      answer=given, declined_reason=reason if given is PushAnswer.DECLINED else None,
                                      note=note, answered_on=today)]  # fmt: skip
    negotiation = known.get("negotiation")
    if given is PushAnswer.INTERESTED and negotiation is None:
        events.append(NegotiationOpened(application_number=number, enterprise=enterprise, province=province,
                                        opened_on=today))  # fmt: skip
        negotiation = "open"
    enterprises[enterprise] = {**known, "answer": given.value, "negotiation": negotiation,
                               "reason": reason.value if reason and given is PushAnswer.DECLINED else None}  # fmt: skip
    state = {**state, "enterprises": enterprises}
    return Decision(state, events, {**answer(number, state), "enterprise": enterprise, **enterprises[enterprise]})


def end_negotiation(
    current: Aggregate | None, number: str, enterprise: str, outcome: NegotiationOutcome, reference: str | None,
    *, today: date,
) -> Decision:  # fmt: skip
    """The open negotiation ends in a deal or is abandoned."""
    state, enterprises = _with(current)
    known = enterprises.get(enterprise)
    if known is None or known.get("negotiation") != "open":
        raise RuleViolation(ReasonCode.NO_NEGOTIATION, enterprise=enterprise)
    event = NegotiationEnded(application_number=number, enterprise=enterprise, province=known["province"],
                             outcome=outcome, deal_reference=reference, ended_on=today)  # fmt: skip
    enterprises[enterprise] = {**known, "negotiation": outcome.value}
    state = {**state, "enterprises": enterprises}
    return Decision(state, [event], {**answer(number, state), "enterprise": enterprise, **enterprises[enterprise]})
