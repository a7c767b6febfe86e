"""What the inventory reads of its own events: each institution's patents, by id, for the standard-format export, and
the days the daily pass looks at each patent (``due.py``; both kept by one consumer, ``indexes.py``).

A filter on the owner decodes every patent document on the embedded store (over a minute at 1 000 000), so the
inventory keeps, from its own ``PatentRecorded`` events, an id set per institution (``kit.idsets``: a few small
documents by ``_id``; ``owned.py`` writes and reads them) and reads it, then the patents, by id. The owner is
fixed when a patent is recorded (no inventory event changes it), so numbers are only ever added.
"""

from __future__ import annotations

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
OWNED = EventMap(
    "patents-by-owner",
    (topics.PATENTS,),
    "Each institution's application numbers, for the standard-format export, and the days the daily pass looks at"
    " each patent.",
)
# None of these changes who owns a patent or the days it falls due (a correction names only descriptive fields; the
# commands behind the others decide the rules on their own day): a new event type of the topic
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


TABLES: tuple[EventMap, ...] = (OWNED,)
