"""What the inventory reads of its own events: each institution's patents, by id, for the standard-format export.

A filter on the owner decodes every patent document on the embedded store (over a minute at 1 000 000), so the
inventory keeps, from its own ``PatentRecorded`` events, ``BUCKETS`` small documents per institution (``_id``
``<credit code>/<bucket>``, the application numbers in ``numbers``; ``owned.py`` writes and reads them) and reads
them, then the patents, by id. The owner is fixed when a patent is recorded (no inventory event changes it), so
numbers are only ever added.
"""

from __future__ import annotations

import zlib

from patentflow.contracts import topics
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
from patentflow.kit.cloudevents import EventMeta
from patentflow.kit.decisions import Document
from patentflow.kit.eventmap import EventMap

COLLECTION = "patents_by_owner"
# Documents per institution: an institution of 100 000 patents keeps about 6 000 numbers (130 KB) in each, so adding
# a batch's numbers rewrites a small document on the embedded store, and an export reads 16 of them by id.
BUCKETS = 16
OWNED = EventMap(
    "patents-by-owner", (topics.PATENTS,), "Each institution's application numbers, for the standard-format export."
)
# None of these changes who owns a patent (a correction names only descriptive fields): a new event type of the topic
# is neither mapped nor ignored until someone decides whether it does, and the platform's contract test says so.
OWNED.ignore(
    PatentRecordCorrected,
    InventoryRecordFilled,
    InventorySubmitted,
    InventoryApprovedBySchool,
    InventoryReturned,
    EnteredConversionPool,
    WithdrawnFromPool,
    LegalStatusChanged,
    NonUseJustificationRecorded,
    StateFundedNonUseFlagged,
    StateFundedNonUseCleared,
)


@OWNED.on(PatentRecorded)
def recorded(event: PatentRecorded, meta: EventMeta) -> Document:
    """The patent under its recording institution (its owner, or a co-owner that recorded it)."""
    return {"institution": event.owner.credit_code, "number": event.application_number}


def bucket_id(institution: str, number: str) -> str:
    """The index document that holds ``number`` (a stable hash: the same on every process and platform)."""
    return f"{institution}/{zlib.crc32(number.encode()) % BUCKETS:02d}"


TABLES: tuple[EventMap, ...] = (OWNED,)
