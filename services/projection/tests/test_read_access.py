"""Who reads what, endpoint by endpoint and role by role, counts and facets included; rate limits; exports."""

from __future__ import annotations

import contextlib
import csv
import io
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import pytest

from patentflow.contracts.access import Role
from patentflow.projection.app import create_app
from patentflow.projection.config import Settings
from patentflow.testing.inprocess import InProcess, MemoryRuntime, auth, eventually, running, settings_for
from patentflow.testing.samples import number

from .history import A, B, published

MINE = [number(2019, s) for s in (1, 2, 3)]
THEIRS = [number(2019, s) for s in (11, 12, 13)]
POOLED = [number(2019, 1), number(2019, 2)]

# role: (token, patents it lists, provinces in its coverage view or None for 403, may read the pool view)
CALLERS: dict[str, tuple[dict[str, str], list[str], list[str] | None, bool]] = {
    "national": (auth(Role.NATIONAL_ADMIN), MINE + THEIRS, ["110000", "430000"], True),
    "operator": (auth(Role.OPERATOR), MINE + THEIRS, ["110000", "430000"], True),
    "ministry MoE": (auth(Role.MINISTRY, ministry="MoE"), MINE, ["110000"], True),
    "ministry CAS": (auth(Role.MINISTRY, ministry="CAS"), [], [], True),
    "province 110000": (auth(Role.PROVINCE_OFFICE, province="110000"), MINE, ["110000"], True),
    "province 430000": (auth(Role.PROVINCE_OFFICE, province="430000"), THEIRS, ["430000"], True),
    "institution A": (auth(Role.INSTITUTION_ADMIN, institution=A), MINE, ["110000"], True),
    "institution B": (auth(Role.INSTITUTION_ADMIN, institution=B), THEIRS, ["430000"], True),
    "school A/s1": (auth(Role.SCHOOL_REVIEWER, institution=A, school="s1"), [number(2019, 1)], ["110000"], True),
    "inventor A/inv-1": (auth(Role.INVENTOR, institution=A, person="inv-1"), [number(2019, 1)], None, False),
    "enterprise": (auth(Role.ENTERPRISE, enterprise=B), POOLED, None, True),
    "bank": (auth(Role.BANK, bank=B), [], None, False),
    "insurer": (auth(Role.INSURER, bank=B), [], None, False),
    "valuer": (auth(Role.VALUER, bank=B), [], None, False),
    "expert": (auth(Role.EXPERT, person="e-1"), [], None, False),
}


# The views of the evaluation and matching services' figures: (path, params, the figure summed over the rows and
# what it is per pool patent of institution A in the caller's scope: P1 is matched, pushed to two enterprises,
# declined by one, evaluated by two (one answer each counted), graded; P2 pushed to one enterprise, graded).
NEWER_VIEWS = ["/views/matching-coverage", "/views/funnel", "/views/declined-reasons", "/views/evaluation-coverage",
               "/views/grades", "/views/evaluation-answers"]  # fmt: skip
NEWER_FIGURES: list[tuple[str, dict[str, str], str, dict[str, int]]] = [
    ("/views/matching-coverage", {"group": "institution"}, "matched", {POOLED[0]: 1, POOLED[1]: 0}),
    ("/views/funnel", {}, "pushed", {POOLED[0]: 2, POOLED[1]: 1}),
    ("/views/declined-reasons", {}, "declined", {POOLED[0]: 1, POOLED[1]: 0}),
    ("/views/evaluation-coverage", {"group": "institution"}, "enterprise_evaluated", {POOLED[0]: 1, POOLED[1]: 0}),
    ("/views/grades", {}, "patents", {POOLED[0]: 1, POOLED[1]: 1}),
    ("/views/evaluation-answers", {"by": "intent"}, "answers", {POOLED[0]: 2, POOLED[1]: 0}),
]


def every_service_events() -> list[tuple[Any, int, Any, str]]:
    """The inventory's history with the matching and evaluation services' events about A's pool patents."""
    from .test_evaluation_views import evaluation_history
    from .test_matching_views import _funnel_events, matching_history

    return published() + matching_history() + _funnel_events() + evaluation_history()


@contextlib.asynccontextmanager
async def loaded(*, events: Any = published, **overrides: Any) -> AsyncIterator[InProcess]:
    settings = settings_for(Settings, engine_dir=None, **overrides)
    history = events()
    async with running(create_app(settings, runtime=MemoryRuntime(settings))) as service:
        for event, sequence, when, event_id in history:
            await service.publish(event, sequence=sequence, time=when, event_id=event_id)

        async def all_there() -> bool:
            _, rows = await service.app.state.deps.engine.query("SELECT count(DISTINCT id) FROM live.events")
            return int(rows[0][0]) == len(history)

        await eventually(all_there, what="every event in the engine")
        yield service


@pytest.fixture(scope="module")
async def service() -> AsyncIterator[InProcess]:
    async with loaded(read_rate_per_second=10_000, read_burst=10_000) as running_service:
        yield running_service


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_each_role_lists_counts_and_facets_its_own_patents_only(service: InProcess, caller: str) -> None:
    token, expected, _, _ = CALLERS[caller]
    listed = await service.http.get("/patents", params={"limit": 500, "fields": "application_number"}, headers=token)
    assert listed.status_code == 200
    body = listed.json()
    assert sorted(i["application_number"] for i in body["items"]) == sorted(expected)
    assert body["total"] == len(expected)
    facet = (await service.http.get("/patents/facets", params={"by": "province"}, headers=token)).json()
    assert sum(c["patents"] for c in facet["counts"]) == len(expected)
    table = await service.http.get("/patents/facets", params={"by": "ipc_class", "then": "grant_year"}, headers=token)
    assert table.json()["then"] == "grant_year"
    assert sum(c["patents"] for c in table.json()["counts"]) == len(expected)
    # Asking for what lies outside the scope gives the empty answer, not an error that says it exists.
    for province, there in (("110000", MINE), ("430000", THEIRS)):
        asked = await service.http.get("/patents", params={"province": province}, headers=token)
        assert asked.json()["total"] == len(set(expected) & set(there)), (caller, province)
    for n in MINE + THEIRS:
        one = await service.http.get(f"/patents/{n}", headers=token)
        history = await service.http.get(f"/patents/{n}/timeline", headers=token)
        assert one.status_code == history.status_code == (200 if n in expected else 404), (caller, n)


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_each_role_sees_monitoring_figures_of_its_scope_only(service: InProcess, caller: str) -> None:
    token, expected, provinces, pool_allowed = CALLERS[caller]
    coverage = await service.http.get("/views/coverage", headers=token)
    if provinces is None:
        assert coverage.status_code == 403
        for path in ("/views/legal-status", "/views/five-year", "/views/quarterly"):
            assert (await service.http.get(path, headers=token)).status_code == 403
    else:
        assert coverage.status_code == 200
        assert [r["province"] for r in coverage.json()["rows"]] == provinces
        legal = (await service.http.get("/views/legal-status", headers=token)).json()["rows"]
        assert sum(r["patents"] for r in legal) == len(expected)
        watch = (await service.http.get("/views/five-year", headers=token)).json()
        assert [r["application_number"] for r in watch["rows"]] == [n for n in [number(2019, 3)] if n in expected]
        quarterly = (await service.http.get("/views/quarterly", headers=token)).json()
        regions = {t["region"] for t in quarterly["targets"]}
        if caller in ("national", "operator"):
            assert regions == {"national", "150000", "430000"}
        elif caller == "province 430000":
            assert regions == {"430000"}
        else:
            assert regions == set()  # no institution sees a region's figures
        recorded = sum(f["actual"] for f in quarterly["figures"] if f["metric"] == "recorded")
        assert recorded == len(expected)
    pool = await service.http.get("/views/pool", params={"by": "trl"}, headers=token)
    assert pool.status_code == (200 if pool_allowed else 403)
    if pool_allowed:
        assert sum(r["patents"] for r in pool.json()["rows"]) == len([n for n in POOLED if n in expected])


@pytest.fixture(scope="module")
async def every_service() -> AsyncIterator[InProcess]:
    async with loaded(events=every_service_events, read_rate_per_second=10_000, read_burst=10_000) as running_service:
        yield running_service


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_each_role_sees_evaluation_and_matching_figures_of_its_scope_only(
    every_service: InProcess, caller: str
) -> None:
    token, expected, provinces, _ = CALLERS[caller]
    for path, params, figure, per_patent in NEWER_FIGURES:
        for as_of in (None, "2026-11-30"):
            asked = {**params, **({"as_of": as_of} if as_of else {})}
            answer = await every_service.http.get(path, params=asked, headers=token)
            if provinces is None:  # no monitoring views for this role: refused, naming nothing
                assert answer.status_code == 403, (caller, path, answer.text)
                continue
            assert answer.status_code == 200, (caller, path, answer.text)
            total = sum(row[figure] for row in answer.json()["rows"])
            assert total == sum(n for patent, n in per_patent.items() if patent in expected), (caller, path)
        if provinces is not None:  # the file holds the same figures
            csv_answer = await every_service.http.get(path, params={**params, "format": "csv"}, headers=token)
            rows = list(csv.DictReader(io.StringIO(csv_answer.content.decode("utf-8-sig"))))
            total = sum(int(row[figure]) for row in rows)
            assert total == sum(n for patent, n in per_patent.items() if patent in expected), (caller, path, "csv")


async def test_no_token_is_401_everywhere_and_an_integrator_reads_no_model(service: InProcess) -> None:
    paths = ["/patents", "/patents/facets?by=province", f"/patents/{MINE[0]}", f"/patents/{MINE[0]}/timeline",
             "/views/coverage", "/views/pool", "/views/legal-status", "/views/five-year", "/views/quarterly",
             *NEWER_VIEWS, "/admin/engine", "/admin/engine/rebuild"]  # fmt: skip
    for path in paths:
        assert (await service.http.get(path)).status_code == 401, path
    integrator = auth(Role.INTEGRATOR)
    for path in paths:
        assert (await service.http.get(path, headers=integrator)).status_code in (403, 404), path
    province = auth(Role.PROVINCE_OFFICE, province="110000")
    assert (await service.http.get("/admin/engine", headers=province)).status_code == 403


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_only_operators_and_the_national_administrator_operate_the_engine(
    service: InProcess, caller: str
) -> None:
    token = CALLERS[caller][0]
    operates = caller in ("national", "operator")
    assert (await service.http.get("/admin/engine", headers=token)).status_code == (200 if operates else 403)
    assert (await service.http.get("/admin/engine/rebuild", headers=token)).status_code == (200 if operates else 403)
    if not operates:  # starting one is refused before anything starts (an allowed start is the rebuild tests')
        assert (await service.http.post("/admin/engine/rebuild", headers=token)).status_code == 403


async def test_a_count_by_one_dimension_twice_is_refused_naming_the_parameter(service: InProcess) -> None:
    national = auth(Role.NATIONAL_ADMIN)
    for path, params, named in (
        ("/patents/facets", {"by": "province", "then": "province"}, "then"),
        ("/views/legal-status", {"by": "legal_status"}, "by"),
        ("/views/grades", {"by": "grade"}, "by"),
        ("/views/grades", {"by": "high_value"}, "by"),
    ):
        answer = await service.http.get(path, params=params, headers=national)
        assert answer.status_code == 422, (path, params)
        assert answer.json()["detail"][0]["loc"][-1] == named


async def test_the_timeline_lists_every_event_in_order_with_who_and_when(service: InProcess) -> None:
    national = auth(Role.NATIONAL_ADMIN)
    body = (await service.http.get(f"/patents/{number(2019, 11)}/timeline", headers=national)).json()
    assert [e["type"].split(".")[-2] for e in body["events"]] == [
        "PatentRecorded",
        "InventoryRecordFilled",
        "InventorySubmitted",
        "InventoryApprovedBySchool",
        "EnteredConversionPool",
        "WithdrawnFromPool",
    ]
    assert [e["actor"] for e in body["events"]][:2] == ["admin", "inventor-1"]
    assert body["events"][-1]["time"].startswith("2025-09-01")
    assert body["encumbrances"] == []
    lapsed = (await service.http.get(f"/patents/{number(2019, 12)}/timeline", headers=national)).json()
    assert lapsed["events"][-1]["effective"] == "2024-11-01"


async def test_listing_pages_by_cursor_sorts_and_selects_fields(service: InProcess) -> None:
    national = auth(Role.NATIONAL_ADMIN)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "sort": "-application_number", "fields": "application_number,province"}
        if cursor:
            params["cursor"] = cursor
        page = (await service.http.get("/patents", params=params, headers=national)).json()
        assert all(set(item) == {"application_number", "province"} for item in page["items"])
        seen.extend(item["application_number"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(MINE + THEIRS, reverse=True)
    bad = await service.http.get("/patents", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=national)
    assert bad.status_code == 422
    wrong_sort = await service.http.get("/patents", params={"cursor": cursor or _first_cursor(), "sort": "grant_date"}, headers=national)  # fmt: skip
    assert wrong_sort.status_code == 422
    assert (await service.http.get("/patents", params={"fields": "password"}, headers=national)).status_code == 422
    future = await service.http.get("/views/coverage", params={"as_of": "2999-01-01"}, headers=national)
    assert future.status_code == 422


def _first_cursor() -> str:
    from patentflow.projection.queries import encode_cursor

    return encode_cursor("application_number", 1, 1)


async def test_views_export_as_csv_and_xlsx(service: InProcess) -> None:
    national = auth(Role.NATIONAL_ADMIN)
    answer = await service.http.get("/views/coverage", params={"group": "institution", "format": "csv"}, headers=national)  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert {r["name"]: r["stock_valid"] for r in rows} == {"示范理工大学": "3", "湖南示范大学": "1"}
    sheet = await service.http.get("/views/pool", params={"by": "sei,trl", "format": "xlsx"}, headers=national)
    assert sheet.status_code == 200
    with zipfile.ZipFile(io.BytesIO(sheet.content)) as book:
        shared = book.read("xl/sharedStrings.xml").decode()
    assert "新一代信息技术产业" in shared
    assert "patents" in shared


async def test_a_token_over_its_rate_gets_429_with_retry_after() -> None:
    async with loaded(read_rate_per_second=0.5, read_burst=3) as limited:
        token = auth(Role.NATIONAL_ADMIN)
        statuses = [(await limited.http.get("/views/coverage", headers=token)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = await limited.http.get("/patents", headers=token)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        other = auth(Role.PROVINCE_OFFICE, province="430000")  # another token has its own bucket
        assert (await limited.http.get("/patents", headers=other)).status_code == 200


async def test_a_read_beyond_those_under_way_is_shed_at_once_with_503_and_retry_after() -> None:
    import asyncio

    async with loaded(read_in_flight=1) as limited:
        deps = limited.app.state.deps
        engine = deps.engine
        gate = asyncio.Event()
        asked = engine.query

        async def held(*args: Any, **kwargs: Any) -> Any:
            await gate.wait()
            return await asked(*args, **kwargs)

        engine.query = held
        token = auth(Role.NATIONAL_ADMIN)
        first = asyncio.create_task(limited.http.get("/views/coverage", headers=token))
        await eventually(lambda: deps.under_way.current == 1, what="the first read under way")
        shed = await limited.http.get("/patents", headers=token)
        assert shed.status_code == 503
        assert int(shed.headers["retry-after"]) >= 1
        assert shed.headers["x-request-id"]  # shed inside the request context: its ids are echoed
        assert deps.under_way.shed == 1
        assert (await limited.http.get("/health/live")).status_code == 200  # not a read: never counted nor shed
        assert (await limited.http.get("/patents")).status_code == 401  # the caller is known first
        gate.set()
        assert (await first).status_code == 200
        assert deps.under_way.current == 0
        assert (await limited.http.get("/patents", headers=token)).status_code == 200  # admitted again
