"""The five-year rule for state-funded patents (Science and Technology Progress Law Art. 32; the 2023-2025
programme's "five years not implemented without justification"); no I/O, the day is passed in."""

from __future__ import annotations

from datetime import date
from typing import Any

from patentflow.contracts.events.inventory import StateFundedNonUseCleared, StateFundedNonUseFlagged
from patentflow.contracts.events.inventory_enums import IN_FORCE, ImplementationStatus, LegalStatus
from patentflow.inventory.legal import add_years

YEARS = 5  # [choice] counted from grant, as the programme's reporting reads (docs/domain.md §5)


def deadline(grant_date: date) -> date:
    """The day from which a patent granted on ``grant_date`` is five years past grant."""
    return add_years(grant_date, YEARS)


def clear_reason(state: dict[str, Any], today: date) -> str | None:
    """Why the rule does not (or no longer) apply, or None when it applies."""
    patent = state["patent"]
    if not patent.get("state_funded") or not patent.get("grant_date"):
        return "not_state_funded_or_not_granted"
    if LegalStatus(state["legal_status"]) not in IN_FORCE:
        return "not_in_force"
    record = state.get("inventory")
    if record and record["implementation_status"] != ImplementationStatus.NOT_IMPLEMENTED:
        return "implemented"
    if state.get("non_use_justification"):
        return "justified"
    if today < deadline(date.fromisoformat(patent["grant_date"])):
        return "within_five_years"
    return None


def evaluate(number: str, state: dict[str, Any], today: date) -> tuple[dict[str, Any], list[Any]]:
    """New state and the flag event (raised or cleared) the rule implies today; no event if nothing changes."""
    reason = clear_reason(state, today)
    flagged = bool(state.get("non_use_flagged"))
    if reason is None and not flagged:
        grant = date.fromisoformat(state["patent"]["grant_date"])
        event = StateFundedNonUseFlagged(
            application_number=number, grant_date=grant, deadline=deadline(grant), flagged_on=today
        )
        return {**state, "non_use_flagged": True}, [event]
    if reason is not None and flagged:
        cleared = StateFundedNonUseCleared(application_number=number, reason=reason, cleared_on=today)
        return {**state, "non_use_flagged": False}, [cleared]
    return state, []
