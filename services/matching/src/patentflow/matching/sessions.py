"""Rules of a matchmaking session (路演, 对接会; "一月一对接"); no I/O. One aggregate per session, recorded once."""

from __future__ import annotations

from patentflow.contracts.events.matching import MatchmakingHeld
from patentflow.contracts.reasons import ReasonCode
from patentflow.kit.decisions import Aggregate, Decision
from patentflow.kit.errors import InvalidInput, RuleViolation


def record(current: Aggregate | None, event: MatchmakingHeld) -> Decision:
    """Record a session held: the patents presented, and results only for those presented."""
    if current is not None:
        raise RuleViolation(ReasonCode.IDEMPOTENCY_KEY_REUSED)
    unknown = sorted({r.application_number for r in event.results} - set(event.presented))
    if unknown:
        raise InvalidInput(*[("results", f"{n} was not among the patents presented") for n in unknown])
    state = event.model_dump(mode="json", exclude={"session_id"})
    return Decision(state, [event], {"session_id": event.session_id, **state})
