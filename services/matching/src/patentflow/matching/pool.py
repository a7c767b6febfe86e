"""The engine's view of a pool patent, from the service's replica: what it indexes and whether it belongs there."""

from __future__ import annotations

from patentflow.contracts.events.inventory_enums import IN_FORCE, LegalStatus
from patentflow.contracts.events.matching_enums import MatchWithdrawal
from patentflow.kit.decisions import Document
from patentflow.matching.engine import PatentEntry

_IN_FORCE = frozenset(status.value for status in IN_FORCE)


def belongs(doc: Document) -> bool:
    """In the conversion pool and in force: searchable, and matched to open demands."""
    return bool(doc.get("in_pool")) and doc.get("legal_status", LegalStatus.VALID.value) in _IN_FORCE


def why_out(doc: Document) -> MatchWithdrawal:
    """Why a patent that left the engine's pool left it."""
    return MatchWithdrawal.LEFT_POOL if doc.get("legal_status") in _IN_FORCE else MatchWithdrawal.NOT_IN_FORCE


def entry(doc: Document, divisions: dict[str, str]) -> PatentEntry:
    """The engine's entry: text, IPC symbols, industries (the inventory record's, and the division of its IPC
    subclass from the reference table), maturity and province."""
    ipc = tuple(s for s in (doc.get("ipc_main"), *doc.get("ipc_secondary", ())) if s)
    # The inventory writes GB/T 4754 codes with their section letter (I6511); demands and the registry without it.
    industries = {code.lstrip("ABCDEFGHIJKLMNOPQRST")[:2] for code in doc.get("industry_codes") or ()}
    industries.update(divisions[s[:4]] for s in ipc if s[:4] in divisions)
    return PatentEntry(doc["_id"], doc.get("title", ""), doc.get("abstract") or "", ipc, tuple(sorted(industries)),
                       doc.get("trl"), doc.get("province", ""))  # fmt: skip
