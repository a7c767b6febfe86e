"""A view applies whole runs of events per aggregate: new aggregates in one insert, others in one guarded update;
whatever it cannot take whole is left for the event-by-event path, which ends in the same document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from patentflow.contracts import topics
from patentflow.contracts.events import InventorySubmitted, WithdrawnFromPool
from patentflow.kit.cloudevents import EventMeta, ReceivedEvent
from patentflow.kit.eventmap import EventMap
from patentflow.kit.readmodel import SequencedView
from patentflow.testing.memory import MemoryMongo
from patentflow.testing.samples import number


def _table() -> EventMap:
    table = EventMap("t", (topics.PATENTS,))

    @table.on(InventorySubmitted)
    def submitted(event: InventorySubmitted, meta: EventMeta) -> dict[str, Any]:
        return {"$set": {"state": "submitted", "by": event.submitted_by, "history.submitted": meta.sequence}}

    @table.on(WithdrawnFromPool)
    def withdrawn(event: WithdrawnFromPool, meta: EventMeta) -> dict[str, Any]:
        return {"$push": {"reasons": event.reason}}  # not a plain $set: never merged

    table.ignore(*[k for k in table.unlisted()])
    return table


N = {name: number(2020, 900 + i) for i, name in enumerate("ABCDE")}


def _event(name: str, sequence: int, kind: type[Any] = InventorySubmitted, source: str = "inventory") -> ReceivedEvent:
    subject = N[name]
    data = (
        {"application_number": subject, "submitted_by": f"u{sequence}"}
        if kind is InventorySubmitted
        else {"application_number": subject, "reason": f"r{sequence}", "withdrawn_by": "x"}
    )
    meta = EventMeta(
        id=f"{subject}-{sequence}",
        source=f"/patentflow/{source}",
        type=kind.event_type,
        subject=subject,
        sequence=sequence,
        time=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return ReceivedEvent(meta, data, kind.topic.name, 0, sequence, subject.encode(), b"{}")


def _view() -> SequencedView:
    return SequencedView(MemoryMongo()["db"]["view"], _table())  # type: ignore[arg-type]


async def test_runs_of_new_and_known_aggregates_are_applied_whole() -> None:
    view = _view()
    assert await view.apply_batch([[_event("A", 1), _event("A", 2)], [_event("B", 1)]]) == {N["A"], N["B"]}
    assert await view.apply_batch([[_event("A", 3), _event("A", 4)]]) == {N["A"]}
    doc = await view.get(N["A"])
    assert doc == {
        "_id": N["A"],
        "state": "submitted",
        "by": "u4",
        "history": {"submitted": 4},
        "seq": {"inventory": 4},
    }


async def test_what_cannot_be_taken_whole_is_left_and_the_event_path_ends_equal() -> None:
    view = _view()
    await view.apply_batch([[_event("A", 1), _event("A", 2)]])
    left = await view.apply_batch(
        [
            [_event("A", 1), _event("A", 2)],  # a redelivery: the document exists
            [_event("B", 2)],  # a gap: B's first event is missing
            [_event("C", 1), _event("C", 2, WithdrawnFromPool)],  # not a plain $set
            [_event("D", 1), _event("D", 3)],  # not consecutive
            [_event("E", 1, source="inventory"), _event("E", 2, source="evaluation")],  # two streams
        ]
    )
    assert left == set()
    assert (await view.get(N["A"]))["seq"] == {"inventory": 2}  # type: ignore[index]
    assert await view.get(N["B"]) is None
    # The same events one by one give what a run gives whole.
    one_by_one = _view()
    for sequence in (1, 2):
        await one_by_one.apply(_event("A", sequence))
    assert await one_by_one.get(N["A"]) == await view.get(N["A"])
