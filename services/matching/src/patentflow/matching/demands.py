"""Rules of a demand (需求); no I/O.

A demand is open from its publication until it closes, is withdrawn or its deadline passes (the daily check). Its
state remembers the patents it was matched to (``matched``, read by id for its listing) and the follow-up work a
decision leaves (``pending``: "match" after publication, "withdraw" after its end) until the handler has done it, so a
crash in between is finished at the next start. State::

    {enterprise, province, title, description, ipc_fields, industry_codes, products, budget_min_yuan,
     budget_max_yuan, trl_min, regions, deadline, published_on, published_by, collected_by_office,
     status, ended_on, matched: [number], pending: "match" | "withdraw" | None}
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from patentflow.contracts.events.matching import DemandEnded, DemandPublished
from patentflow.contracts.events.matching_enums import DemandEnding
from patentflow.contracts.reasons import ReasonCode
from patentflow.kit.decisions import Aggregate, Decision, Document
from patentflow.kit.errors import InvalidInput, RuleViolation
from patentflow.matching.engine import DemandEntry

OPEN = "open"
MAX_MATCHED = 1000  # a demand's listing keeps this many patents at most (the best, by the order they came)


def answer(demand_id: str, version: int, state: Document) -> Document:
    """The answer about one demand."""
    return {"demand_id": demand_id, "version": version, **{k: v for k, v in state.items() if k != "matched"},
            "matched": len(state["matched"])}  # fmt: skip


def publish(current: Aggregate | None, event: DemandPublished, *, today: date) -> Decision:
    """Publish a demand; it is matched against the pool next (``pending``)."""
    if current is not None:  # the id is the caller's Idempotency-Key: a new body under an old key
        raise RuleViolation(ReasonCode.IDEMPOTENCY_KEY_REUSED)
    problems = []
    if event.deadline < today:
        problems.append(("deadline", f"the deadline {event.deadline} has passed"))
    low, high = event.budget_min_yuan, event.budget_max_yuan
    if low is not None and high is not None and low > high:
        problems.append(("budget_max_yuan", "the highest budget is below the lowest"))
    if problems:
        raise InvalidInput(*problems)
    state = {**event.model_dump(mode="json", exclude={"demand_id"}), "status": OPEN, "ended_on": None,
             "matched": [], "pending": "match"}  # fmt: skip
    return Decision(state, [event], answer(event.demand_id, 1, state))


def end(current: Aggregate, ending: DemandEnding, *, today: date, by: str) -> Decision:
    """Close, withdraw or expire an open demand; its matches are withdrawn next (``pending``)."""
    state = current.state
    if state["status"] != OPEN:
        raise RuleViolation(ReasonCode.DEMAND_ENDED, status=state["status"])
    event = DemandEnded(demand_id=current.id, ending=ending, ended_on=today, ended_by=by)
    state = {**state, "status": ending.value, "ended_on": today.isoformat(), "pending": "withdraw"}
    return Decision(state, [event], answer(current.id, current.version + 1, state))


def expire(current: Aggregate, *, today: date) -> Decision:
    """The daily check: an open demand past its deadline expires."""
    state = current.state
    if state["status"] != OPEN or date.fromisoformat(state["deadline"]) >= today:
        return Decision(state, [], answer(current.id, current.version, state))
    return end(current, DemandEnding.EXPIRED, today=today, by="matching")


def record_matched(current: Aggregate, numbers: Iterable[str], *, done: str | None = None) -> Decision:
    """Remember the patents matched (no event: the matches are the patents' events); ``done`` clears that pending."""
    state: dict[str, Any] = current.state
    known = list(state["matched"])
    for number in dict.fromkeys(numbers):
        if len(known) >= MAX_MATCHED:
            break
        if number not in known:
            known.append(number)
    pending = None if done is not None and state["pending"] == done else state["pending"]
    state = {**state, "matched": known, "pending": pending}
    return Decision(state, [], answer(current.id, current.version + 1, state))


def entry(demand_id: str, state: Document) -> DemandEntry:
    """What the engine indexes of an open demand."""
    text = " ".join([state["title"], state["description"], *state["products"]])
    return DemandEntry(demand_id, text, tuple(state["ipc_fields"]), tuple(state["industry_codes"]), state["trl_min"],
                       tuple(state["regions"]))  # fmt: skip
