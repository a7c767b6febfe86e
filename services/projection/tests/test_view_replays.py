"""Every view over one history of every service's events: late events in the period of their declared day; as of a
day equal to a replay cut there; the same history twice, or shuffled with repeats, gives the same figures."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from patentflow.contracts.events.matching import MatchFound, PushAnswered
from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.projection import queries, views
from patentflow.projection.engine import Engine
from patentflow.testing.events import received

from .history import at, cut, history, shuffled_with_repeats
from .test_engine_views import NATIONAL, every_view
from .test_evaluation_views import evaluation_history
from .test_matching_views import F1, P1, P2, REASONS, funnel_history, matching_history

D3 = "c" * 32


def late_events() -> list[ReceivedEvent]:
    """Reported days after the day they hold from: P2 matched on 20 June (reported 15 July), and F1's interest in P2
    shown on 30 September, the last day of Q3 (reported 2 October, in Q4)."""
    found = MatchFound(application_number=P2, demand_id=D3, enterprise=F1, province="430000", score=0.7,
                       reasons=REASONS, ranking_version="r", trigger="new_demand", found_on=date(2024, 6, 20))  # fmt: skip
    interested = PushAnswered(application_number=P2, enterprise=F1, province="430000", answer="interested",
                              answered_on=date(2024, 9, 30))  # fmt: skip
    return [
        received(found, 20, time=at(date(2024, 7, 15)), event_id="late-match"),
        received(interested, 21, time=at(date(2024, 10, 2)), event_id="late-answer"),
    ]


def everything() -> list[ReceivedEvent]:
    """The inventory's history, the matching service's and the evaluation service's events, and two late ones."""
    tuples = matching_history() + evaluation_history()
    return [
        *history(),
        *(received(e, s, time=t, event_id=i) for e, s, t, i in tuples),
        *funnel_history(),
        *late_events(),
    ]


async def engine_of(batches: list[list[ReceivedEvent]]) -> Engine:
    engine = Engine(None)
    await engine.start()
    for batch in batches:
        await engine.apply(batch)
    return engine


def _timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in ("changed_at", "updated_at")}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


async def all_views(engine: Engine, as_of: date | None, today: date | None = None) -> dict[str, Any]:
    """The inventory's views (with the quarterly figures) and the matching and evaluation views, as of a day."""
    f = queries.Filters()
    out = await every_view(engine, as_of, today or as_of or date(2026, 12, 1))
    out |= {
        "matching_coverage": await views.matching_coverage(engine, NATIONAL, f, "institution", as_of),
        "funnel": await views.funnel(engine, NATIONAL, f, as_of),
        "declined": await views.declined_reasons(engine, NATIONAL, f, as_of),
        "evaluation_coverage": await views.evaluation_coverage(engine, NATIONAL, f, "province", as_of),
        "grades": await views.grades(engine, NATIONAL, f, None, as_of),
        "prospect": await views.answers(engine, NATIONAL, f, "prospect", as_of),
        "intent": await views.answers(engine, NATIONAL, f, "intent", as_of),
    }
    return _timeless(out)


async def test_late_events_count_in_the_period_of_the_day_they_declare() -> None:
    engine = await engine_of([everything()])
    june = await all_views(engine, date(2024, 6, 30))
    # P2's match holds from 20 June though reported in July: both pool patents were matched by 30 June.
    assert [(r["pooled"], r["matched"]) for r in june["matching_coverage"]] == [(2, 2)]
    now = await all_views(engine, None)
    hunan = {r["quarter"]: r for r in now["funnel"] if r["enterprise_province"] == "430000"}
    # The interest shown on 30 September counts in Q3, the quarter of its day, not in Q4 when it was reported.
    assert sorted(hunan) == ["2024-Q2", "2024-Q3"]
    assert (hunan["2024-Q3"]["interested"], hunan["2024-Q3"]["viewed"]) == (2, 1)
    september = await all_views(engine, date(2024, 9, 30))
    assert {r["quarter"]: r["interested"] for r in september["funnel"] if r["enterprise_province"] == "430000"} == {
        "2024-Q2": 0,
        "2024-Q3": 2,
    }
    await engine.close()


async def test_the_patent_timeline_files_a_late_event_under_its_declared_day() -> None:
    engine = await engine_of([everything()])
    _, rows = await engine.query("SELECT effective, time FROM live.events WHERE id = 'late-answer'")
    assert [(effective.isoformat(), time.date().isoformat()) for effective, time in rows] == [
        ("2024-09-30", "2024-10-02")
    ]
    await engine.close()


@pytest.mark.parametrize("day", [date(2024, 5, 31), date(2024, 6, 30), date(2024, 7, 1), date(2024, 9, 30)])
async def test_every_view_as_of_a_day_equals_a_replay_cut_there(day: date) -> None:
    events = everything()
    full = await engine_of([events])
    replay = await engine_of([cut(events, day)])
    assert await all_views(full, day) == await all_views(replay, None, today=day)
    await full.close()
    await replay.close()


@pytest.mark.parametrize("seed", [4, 5])
async def test_every_view_is_the_same_after_the_history_twice_or_shuffled_with_repeats(seed: int) -> None:
    events = everything()
    once = await engine_of([events])
    twice = await engine_of([events, events])
    mixed = await engine_of(shuffled_with_repeats(events, seed))
    expected = await all_views(once, None)
    assert expected["funnel"]  # a history, not nothing
    assert expected["grades"]
    assert await all_views(twice, None) == expected
    assert await all_views(mixed, None) == expected
    for engine in (once, twice, mixed):
        await engine.close()


def test_a_declared_day_is_read_off_the_event_and_p1_keeps_its_own() -> None:
    from patentflow.projection.facts import rows_of

    late = late_events()[1]
    assert [r["effective"] for r in rows_of(late)] == [date(2024, 9, 30)]
    found = next(e for e in everything() if e.meta.type.endswith("MatchFound.v1") and e.meta.subject == P1)
    assert [r["effective"] for r in rows_of(found)] == [date(2024, 6, 1)]
