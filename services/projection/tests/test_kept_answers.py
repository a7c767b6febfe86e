"""Answers kept across writes that do not touch them: every answer served equals a fresh read, and some are kept."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from patentflow.contracts.access import Role, Scope
from patentflow.kit.principal import Principal
from patentflow.projection import queries, views
from patentflow.projection.answers import Answers, one_patent, patent, province
from patentflow.projection.engine import ANSWERS, Engine
from patentflow.projection.facts import pid_of
from patentflow.projection.patents import ROWS_SQL
from patentflow.projection.queries import Filters
from patentflow.projection.reference import load_targets
from patentflow.testing.events import received
from patentflow.testing.samples import number

from . import history as h
from .test_engine_views import count_reads, engine_of

KEY = ("SELECT 1", ())
ANSWER: Any = (["x"], [(1,)])
BEIJING, HUNAN = frozenset({province("110000")}), frozenset({province("430000")})


def test_an_answer_is_kept_across_writes_elsewhere_and_dropped_by_one_that_touches_it() -> None:
    kept = Answers()
    kept.put(KEY, kept.version, ANSWER, BEIJING)
    assert kept.get(KEY) == (ANSWER, False)
    kept.wrote(HUNAN | {patent(7)})
    kept.wrote(frozenset({patent(8)}))
    assert kept.get(KEY) == (ANSWER, True)
    kept.wrote(BEIJING | HUNAN)
    assert kept.get(KEY) is None
    assert kept.get(KEY) is None  # and it is forgotten


def test_a_write_that_may_have_changed_anything_or_a_derivation_drops_every_kept_answer() -> None:
    kept = Answers()
    kept.put(KEY, kept.version, ANSWER, BEIJING)
    kept.wrote(None)
    assert kept.get(KEY) is None
    kept.put(KEY, kept.version, ANSWER, BEIJING)
    kept.changed_everything()
    kept.wrote(HUNAN)
    assert kept.get(KEY) is None


def test_an_answer_that_depends_on_anything_is_kept_only_until_the_next_write() -> None:
    kept = Answers()
    kept.put(KEY, kept.version, ANSWER, None)
    assert kept.get(KEY) == (ANSWER, False)
    kept.wrote(HUNAN)
    assert kept.get(KEY) is None


def test_an_answer_older_than_the_writes_logged_is_computed_again() -> None:
    kept = Answers(writes_kept=3)
    kept.put(KEY, kept.version, ANSWER, BEIJING)
    for _ in range(4):
        kept.wrote(HUNAN)
    assert kept.get(KEY) is None


def test_an_answer_read_while_a_write_ran_is_checked_against_that_write() -> None:
    kept = Answers()
    began = kept.version  # the read begins ...
    kept.wrote(BEIJING)  # ... a write touching it ends while the read runs ...
    kept.put(KEY, began, ANSWER, BEIJING)  # ... and the answer is kept under the version the read began at
    assert kept.get(KEY) is None


def test_the_least_recently_asked_answer_goes_first() -> None:
    kept = Answers(kept=2)
    for i in range(3):
        kept.put((f"SELECT {i}", ()), kept.version, ANSWER, None)
    assert kept.get(("SELECT 0", ())) is None
    assert kept.get(("SELECT 2", ())) == (ANSWER, False)


def test_a_restriction_depends_on_its_one_province_and_an_as_of_day_on_anything() -> None:
    office = Principal(sub="o", role=Role.PROVINCE_OFFICE, scope=Scope(province="110000"))
    assert queries.footprint(office, Filters(), None) == BEIJING
    assert queries.footprint(office, Filters(province="430000"), None) == BEIJING  # it sees none of Hunan anyway
    assert queries.footprint(NATIONAL, Filters(province="430000"), None) == HUNAN
    assert queries.footprint(NATIONAL, Filters(), None) is None
    assert queries.footprint(office, Filters(), date(2025, 1, 1)) is None
    assert queries.footprint(INSTITUTION, Filters(), None) is None


NATIONAL = Principal(sub="n", role=Role.NATIONAL_ADMIN, scope=Scope())
INSTITUTION = Principal(sub="i", role=Role.INSTITUTION_ADMIN, scope=Scope(institution=h.A))
PRINCIPALS = [
    NATIONAL,
    INSTITUTION,
    Principal(sub="b", role=Role.PROVINCE_OFFICE, scope=Scope(province="110000")),
    Principal(sub="m", role=Role.MINISTRY, scope=Scope(ministry="MoE")),
    Principal(sub="e", role=Role.ENTERPRISE, scope=Scope(enterprise=h.B)),
    Principal(sub="k", role=Role.BANK, scope=Scope(bank=h.B)),
]
FILTERS = [Filters(), Filters(province="110000"), Filters(province="430000", ipc="G06F", institution=h.B)]
KNOWN = {"PatentRecorded", "InventoryRecordFilled", "EnteredConversionPool", "WithdrawnFromPool"}
TARGETS = load_targets()
SERIALS = (1, 2, 3, 11, 12, 13)
METRICS = {"recorded", "inventoried", "pooled", "withdrawn"}
YEARS = (date(2024, 1, 1), date(2025, 12, 31))
TIMELINE_SQL = (
    "SELECT id, type, source, seq, time, effective, actor, data, topic FROM live.events WHERE pid = ? ORDER BY ord, id"
)


def _history_with_a_move() -> list[Any]:
    """The known history, and patent 2 of institution A (Beijing) recorded again under B (Hunan) later."""
    moved = received(h.patent(2, h.B), 6, time=h.at(date(2025, 10, 1)), event_id="moved-2")
    return [*h.history(), moved]


async def _ask_everything(engine: Engine) -> None:
    for who in PRINCIPALS:
        for f in FILTERS:
            await views.coverage(engine, TARGETS, who, f, "institution", None, h.NOW)
            await views.coverage(engine, TARGETS, who, f, "province", None, h.NOW)
            await views.pool(engine, who, f, ["sei"], None)
            await views.legal_status(engine, who, f, "patent_type", None)
            await views.five_year(engine, who, f, None, 20, 0)
            await views.listing(engine, queries.page(who, f, sort="-grant_date", limit=20), 20)
            await views.rows_of(engine, queries.facet(who, f, "review_state", None))
            await views.evaluation_coverage(engine, who, f, "institution", None)
            await views.matching_coverage(engine, who, f, "institution", None)
            await views.funnel(engine, who, f, None)
            await views.declined_reasons(engine, who, f, None)
            await views.grades(engine, who, f, "province", None)
            await views.answers(engine, who, f, "prospect", None)
            await views.quarterly(engine, TARGETS, KNOWN, who, f, sorted(KNOWN & METRICS), *YEARS)
        await views.coverage(engine, TARGETS, who, Filters(province="110000"), "institution", date(2024, 6, 30), h.NOW)
        for serial in SERIALS:  # whether the caller may see one patent, as ``GET /patents/{number}`` asks it
            pid = pid_of(number(2019, serial))
            where = queries.base(who, Filters(), None)
            await views.scalar(engine, queries.Clause(f"SELECT count(*) {where.sql} AND p.pid = ?",
                                                      (*where.params, pid), one_patent(pid)))  # fmt: skip
    for serial in SERIALS:
        pid = pid_of(number(2019, serial))
        await engine.query(ROWS_SQL, (pid,), one_patent(pid))
        await engine.query(TIMELINE_SQL, (pid,), one_patent(pid))
        await engine.query("SELECT encumbrances FROM live.patents WHERE pid = ?", (pid,), one_patent(pid))


@pytest.mark.parametrize("seed", [1])
async def test_every_answer_served_equals_a_fresh_read_whatever_the_order_of_the_writes(seed: int) -> None:
    engine = await engine_of([])
    asked = engine.query

    async def checked(sql: str, params: Any = (), depends: Any = None) -> Any:
        from_memory = (sql, tuple(params)) in engine.answers._answers  # a computed answer needs no second read
        answer = await asked(sql, params, depends)
        if from_memory:
            assert answer == engine._read(sql, list(params)), (sql, params, depends)
        return answer

    engine.query = checked  # type: ignore[method-assign]
    kept_before = ANSWERS.labels(how="kept")._value.get()
    for batch in h.shuffled_with_repeats(_history_with_a_move(), seed):
        await engine.apply(batch)
        await _ask_everything(engine)  # after the next write, some of these answers are kept: each is checked
    assert ANSWERS.labels(how="kept")._value.get() > kept_before  # some answers were kept across writes
    await engine.close()


async def test_a_province_answer_stays_kept_while_another_province_writes_and_a_move_drops_both() -> None:
    engine = await engine_of([h.history()])
    runs = count_reads(engine)
    beijing, hunan = Filters(province="110000"), Filters(province="430000")

    async def stock(f: Filters) -> int:
        return sum(
            r["stock_valid"] for r in await views.coverage(engine, TARGETS, NATIONAL, f, "province", None, h.NOW)
        )

    assert (await stock(beijing), await stock(hunan)) == (3, 1)
    runs[0] = 0
    await engine.apply([received(h.patent(14, h.B), 1, time=h.at(date(2025, 11, 1)), event_id="p14")])
    assert await stock(beijing) == 3
    assert runs[0] == 0  # Beijing's answer was kept across Hunan's write
    assert await stock(hunan) == 2
    assert runs[0] > 0
    await engine.apply([received(h.patent(2, h.B), 6, time=h.at(date(2025, 11, 2)), event_id="moved-2")])
    for f, now in ((beijing, 2), (hunan, 3)):  # the move touched both provinces: each is read afresh
        before = runs[0]
        assert await stock(f) == now
        assert runs[0] > before
    await engine.close()


async def test_an_institutions_facts_arriving_drop_the_answers_of_every_province() -> None:
    registered_a, *rest = h.history()
    assert registered_a.meta.type.endswith(".InstitutionRegistered.v1")
    assert registered_a.meta.subject == h.A
    engine = await engine_of([rest])
    beijing = Filters(province="110000")

    async def names() -> list[Any]:
        return [r["name"] for r in await views.coverage(engine, TARGETS, NATIONAL, beijing, "institution", None, h.NOW)]

    assert await names() == [None]  # its patents arrived first: not yet named
    await engine.apply([registered_a])  # an institution's event states no patent: it may change any answer
    assert await names() == ["示范理工大学"]
    await engine.close()
