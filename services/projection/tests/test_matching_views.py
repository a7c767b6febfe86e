"""The matching service's events in the projection: matching coverage of the pool, exact in any order with repeats
and as of a past day; the patent view's open matches; the timeline hides a match's enterprise from another one."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

from patentflow.contracts.access import Role
from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events.matching import MatchFound, MatchReasons, MatchWithdrawn
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.projection.app import create_app
from patentflow.projection.config import Settings
from patentflow.projection.engine import Engine
from patentflow.testing.events import received
from patentflow.testing.inprocess import InProcess, MemoryRuntime, auth, eventually, running, settings_for
from patentflow.testing.samples import number

from .history import A, at, history, published, shuffled_with_repeats

F1 = "91430100MA4L00001" + credit_code_check_char("91430100MA4L00001")
F2 = "91110108MA0100003" + credit_code_check_char("91110108MA0100003")
P1, P2 = number(2019, 1), number(2019, 2)  # the two pool patents of institution A
D1, D2 = "a" * 32, "b" * 32
REASONS = MatchReasons(terms=("正极材料",), ipc_level="main_group", ipc_shared="H01M4", industry="38", maturity="fits",
                       region="any")  # fmt: skip


def matching_history() -> list[tuple[DomainEvent, int, datetime, str]]:
    """P1 matches D1 (F1) and D2 (F2); D1's match is withdrawn in July; P2 is never matched."""
    out: list[tuple[DomainEvent, int, datetime, str]] = []
    seq: dict[str, int] = {}

    def add(event: DomainEvent, when: datetime) -> None:
        subject = event.subject()
        seq[subject] = seq.get(subject, 0) + 1
        out.append((event, seq[subject], when, f"mt-{subject}-{seq[subject]}"))

    for demand, firm, day in ((D1, F1, date(2024, 6, 1)), (D2, F2, date(2024, 6, 5))):
        add(MatchFound(application_number=P1, demand_id=demand, enterprise=firm, province="430000", score=0.8,
                       reasons=REASONS, ranking_version="r", trigger="new_demand", found_on=day), at(day))  # fmt: skip
    add(MatchWithdrawn(application_number=P1, demand_id=D1, enterprise=F1, reason="demand_ended",
                       withdrawn_on=date(2024, 7, 1)), at(date(2024, 7, 1)))  # fmt: skip
    return out


def every_event() -> list[ReceivedEvent]:
    return history() + [received(e, s, time=t, event_id=i) for e, s, t, i in matching_history()]


async def coverage(engine: Engine, day: date | None = None) -> list[dict[str, Any]]:
    from patentflow.kit.principal import Principal
    from patentflow.projection import queries, views

    national = Principal(sub="n", role=Role.NATIONAL_ADMIN, scope={})  # type: ignore[arg-type]
    rows = await views.matching_coverage(engine, national, queries.Filters(), "institution", day)
    return [{k: v for k, v in row.items() if k != "changed_at"} for row in rows]


async def test_matching_coverage_is_exact_in_any_order_with_repeats_and_as_of_a_day() -> None:
    engine = Engine(None)
    await engine.start()
    await engine.apply(every_event())
    first = await coverage(engine)
    assert first == [{"institution": A, "pooled": 2, "matched": 1, "matched_share": 0.5}]
    for seed in (1, 2, 3):
        other = Engine(None)
        await other.start()
        for batch in shuffled_with_repeats(every_event(), seed):
            await other.apply(batch)
        assert await coverage(other) == first
    assert (await coverage(engine, date(2024, 5, 31)))[0]["matched"] == 0  # before the first match


async def test_both_matches_withdrawn_leave_the_patent_unmatched() -> None:
    engine = Engine(None)
    await engine.start()
    more = MatchWithdrawn(application_number=P1, demand_id=D2, enterprise=F2, reason="left_pool",
                          withdrawn_on=date(2024, 8, 1))  # fmt: skip
    await engine.apply([*every_event(), received(more, 4, time=at(date(2024, 8, 1)), event_id="mt-more")])
    assert (await coverage(engine))[0]["matched"] == 0
    assert (await coverage(engine, date(2024, 7, 15)))[0]["matched"] == 1


@contextlib.asynccontextmanager
async def loaded() -> AsyncIterator[InProcess]:
    settings = settings_for(Settings, engine_dir=None)
    async with running(create_app(settings, runtime=MemoryRuntime(settings))) as service:
        for event, sequence, when, event_id in [*published(), *matching_history()]:
            await service.publish(event, sequence=sequence, time=when, event_id=event_id)

        async def all_there() -> bool:
            doc = await service.app.state.deps.patents.get(P1)
            return bool(doc and doc.get("seq", {}).get("matching") == 3)

        await eventually(all_there, what="the matching events in the patent view")
        yield service


async def test_the_patent_view_counts_open_matches_and_the_timeline_hides_another_enterprise() -> None:
    async with loaded() as service:
        national = auth(Role.NATIONAL_ADMIN)
        view = (await service.http.get(f"/patents/{P1}", headers=national)).json()
        assert view["matching"] == {"open_matches": 1, "best_score": 0.8}

        async def timeline(headers: dict[str, str]) -> list[dict[str, Any]]:
            answer = await service.http.get(f"/patents/{P1}/timeline", headers=headers)
            assert answer.status_code == 200, answer.text
            return [e for e in answer.json()["events"] if e["source"].endswith("matching")]

        everything = await timeline(national)
        assert [e["type"].rsplit(".", 2)[-2] for e in everything] == ["MatchFound", "MatchFound", "MatchWithdrawn"]
        as_f1 = await timeline(auth(Role.ENTERPRISE, enterprise=F1))
        assert len(as_f1) == 3
        assert not [e for e in as_f1 if e["data"].get("enterprise") == F2]
        rows = (await service.http.get("/views/matching-coverage", headers=national)).json()["rows"]
        assert [(r["province"], r["pooled"], r["matched"]) for r in rows] == [("110000", 2, 1)]
