"""Rules of an enterprise's pushes (推送); no I/O.

One aggregate per enterprise (``_id`` its credit code): its push preferences (IPC fields, regions, how often, how
many at once), its demands (ids, for its pushes), its inbox of pushed patents with its answers, and the patents it
declined, which are never pushed to it again. A push batch is ``PushBatchSent`` on the enterprise's province's push
topic. State::

    {province, preferences: {ipc_fields, regions, frequency, max_per_push}, demands: [id],
     inbox: [{application_number, batch_id, pushed_on, demand_id, score, answer}], declined: [number], last_push_on}
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from patentflow.contracts.events.matching import PushBatchSent, PushItem
from patentflow.contracts.events.matching_enums import PushAnswer, PushFrequency
from patentflow.kit.decisions import Aggregate, Decision, Document

INTERVAL = {PushFrequency.DAILY: 1, PushFrequency.WEEKLY: 7, PushFrequency.MONTHLY: 30}
DEFAULTS = {"ipc_fields": [], "regions": [], "frequency": PushFrequency.WEEKLY.value, "max_per_push": 20}
MAX_INBOX = 2000  # patents kept in an inbox; the oldest go first


def empty(province: str) -> Document:
    """The state of an enterprise that has not set anything yet."""
    return {"province": province, "preferences": dict(DEFAULTS), "demands": [], "inbox": [], "declined": [],
            "last_push_on": None}  # fmt: skip


def answer(code: str, state: Document) -> Document:
    """The answer about an enterprise's pushes (its inbox is listed apart)."""
    return {"enterprise": code, "preferences": state["preferences"], "demands": len(state["demands"]),
            "inbox": len(state["inbox"]), "declined": len(state["declined"]),
            "last_push_on": state["last_push_on"]}  # fmt: skip


def _state(current: Aggregate | None, province: str) -> dict[str, Any]:
    return dict(current.state) if current is not None else empty(province)


def set_preferences(current: Aggregate | None, province: str, preferences: Document) -> Decision:
    """Replace the push preferences."""
    state = {**_state(current, province), "preferences": {**DEFAULTS, **preferences}}
    return Decision(state, [], answer("", state))


def add_demand(current: Aggregate | None, province: str, demand_id: str) -> Decision:
    """Remember a demand of the enterprise (its matches are what it is pushed)."""
    state = _state(current, province)
    if demand_id not in state["demands"]:
        state = {**state, "demands": [*state["demands"], demand_id]}
    return Decision(state, [], answer("", state))


def due(state: Document, today: date) -> bool:
    """Whether the enterprise takes a push today (its frequency since the last one)."""
    last = state["last_push_on"]
    days = INTERVAL[PushFrequency(state["preferences"]["frequency"])]
    return last is None or date.fromisoformat(last) + timedelta(days=days) <= today


def pushed_numbers(state: Document) -> set[str]:
    """Patents pushed before or declined: never pushed again."""
    return {i["application_number"] for i in state["inbox"]} | set(state["declined"])


def push(current: Aggregate, code: str, batch_id: str, items: Sequence[PushItem], *, today: date) -> Decision:
    """A batch of patents not pushed before, as ``PushBatchSent`` to the province's platform."""
    state = dict(current.state)
    known = pushed_numbers(state)
    fresh = [i for i in items if i.application_number not in known][: state["preferences"]["max_per_push"]]
    if not fresh:
        return Decision(state, [], answer(code, state))
    event = PushBatchSent(enterprise=code, province=state["province"], batch_id=batch_id, items=tuple(fresh),
                          pushed_on=today)  # fmt: skip
    entries = [{"application_number": i.application_number, "batch_id": batch_id, "pushed_on": today.isoformat(),
                "demand_id": i.demand_id, "score": i.score, "answer": None} for i in fresh]  # fmt: skip
    state = {**state, "inbox": [*state["inbox"], *entries][-MAX_INBOX:], "last_push_on": today.isoformat()}
    return Decision(state, [event], {**answer(code, state), "pushed": [i.application_number for i in fresh]})


def record_answer(current: Aggregate | None, province: str, number: str, given: PushAnswer) -> Decision:
    """The enterprise's answer in its inbox; a declined patent is never pushed again."""
    state = _state(current, province)
    inbox = [{**i, "answer": given.value} if i["application_number"] == number else i for i in state["inbox"]]
    declined = state["declined"]
    if given is PushAnswer.DECLINED and number not in declined:
        declined = [*declined, number]
    state = {**state, "inbox": inbox, "declined": declined}
    return Decision(state, [], answer("", state))
