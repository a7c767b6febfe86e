"""Coverage denominators: per institution, the valid stock patents and how many are inventoried and pooled."""

from __future__ import annotations

from typing import Any

from patentflow.contracts.events.inventory_enums import IN_FORCE, ReviewState
from patentflow.kit.aggregates import AggregateStore

_IN_FORCE = {s.value for s in IN_FORCE}


async def coverage_rows(registry: AggregateStore, patents: AggregateStore) -> list[dict[str, Any]]:
    """One row per registered institution, patents counted in one pass over a narrow projection."""
    counts: dict[str, dict[str, int]] = {}
    cursor = patents.collection.find(
        {},
        {
            "state.patent.owner.credit_code": 1,
            "state.patent.grant_date": 1,
            "state.legal_status": 1,
            "state.review_state": 1,
            "state.inventory": 1,
        },
    )
    async for doc in cursor:
        state = doc["state"]
        if state["legal_status"] not in _IN_FORCE or not state["patent"].get("grant_date"):
            continue  # a stock patent is a granted patent in force
        row = counts.setdefault(
            state["patent"]["owner"]["credit_code"], {"stock_valid": 0, "inventoried": 0, "pooled": 0}
        )
        row["stock_valid"] += 1
        row["inventoried"] += bool(state.get("inventory"))
        row["pooled"] += state["review_state"] == ReviewState.POOLED.value
    rows = []
    async for doc in registry.collection.find({}, {"state.institution": 1}):
        data = doc["state"]["institution"]
        numbers = counts.get(doc["_id"], {"stock_valid": 0, "inventoried": 0, "pooled": 0})
        rows.append(
            {
                "credit_code": doc["_id"],
                "name": data["name"],
                "province": data["province"],
                "ministry": data.get("ministry"),
                "pilot": data.get("pilot", False),
                **numbers,
            }
        )
    return sorted(rows, key=lambda r: r["credit_code"])
