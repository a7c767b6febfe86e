"""The matching service's events in the projection: matching coverage of the pool, exact in any order with repeats
and as of a past day; the patent view's open matches; the timeline hides a match's enterprise from another one."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

from patentflow.contracts.access import Role
from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events.matching import (
    MatchFound,
    MatchReasons,
    MatchWithdrawn,
    NegotiationEnded,
    NegotiationOpened,
    PatentPushed,
    PushAnswered,
)
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
async def loaded(funnel: bool = False) -> AsyncIterator[InProcess]:
    settings = settings_for(Settings, engine_dir=None)
    async with running(create_app(settings, runtime=MemoryRuntime(settings))) as service:
        for event, sequence, when, event_id in [*published(), *matching_history()]:
            await service.publish(event, sequence=sequence, time=when, event_id=event_id)
        for event, sequence, when, event_id in _funnel_events() if funnel else []:
            await service.publish(event, sequence=sequence, time=when, event_id=event_id)

        async def all_there() -> bool:
            doc = await service.app.state.deps.patents.get(P1)
            return bool(doc and doc.get("seq", {}).get("matching") == (10 if funnel else 3))

        await eventually(all_there, what="the matching events in the patent view")
        yield service


async def test_the_patent_view_counts_open_matches_and_the_timeline_hides_another_enterprise() -> None:
    async with loaded() as service:
        national = auth(Role.NATIONAL_ADMIN)
        view = (await service.http.get(f"/patents/{P1}", headers=national)).json()
        assert view["matching"] == {"open_matches": 1, "best_score": 0.8, "pushed": 0, "answers": {}}

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


def funnel_history() -> list[ReceivedEvent]:
    """The funnel's events as the engine receives them."""
    return [received(e, s, time=t, event_id=i) for e, s, t, i in _funnel_events()]


def _funnel_events() -> list[tuple[DomainEvent, int, datetime, str]]:
    """P1 pushed to F1 (Hunan) and F2 (Beijing) in Q2 2024; F1 views it, is interested, negotiates and signs in Q3;
    F2 declines it (price); P2 pushed to F1, viewed twice (counted once)."""
    out: list[tuple[DomainEvent, int, datetime, str]] = []
    seq: dict[str, int] = {P1: 3, P2: 0}  # P1's first three are the matches above

    def add(event: DomainEvent, day: date) -> None:
        subject = event.subject()
        seq[subject] += 1
        out.append((event, seq[subject], at(day), f"fn-{subject}-{seq[subject]}"))

    for n, firm, province in ((P1, F1, "430000"), (P1, F2, "110000"), (P2, F1, "430000")):
        add(PatentPushed(application_number=n, enterprise=firm, province=province, batch_id="b1",
                         pushed_on=date(2024, 6, 10)), date(2024, 6, 10))  # fmt: skip
    add(PushAnswered(application_number=P1, enterprise=F1, province="430000", answer="viewed",
                     answered_on=date(2024, 7, 2)), date(2024, 7, 2))  # fmt: skip
    add(PushAnswered(application_number=P1, enterprise=F1, province="430000", answer="interested",
                     answered_on=date(2024, 7, 3)), date(2024, 7, 3))  # fmt: skip
    add(NegotiationOpened(application_number=P1, enterprise=F1, province="430000", opened_on=date(2024, 7, 3)),
        date(2024, 7, 3))  # fmt: skip
    add(NegotiationEnded(application_number=P1, enterprise=F1, province="430000", outcome="deal",
                         deal_reference="T-1", ended_on=date(2024, 9, 1)), date(2024, 9, 1))  # fmt: skip
    add(PushAnswered(application_number=P1, enterprise=F2, province="110000", answer="declined",
                     declined_reason="price", answered_on=date(2024, 6, 20)), date(2024, 6, 20))  # fmt: skip
    for day in (date(2024, 6, 11), date(2024, 6, 12)):
        add(PushAnswered(application_number=P2, enterprise=F1, province="430000", answer="viewed", answered_on=day),
            day)  # fmt: skip
    return out


async def test_the_funnel_counts_pairs_per_stage_province_and_quarter_with_rates() -> None:
    from patentflow.kit.principal import Principal
    from patentflow.projection import queries, views

    national = Principal(sub="n", role=Role.NATIONAL_ADMIN, scope={})  # type: ignore[arg-type]
    everything = every_event() + funnel_history()

    async def figures(engine: Engine, day: date | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rows = await views.funnel(engine, national, queries.Filters(), day)
        reasons = await views.declined_reasons(engine, national, queries.Filters(), day)
        strip = lambda rs: [{k: v for k, v in r.items() if k != "changed_at"} for r in rs]  # noqa: E731
        return strip(rows), strip(reasons)

    engine = Engine(None)
    await engine.start()
    await engine.apply(everything)
    rows, reasons = await figures(engine)
    zero = {"pushed": 0, "viewed": 0, "interested": 0, "negotiation": 0, "deal": 0, "declined": 0}
    rates = {"viewed_rate": None, "interested_rate": None, "negotiation_rate": None, "deal_rate": None}
    assert rows == [
        {"enterprise_province": "110000", "quarter": "2024-Q2", **zero, "pushed": 1, "declined": 1, **rates, "viewed_rate": 0.0},
        {"enterprise_province": "430000", "quarter": "2024-Q2", **zero, "pushed": 2, "viewed": 1, **rates, "viewed_rate": 0.5,
         "interested_rate": 0.0},
        {"enterprise_province": "430000", "quarter": "2024-Q3", **zero, "viewed": 1, "interested": 1, "negotiation": 1, "deal": 1,
         **rates, "negotiation_rate": 1.0, "deal_rate": 1.0, "interested_rate": 1.0},
    ]  # fmt: skip
    assert reasons == [{"reason": "price", "declined": 1}]
    for seed in (1, 2):
        other = Engine(None)
        await other.start()
        for batch in shuffled_with_repeats(everything, seed):
            await other.apply(batch)
        assert await figures(other) == (rows, reasons)
    early, _ = await figures(engine, date(2024, 6, 30))
    assert [(r["enterprise_province"], r["quarter"], r["pushed"], r["declined"]) for r in early] == [
        ("110000", "2024-Q2", 1, 1), ("430000", "2024-Q2", 2, 0)
    ]  # fmt: skip


async def test_the_patent_view_counts_pushes_and_answers_without_naming_an_enterprise() -> None:
    async with loaded(funnel=True) as service:
        view = (await service.http.get(f"/patents/{P1}", headers=auth(Role.ENTERPRISE, enterprise=F1))).json()
        assert view["matching"] == {
            "open_matches": 1, "best_score": 0.8, "pushed": 2, "answers": {"declined": 1, "interested": 1}
        }  # fmt: skip
