"""Every view over a known history: exact figures; the same with repeats and any delivery order; as-of = a cut replay."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from patentflow.contracts.access import Role, Scope
from patentflow.contracts.industries import load_industries
from patentflow.kit.principal import Principal
from patentflow.projection import queries, views
from patentflow.projection.engine import Engine
from patentflow.projection.queries import Filters
from patentflow.projection.reference import load_targets
from patentflow.testing.samples import number

from .history import NOW, at, cut, history, shuffled_with_repeats

NATIONAL = Principal(sub="n", role=Role.NATIONAL_ADMIN, scope=Scope())
TARGETS = load_targets()
METRICS = ["recorded", "inventoried", "pooled", "withdrawn"]
YEARS = (date(2024, 1, 1), date(2025, 12, 31))
KNOWN = {"PatentRecorded", "InventoryRecordFilled", "EnteredConversionPool", "WithdrawnFromPool", "StateFundedNonUseFlagged"}  # fmt: skip


def count_reads(engine: Engine) -> list[int]:
    """Count the reads the engine computes (not those answered from memory): the one-item list holds the count."""
    runs = [0]
    read = engine._read

    def counted(sql: str, params: list[Any]) -> Any:
        runs[0] += 1
        return read(sql, params)

    engine._read = counted  # type: ignore[method-assign]
    return runs


async def engine_of(batches: list[list[Any]]) -> Engine:
    engine = Engine(None, industries=load_industries())
    await engine.start()
    for batch in batches:
        await engine.apply(batch)
    return engine


async def every_view(engine: Engine, as_of: date | None, today: date = NOW) -> dict[str, Any]:
    """Every view's answer for the national administrator, changed_at left out (it is the time of the newest event),
    the quarterly figures and targets too (they count events by their own effective days)."""
    f = Filters()
    out: dict[str, Any] = {
        "coverage_institution": await views.coverage(engine, TARGETS, NATIONAL, f, "institution", as_of, today),
        "coverage_province": await views.coverage(engine, TARGETS, NATIONAL, f, "province", as_of, today),
        "pool_sei": await views.pool(engine, NATIONAL, f, ["sei"], as_of),
        "pool_trl_intent": await views.pool(engine, NATIONAL, f, ["trl", "intent"], as_of),
        "legal_status": await views.legal_status(engine, NATIONAL, f, None, as_of),
        "five_year": (await views.five_year(engine, NATIONAL, f, as_of, 100, 0))[0],
        "facet_review": await views.rows_of(engine, queries.facet(NATIONAL, f, "review_state", as_of)),
        "listing": (await views.listing(engine, queries.page(NATIONAL, f, limit=100, as_of=as_of), 100))[0],
        "quarterly": await views.quarterly(engine, TARGETS, KNOWN, NATIONAL, f, METRICS, *YEARS, as_of),
    }
    if as_of is not None:
        out["quarterly"]["as_of"] = None  # the day asked for, absent from a replay asked for now
    return _without_changed_at(out)


def _without_changed_at(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_changed_at(v) for k, v in value.items() if k not in ("changed_at", "updated_at")}
    if isinstance(value, list):
        return [_without_changed_at(v) for v in value]
    return value


def _by(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}


async def test_the_figures_of_a_known_history_are_exact() -> None:
    engine = await engine_of([history()])
    now = await every_view(engine, None)
    institutions = _by(now["coverage_institution"], "name")
    pilot, other = institutions["示范理工大学"], institutions["湖南示范大学"]
    assert (pilot["stock_valid"], pilot["inventoried"], pilot["pooled"], pilot["recorded"]) == (3, 3, 2, 3)
    assert (pilot["institution_type"], pilot["ministry"], pilot["coverage"]) == ("pilot", "MoE", 1.0)
    assert (pilot["target_2024-06-30"], pilot["status_2024-06-30"]) == (1.0, "met")
    # B: one patent lapsed (not stock), one not granted (not stock), one inventoried then withdrawn from the pool.
    assert (other["stock_valid"], other["inventoried"], other["pooled"], other["recorded"]) == (1, 1, 0, 3)
    assert (other["target_2024-06-30"], other["status_2024-06-30"]) == (0.3, "met")
    provinces = _by(now["coverage_province"], "province")
    assert (provinces["110000"]["institutions"], provinces["110000"]["stock_valid"]) == (1, 3)
    assert (provinces["430000"]["stock_valid"], provinces["430000"]["coverage"]) == (1, 1.0)
    # A province is judged by its institutions: met once every one of them with stock has.
    beijing = provinces["110000"]
    assert (beijing["institutions_met_2024-06-30"], beijing["institutions_judged_2024-06-30"]) == (1, 1)
    assert (beijing["status_2024-06-30"], provinces["430000"]["status_2024-12-31"]) == ("met", "met")
    assert {r["sei"]: r["patents"] for r in now["pool_sei"]} == {"新一代信息技术产业": 1, "新能源汽车产业": 1}
    assert {(r["trl"], r["intent"]): r["patents"] for r in now["pool_trl_intent"]} == {
        (4, "licence_ordinary"): 1,
        (6, "licence_ordinary"): 1,
    }
    assert {r["legal_status"]: r["patents"] for r in now["legal_status"]} == {"valid": 5, "terminated": 1}
    assert [r["application_number"] for r in now["five_year"]] == [number(2019, 3)]
    assert {r["value"]: r["patents"] for r in now["facet_review"]} == {
        "pooled": 2,
        "draft": 3,
        "withdrawn": 1,
    }
    assert len(now["listing"]) == 6
    figures = {(f["metric"], f["quarter"]): f["actual"] for f in now["quarterly"]["figures"] if f["actual"]}
    assert figures == {
        ("recorded", "2024Q1"): 6,
        ("inventoried", "2024Q2"): 3,
        ("inventoried", "2024Q3"): 1,
        ("pooled", "2024Q2"): 2,
        ("pooled", "2024Q3"): 1,
        ("withdrawn", "2025Q3"): 1,
    }
    national = next(t for t in now["quarterly"]["targets"] if t["region"] == "national")
    assert (national["metric"], national["actual"], national["target"], national["measured"]) == (
        "inventoried",
        1.0,
        1.0,
        True,
    )
    hunan = [t for t in now["quarterly"]["targets"] if t["region"] == "430000"]
    assert {t["metric"]: (t["actual"], t["measured"]) for t in hunan} == {
        "product_filings": (0, False),
        "pledge_amount": (0, False),
    }
    await engine.close()


async def test_as_of_a_past_day_counts_what_held_then_late_events_in_their_period() -> None:
    engine = await engine_of([history()])
    june = await every_view(engine, date(2024, 6, 30))
    other = _by(june["coverage_institution"], "name")["湖南示范大学"]
    # On 2024-06-30 B's patent 12 was still in force (its lapse holds from 2024-11-01) and nothing was inventoried.
    assert (other["stock_valid"], other["inventoried"], other["coverage"]) == (2, 0, 0.0)
    assert (other["status_2024-06-30"], other["status_2024-12-31"]) == ("missed", "pending")
    hunan = _by(june["coverage_province"], "province")["430000"]
    assert (hunan["institutions_met_2024-06-30"], hunan["status_2024-06-30"]) == (0, "missed")
    # As of 30 June the quarterly figures hold only what was effective by then: nothing inventoried in Q3 yet.
    figures = {(f["metric"], f["quarter"]): f["actual"] for f in june["quarterly"]["figures"] if f["actual"]}
    assert ("inventoried", "2024Q3") not in figures
    assert figures[("inventoried", "2024Q2")] == 3
    year_end = await every_view(engine, date(2024, 12, 31))
    other = _by(year_end["coverage_institution"], "name")["湖南示范大学"]
    assert (other["stock_valid"], other["inventoried"], other["pooled"]) == (1, 1, 1)
    assert {r["sei"]: r["patents"] for r in year_end["pool_sei"]}["生物产业"] == 1
    assert (await every_view(engine, date(2025, 6, 1)))["five_year"] == []
    await engine.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_repeats_and_any_delivery_order_give_the_same_figures(seed: int) -> None:
    events = history()
    in_order = await engine_of([events])
    mixed = await engine_of(shuffled_with_repeats(events, seed))
    twice = await engine_of([events, events])
    expected = await every_view(in_order, None)
    assert await every_view(mixed, None) == expected
    assert await every_view(twice, None) == expected
    for engine in (in_order, mixed, twice):
        await engine.close()


@pytest.mark.parametrize("day", [date(2024, 2, 15), date(2024, 6, 30), date(2024, 12, 31), date(2025, 6, 30)])
async def test_an_as_of_answer_equals_a_replay_cut_at_that_day(day: date) -> None:
    events = history()
    full = await engine_of([events])
    replay = await engine_of([cut(events, day)])
    # The deadlines are judged on the day asked for, in both.
    assert await every_view(full, day) == await every_view(replay, None, today=day)
    await full.close()
    await replay.close()


async def test_a_restart_derives_the_same_current_tables_as_the_folds(tmp_path: Any) -> None:
    events = history()
    path = tmp_path / "engine.duckdb"
    live = Engine(path, industries=load_industries())
    await live.start()
    for batch in shuffled_with_repeats(events, 7):
        await live.apply(batch)
    folded = await every_view(live, None)
    await live.close()
    restarted = Engine(path, industries=load_industries())
    await restarted.start()
    assert await every_view(restarted, None) == folded
    await restarted.close()


async def test_every_filter_works_as_of_a_past_day_too() -> None:
    engine = await engine_of([history()])
    day = date(2024, 12, 31)
    every = Filters(
        province="430000", institution=None, ministry="", sei="4", industry="27", patent_type="invention",
        institution_type="other", review_state="pooled", legal_status="valid", state_funded=False,
        five_year_flagged=False, ipc="A61K",
    )  # fmt: skip
    coverage = await views.coverage(engine, TARGETS, NATIONAL, every, "institution", day, NOW)
    assert [(r["name"], r["pooled"]) for r in coverage] == [("湖南示范大学", 1)]
    assert [r["patents"] for r in await views.pool(engine, NATIONAL, every, ["sei", "industry", "intent"], day)] == [
        1,
        1,
    ]
    assert await views.legal_status(engine, NATIONAL, every, "institution_type", day) != []
    page = queries.page(NATIONAL, every, as_of=day, fields=("application_number",))
    assert [r["application_number"] for r in (await views.listing(engine, page, 10))[0]] == [number(2019, 11)]
    await engine.close()


async def test_patents_by_ipc_class_and_grant_year_now_and_as_of_a_day() -> None:
    engine = await engine_of([history()])
    f = Filters()
    table = await views.rows_of(engine, queries.facet(NATIONAL, f, "ipc_class", None, "grant_year"))
    # Patents 1, 3, 12 (G06F), 2 (H01M), 11 (A61K) granted in 2020; 13 (G06F) not granted.
    assert [(r["value"], r["grant_year"], r["patents"]) for r in table] == [
        ("A61K", 2020, 1),
        ("G06F", 2020, 3),
        ("G06F", None, 1),
        ("H01M", 2020, 1),
    ]
    # On 2024-02-15 only institution A's three patents had been recorded.
    early = await views.rows_of(engine, queries.facet(NATIONAL, f, "ipc_class", date(2024, 2, 15), "filing_year"))
    assert [(r["value"], r["filing_year"], r["patents"]) for r in early] == [("G06F", 2019, 2), ("H01M", 2019, 1)]
    await engine.close()


async def test_each_figure_says_when_it_last_changed_a_late_event_by_when_it_was_recorded() -> None:
    engine = await engine_of([history()])
    f = Filters()
    coverage = await views.coverage(engine, TARGETS, NATIONAL, f, "institution", None, NOW)
    assert {r["name"]: r["changed_at"] for r in coverage} == {
        "示范理工大学": at(date(2025, 6, 2)),  # the five-year flag
        "湖南示范大学": at(date(2025, 9, 1)),  # the withdrawal from the pool
    }
    # The lapse holds from 2024-11-01 but was recorded on 2025-03-05: that is when the figure changed.
    legal = {r["legal_status"]: r["changed_at"] for r in await views.legal_status(engine, NATIONAL, f, None, None)}
    assert legal["terminated"] == at(date(2025, 3, 5))
    pool = await views.pool(engine, NATIONAL, f, ["sei"], None)
    assert {r["sei"]: r["changed_at"] for r in pool} == {
        "新一代信息技术产业": at(date(2024, 5, 13)),
        "新能源汽车产业": at(date(2024, 5, 13)),
    }
    await engine.close()


@pytest.mark.parametrize("by", sorted(queries.FACETS))
async def test_legal_status_and_grades_split_by_any_other_dimension_as_of_a_day(by: str) -> None:
    """A second dimension reads a column an as-of derivation must compute too; the split keeps every patent, and
    its column comes beside the view's own (none overwritten)."""
    engine = await engine_of([history()])
    day = date(2024, 12, 31)
    for name, view in (("legal_status", views.legal_status), ("grades", views.grades)):
        if by in queries.OWN_DIMENSIONS[name]:
            continue  # refused by the API (test_read_access)
        whole = await view(engine, NATIONAL, Filters(), None, day)
        split = await view(engine, NATIONAL, Filters(), by, day)
        assert sum(r["patents"] for r in split) == sum(r["patents"] for r in whole) > 0
        assert all(set(r) == set(whole[0]) | {by} for r in split), (name, by)
    await engine.close()


async def test_a_read_is_answered_again_from_memory_only_until_the_next_write() -> None:
    events = history()
    engine = await engine_of([events[:5]])
    count = "SELECT count(*) FROM live.patents WHERE application_number IS NOT NULL"
    assert (await engine.query(count))[1] == [(3,)]
    assert (await engine.query(count))[1] == [(3,)]  # the same answer, from memory
    await engine.apply(events[5:])
    assert (await engine.query(count))[1] == [(6,)]  # the write made the kept answer stale
    await engine.close()


async def test_identical_reads_asked_together_run_once() -> None:
    import asyncio

    engine = await engine_of([history()])
    runs = count_reads(engine)
    sql = "SELECT province, count(*) FROM live.patents GROUP BY 1 ORDER BY 1"
    answers = await asyncio.gather(*(engine.query(sql) for _ in range(20)))
    assert runs == [1]
    assert all(a == answers[0] for a in answers)
    assert answers[0][1] == [("110000", 3), ("430000", 3)]
    await engine.close()


async def test_an_engine_file_of_other_columns_starts_afresh_with_a_new_group(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "engine.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE TABLE events (id VARCHAR, pid BIGINT, facts VARCHAR)")
    old.execute("CREATE TABLE engine_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
    old.execute("INSERT INTO engine_info VALUES ('group', 'engine-old')")
    old.close()
    engine = Engine(path, industries=load_industries())
    await engine.start()
    assert engine.group != "engine-old"  # a new group reads every partition from the beginning
    await engine.apply(history())
    assert await engine.count_events() == len(history())
    await engine.close()


async def test_pilot_demonstration_and_other_institutions_are_told_apart_and_judged() -> None:
    from patentflow.contracts.events import InstitutionRegistered, PatentRecorded
    from patentflow.contracts.events.common import Owner
    from patentflow.contracts.identifiers import credit_code_check_char
    from patentflow.testing.events import received

    from .history import A, patent

    c = "12320000466000017" + credit_code_check_char("12320000466000017")
    registered = InstitutionRegistered(credit_code=c, name="江苏示范研究院", kind="research_institute",  # type: ignore[arg-type]
                                       province="320000", demonstration=True, registered_by="national")  # fmt: skip
    recorded = patent(31, A).model_dump() | {"owner": Owner(credit_code=c, name="江苏示范研究院", province="320000")}
    extra = [
        received(registered, 1, time=at(date(2024, 1, 10)), event_id="c-1"),
        received(PatentRecorded.model_validate(recorded), 1, time=at(date(2024, 1, 11)), event_id="c-2"),
    ]
    engine = await engine_of([history() + extra])
    rows = await views.coverage(engine, TARGETS, NATIONAL, Filters(), "institution", None, NOW)
    kinds = {r["name"]: (r["institution_type"], r["target_2024-06-30"], r["status_2024-06-30"]) for r in rows}
    # The demonstration institute inventoried none of its one patent: judged as the pilots are, by 100 %.
    assert kinds == {"示范理工大学": ("pilot", 1.0, "met"), "湖南示范大学": ("other", 0.3, "met"),
                     "江苏示范研究院": ("demonstration", 1.0, "missed")}  # fmt: skip
    for kind, names in (
        ("demonstration", ["江苏示范研究院"]),
        ("pilot", ["示范理工大学"]),
        ("other", ["湖南示范大学"]),
    ):
        only = await views.coverage(engine, TARGETS, NATIONAL, Filters(institution_type=kind), "institution", None, NOW)
        assert [r["name"] for r in only] == names
    facet = await views.rows_of(engine, queries.facet(NATIONAL, Filters(), "institution_type", None))
    assert {r["value"]: r["patents"] for r in facet} == {"pilot": 3, "other": 3, "demonstration": 1}
    await engine.close()
