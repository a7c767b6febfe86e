"""Rules of one patent's matches; no I/O.

Everything matching says about a patent is one aggregate (``_id`` its application number), so its events are in
order on the matches topic and withdrawing every match of a patent that left the pool is one atomic write. A pair is
found once while it stands: finding it again changes nothing, and once withdrawn it may be found again later (the
patent came back to the pool). State::

    {demands: {demand_id: {enterprise, province, score, reasons, ranking_version, trigger, found_on,
                           status: "open" | "withdrawn", withdrawn: reason | None}}}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from patentflow.contracts.events.matching import MatchFound, MatchReasons, MatchWithdrawn
from patentflow.contracts.events.matching_enums import MatchTrigger, MatchWithdrawal
from patentflow.kit.decisions import Aggregate, Decision, Document
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
    state = {"demands": demands}
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
    state = {"demands": demands}
    return Decision(state, events, answer(number, state))
