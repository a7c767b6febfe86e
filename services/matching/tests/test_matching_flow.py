"""Demands and matches in process: ranked, explained matches for a new demand; a patent entering the pool matched
to open demands; withdrawal when it leaves the pool or the demand ends; expiry; bad and refused demands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from patentflow.contracts.events import WithdrawnFromPool
from patentflow.contracts.events.matching import DemandEnded, DemandPublished, MatchFound, MatchWithdrawn
from patentflow.kit.idsets import IdSets
from patentflow.matching.app import create_app
from patentflow.matching.config import Settings
from patentflow.matching.deps import MatchingDeps
from patentflow.matching.engine import Engine
from patentflow.matching.handlers import expire_demands, recover
from patentflow.matching.pooled import PoolIndex
from patentflow.testing.calendar import Calendar
from patentflow.testing.inprocess import InProcess, MemoryRuntime, eventually, running, settings_for
from patentflow.testing.samples import number

from .scenario import (
    FIRM,
    HUNAN_OFFICE,
    INSTITUTION_ADMIN,
    NATIONAL,
    OTHER_FIRM,
    PATENTS,
    WHEN,
    demand_body,
    enterprise_registers,
    firm,
    pool,
    pool_arrives,
)

CATHODE, RICH_LITHIUM, THERMAL, VISION = (number(2019, s) for s in (601, 602, 603, 604))


@pytest.fixture
async def service() -> AsyncIterator[tuple[InProcess, Calendar]]:
    calendar = Calendar(date(2026, 12, 1))
    settings = settings_for(Settings, expiry_interval_seconds=3600)
    async with running(create_app(settings, runtime=MemoryRuntime(settings, clock=calendar))) as running_service:
        await enterprise_registers(running_service)
        await pool_arrives(running_service)
        yield running_service, calendar


async def test_a_new_demand_gets_ranked_matches_with_their_reasons(service: tuple[InProcess, Calendar]) -> None:
    running_service, _ = service
    answer = await running_service.http.post("/demands", json=demand_body(), headers=firm(FIRM))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    ranked = [m["application_number"] for m in body["matches"]]
    assert ranked[0] == CATHODE  # its words, its main group, its maturity
    assert VISION not in ranked  # nothing in common
    best = body["matches"][0]
    assert best["reasons"]["ipc_level"] == "main_group"
    assert best["reasons"]["ipc_shared"] == "H01M4"
    assert {"三元正极材料", "能量密度", "循环稳定性"} <= set(best["reasons"]["terms"])
    assert best["reasons"]["industry"] == "3841"
    assert best["reasons"]["maturity"] == "fits"
    assert best["reasons"]["region"] == "any"
    # Same main group, fewer of the words and TRL 4 against 5: below the threshold; another field never.
    assert ranked == [CATHODE]
    await running_service.settled()
    assert [d.demand_id for d in running_service.published(DemandPublished)] == [body["demand_id"]]
    found = running_service.published(MatchFound)
    assert {f.application_number for f in found} == set(ranked)
    assert {f.trigger.value for f in found} == {"new_demand"}
    listed = await running_service.http.get(f"/demands/{body['demand_id']}/matches", headers=HUNAN_OFFICE)
    assert [m["application_number"] for m in listed.json()["matches"]] == ranked
    mine = await running_service.http.get(f"/patents/{CATHODE}/matches", headers=INSTITUTION_ADMIN)
    assert [m["demand_id"] for m in mine.json()["matches"]] == [body["demand_id"]]
    assert mine.json()["matches"][0]["enterprise"] == FIRM  # the institution may approach the enterprise
    other_institution = await running_service.http.get(f"/patents/{CATHODE}/matches", headers=_office("110000"))
    assert other_institution.status_code == 404


async def test_a_patent_entering_the_pool_is_matched_to_open_demands(service: tuple[InProcess, Calendar]) -> None:
    running_service, _ = service
    demand_id = (await running_service.http.post("/demands", json=demand_body(), headers=firm(FIRM))).json()[
        "demand_id"
    ]
    late = await pool(running_service, 606, "一种磷酸铁锂正极材料及其制备方法",
                      "本发明公开了一种磷酸铁锂正极材料，包括导电剂与包覆层，提高能量密度，改善循环稳定性。", "H01M 4/62", 6)  # fmt: skip

    async def matched() -> list[MatchFound]:
        await running_service.settled()
        return [f for f in running_service.published(MatchFound) if f.application_number == late]

    first = (await eventually(matched, what="the late patent matched"))[0]
    assert first.demand_id == demand_id
    assert first.trigger.value == "pooled"
    listed = await running_service.http.get(f"/demands/{demand_id}/matches", headers=firm(FIRM))
    assert late in [m["application_number"] for m in listed.json()["matches"]]


async def test_a_patent_that_leaves_the_pool_is_withdrawn_and_never_matched_again(
    service: tuple[InProcess, Calendar],
) -> None:
    running_service, _ = service
    demand_id = (await running_service.http.post("/demands", json=demand_body(), headers=firm(FIRM))).json()[
        "demand_id"
    ]
    await running_service.publish(
        WithdrawnFromPool(application_number=CATHODE, reason="licensed elsewhere", withdrawn_by="admin"),
        sequence=4,
        time=WHEN,
    )

    async def withdrawn() -> list[MatchWithdrawn]:
        await running_service.settled()
        return running_service.published(MatchWithdrawn)

    gone = await eventually(withdrawn, what="the match withdrawn")
    assert [(w.application_number, w.demand_id, w.reason.value) for w in gone] == [(CATHODE, demand_id, "left_pool")]
    listed = await running_service.http.get(f"/demands/{demand_id}/matches", headers=firm(FIRM))
    assert CATHODE not in [m["application_number"] for m in listed.json()["matches"]]
    again = await running_service.http.post("/demands", json=demand_body(title="再次寻求正极材料"), headers=firm(FIRM))
    assert CATHODE not in [m["application_number"] for m in again.json()["matches"]]
    assert not running_service.deps(MatchingDeps).engine.has_patent(CATHODE)


async def test_an_ended_or_expired_demand_withdraws_its_matches(service: tuple[InProcess, Calendar]) -> None:
    running_service, calendar = service
    closing = (await running_service.http.post("/demands", json=demand_body(), headers=firm(FIRM))).json()
    expiring = (
        await running_service.http.post("/demands", json=demand_body(deadline="2026-12-05"), headers=HUNAN_OFFICE)
    ).json()
    assert expiring["collected_by_office"] is True
    ended = await running_service.http.post(
        f"/demands/{closing['demand_id']}/end", json={"ending": "closed"}, headers=firm(FIRM)
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["status"] == "closed"
    twice = await running_service.http.post(
        f"/demands/{closing['demand_id']}/end", json={"ending": "withdrawn"}, headers=firm(FIRM)
    )
    assert twice.status_code == 409
    assert twice.json()["detail"]["reason"] == "DEMAND_ENDED"
    deps = running_service.deps(MatchingDeps)
    calendar.days.append(date(2026, 12, 5))
    assert await expire_demands(deps) == 0  # the deadline's own day still counts
    calendar.days.append(date(2026, 12, 6))
    assert await expire_demands(deps) == 1
    await running_service.settled()
    endings = {(e.demand_id, e.ending.value) for e in running_service.published(DemandEnded)}
    assert endings == {(closing["demand_id"], "closed"), (expiring["demand_id"], "expired")}
    withdrawn = running_service.published(MatchWithdrawn)
    assert {w.reason.value for w in withdrawn} == {"demand_ended"}
    assert len(withdrawn) == len(closing["matches"]) + len(expiring["matches"])
    for gone in (closing, expiring):
        listed = await running_service.http.get(f"/demands/{gone['demand_id']}/matches", headers=NATIONAL)
        assert listed.json()["matches"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ipc_fields": ["电池"]}, "ipc_fields"),
        ({"trl_min": 10}, "trl_min"),
        ({"industry_codes": ["98"]}, "industry_codes"),  # GB/T 4754-2017 has no division 98
        ({"deadline": "2026-11-30"}, "deadline"),
        ({"budget_min_yuan": "500000", "budget_max_yuan": "100000"}, "budget_max_yuan"),
        ({"colour": "blue"}, "colour"),
        ({"title": ""}, "title"),
    ],
)
async def test_a_bad_demand_is_refused_naming_the_field_and_nothing_is_stored(
    service: tuple[InProcess, Calendar], change: dict[str, object], field: str
) -> None:
    running_service, _ = service
    answer = await running_service.http.post("/demands", json=demand_body(**change), headers=firm(FIRM))
    assert answer.status_code == 422, answer.text
    assert field in [str(part) for error in answer.json()["detail"] for part in error["loc"]]
    await running_service.settled()
    assert running_service.published(DemandPublished) == []


async def test_only_the_enterprise_or_its_office_publish_for_a_registered_enterprise(
    service: tuple[InProcess, Calendar],
) -> None:
    running_service, _ = service
    other = await running_service.http.post("/demands", json=demand_body(), headers=firm(OTHER_FIRM))
    assert other.status_code == 403
    unknown = await running_service.http.post(
        "/demands", json=demand_body(enterprise=OTHER_FIRM), headers=firm(OTHER_FIRM)
    )
    assert unknown.status_code == 409
    assert unknown.json()["detail"]["reason"] == "UNKNOWN_ENTERPRISE"
    beijing = await running_service.http.post(
        "/demands", json=demand_body(), headers={**HUNAN_OFFICE, **{}} | _office("110000")
    )
    assert beijing.status_code == 403
    await running_service.settled()
    assert running_service.published(DemandPublished) == []
    demand_id = (await running_service.http.post("/demands", json=demand_body(), headers=firm(FIRM))).json()[
        "demand_id"
    ]
    assert (await running_service.http.get(f"/demands/{demand_id}", headers=firm(OTHER_FIRM))).status_code == 404
    assert (await running_service.http.get(f"/demands/{demand_id}", headers=_office("110000"))).status_code == 404


async def test_a_retry_with_the_same_key_finds_the_same_demand(service: tuple[InProcess, Calendar]) -> None:
    running_service, _ = service
    headers = {**firm(FIRM), "Idempotency-Key": "demand-1"}
    first = await running_service.http.post("/demands", json=demand_body(), headers=headers)
    second = await running_service.http.post("/demands", json=demand_body(), headers=headers)
    assert first.json()["demand_id"] == second.json()["demand_id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    await running_service.settled()
    assert len(running_service.published(DemandPublished)) == 1


def _office(province: str) -> dict[str, str]:
    from patentflow.contracts.access import Role
    from patentflow.testing.inprocess import auth

    return auth(Role.PROVINCE_OFFICE, province=province)


async def test_a_start_rebuilds_the_pool_by_id_from_its_index_and_a_first_start_builds_the_index(
    service: tuple[InProcess, Calendar],
) -> None:
    running_service, _ = service
    deps = running_service.deps(MatchingDeps)
    await running_service.publish(
        WithdrawnFromPool(application_number=CATHODE, reason="licensed elsewhere", withdrawn_by="admin"),
        sequence=4,
        time=WHEN,
    )
    await eventually(lambda: not deps.engine.has_patent(CATHODE), what="the patent out of the engine")
    pooled = sorted(number(2019, p[0]) for p in PATENTS if number(2019, p[0]) != CATHODE)
    replica = deps.patents.collection

    def scan(*_: Any, **__: Any) -> None:
        raise AssertionError("the start filtered the replica (a scan of every patent on the embedded store)")

    async def started() -> Engine:
        index = PoolIndex(deps.pool_index.sets.collection, deps.pool_index.replica)  # a new process: nothing cached
        fresh = replace(deps, engine=Engine(deps.engine.tokeniser, deps.engine.ranking), pool_index=index)
        await recover(fresh)
        return fresh.engine

    async def listed() -> list[str]:  # as a fresh process reads the index (no cache)
        return await IdSets(deps.pool_index.sets.collection).members("pool")

    assert await listed() == pooled  # the patent that left, left the index
    await deps.pool_index.update([CATHODE], [])  # as a crash between the index and the replica could leave it
    replica.find = scan  # type: ignore[method-assign]
    engine = await started()
    assert sorted(n for n in (number(2019, p[0]) for p in PATENTS) if engine.has_patent(n)) == pooled
    assert await listed() == pooled  # the start took it out again: the replica says it is out of the pool
    del replica.find  # the instance's patch: the class's find again

    await deps.pool_index.sets.collection.delete_many({})  # a store an earlier version wrote: no index yet
    engine = await started()
    assert sorted(n for n in (number(2019, p[0]) for p in PATENTS) if engine.has_patent(n)) == pooled
    replica.find = scan  # type: ignore[method-assign]
    engine = await started()  # built once: by id again
    assert sorted(n for n in (number(2019, p[0]) for p in PATENTS) if engine.has_patent(n)) == pooled
