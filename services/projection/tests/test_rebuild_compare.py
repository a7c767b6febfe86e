"""A rebuild's own check: it reports a difference in a patent's facts and in the rows the other views read."""

from __future__ import annotations

from dataclasses import replace

from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.projection.engine import Engine
from patentflow.projection.generations import Progress, compare

from .test_view_replays import everything


def positioned(events: list[ReceivedEvent]) -> list[ReceivedEvent]:
    """The events as read from one partition per topic, each at its own offset (as a rebuild reads them)."""
    offsets: dict[str, int] = {}
    out = []
    for event in events:
        offsets[event.topic] = offsets.get(event.topic, -1) + 1
        out.append(replace(event, partition=0, offset=offsets[event.topic]))
    return out


async def engine_of(events: list[ReceivedEvent], batch: int) -> Engine:
    engine = Engine(None)
    await engine.start()
    for start in range(0, len(events), batch):
        await engine.apply(events[start : start + batch])
    return engine


async def test_a_rebuild_of_the_same_records_reports_no_difference() -> None:
    events = positioned(everything())
    live = await engine_of(events, 3)  # folded batch by batch
    fresh = await engine_of(events, len(events))
    progress = Progress()
    await compare(live, fresh, progress)
    assert (progress.differences, progress.differing_partitions) == (0, [])
    assert progress.compared_rows == len(events)
    assert progress.compared_patents == 6
    await live.close()
    await fresh.close()


async def test_a_row_that_changes_no_patent_fact_is_still_reported() -> None:
    events = positioned(everything())
    # A funnel answer changes no column of the patents table, only the rows the funnel view counts.
    changed = next(i for i, e in enumerate(events) if e.meta.type.endswith("PushAnswered.v1"))
    different = list(events)
    different[changed] = replace(events[changed], data={**events[changed].data, "answer": "declined"})
    live = await engine_of(events, 5)
    fresh = await engine_of(different, len(different))
    progress = Progress()
    await compare(live, fresh, progress)
    assert progress.differing_partitions == ["patentflow.matching.matches:0"]
    assert progress.differences == 1
    assert progress.difference_sample == []
    await live.close()
    await fresh.close()


async def test_a_patent_whose_facts_differ_is_named() -> None:
    events = positioned(everything())
    first = events[next(i for i, e in enumerate(events) if e.meta.type.endswith("PatentRecorded.v1"))]
    changed = [replace(e, data={**e.data, "title": "另一个题目"}) if e is first else e for e in events]
    live = await engine_of(events, 4)
    fresh = await engine_of(changed, len(changed))
    progress = Progress()
    await compare(live, fresh, progress)
    assert len(progress.difference_sample) == 1
    assert progress.differing_partitions == ["patentflow.inventory.patents:0"]
    assert progress.differences == 2
    await live.close()
    await fresh.close()
