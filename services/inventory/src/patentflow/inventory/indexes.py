"""The inventory's one consumer of its own topic: from each ``PatentRecorded`` it keeps the index of each institution's
patents (``owned.py``, for the export) and the days the daily pass must look at the patent (``due.py``).

One consumer for both: each group reads and decodes every event of the topic beside the platform's other consumers on
the same cores. Its group keeps the name of its first index (``consumers.OWNED``): a group's name holds its offsets,
and a new name would read the whole topic again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from patentflow.contracts.events import PatentRecorded
from patentflow.inventory.consumers import OWNED
from patentflow.inventory.due import DueCalendar, due_days
from patentflow.inventory.owned import OwnedIndex, owner_of
from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.kit.consumer import ConsumerSpec

_RECORDED = PatentRecorded.event_type


def recorded_on(event: ReceivedEvent) -> date:
    """The inventory's day of a record; for one written before events said it, the day before the event's time (a
    service day is local, the time UTC: a day early files a day more, never one less)."""
    day = event.data.get("recorded_on")
    return date.fromisoformat(day) if day else event.meta.time.date() - timedelta(days=1)


class PatentIndexes:
    """Both indexes and the consumer that keeps them; a redelivered event or batch changes neither."""

    def __init__(self, owned: OwnedIndex, due: DueCalendar) -> None:
        self.owned = owned
        self.due = due

    def consumer(self) -> ConsumerSpec:
        """Event by event, or a whole fetch in one write per index (and per set of due days)."""
        return ConsumerSpec(OWNED.name, OWNED.topic_names, self.apply, OWNED, self.apply_batch)

    async def apply(self, event: ReceivedEvent) -> None:
        """One event: a recorded patent is added to both indexes."""
        await self.apply_batch([[event]])

    async def apply_batch(self, groups: Sequence[Sequence[ReceivedEvent]]) -> set[str]:
        """A fetch's recorded patents added to both indexes; every aggregate applies."""
        recorded: list[ReceivedEvent] = []
        for events in groups:
            for event in events:
                if event.meta.type == _RECORDED:
                    recorded.append(event)
                else:
                    OWNED.update_for(event)  # an ignored type changes nothing; an unlisted one raises, as everywhere
        # Both read from the payloads before either is written: a payload without its fields writes nothing.
        owners = [owner_of(e) for e in recorded]
        try:
            # The payload read as it is, not validated whole (as ``owned.owner_of`` does): a few fields are needed.
            days = [(number, due_days(e.data), recorded_on(e)) for e, (_, number) in zip(recorded, owners, strict=True)]
        except (KeyError, TypeError, ValueError) as bad:
            raise ValueError(f"PatentRecorded without the fields of its due days: {bad!r}") from None
        await self.owned.add(owners)
        await self.due.file(days)
        return {events[0].meta.subject for events in groups if events}
