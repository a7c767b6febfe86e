"""Pushes, answers, negotiations and sessions in process: a push batch on the province's topic and in the inbox, never
a patent twice nor one declined, preferences and frequency respected, the funnel's events, bad answers refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date

import pytest

from patentflow.contracts.events.matching import (
    MatchmakingHeld,
    NegotiationEnded,
    NegotiationOpened,
    PatentPushed,
    PushAnswered,
    PushBatchSent,
)
from patentflow.matching.app import create_app
from patentflow.matching.config import Settings
from patentflow.matching.deps import MatchingDeps
from patentflow.matching.handlers import push_due
from patentflow.testing.calendar import Calendar
from patentflow.testing.inprocess import InProcess, MemoryRuntime, running, settings_for
from patentflow.testing.samples import number

from .scenario import (
    FIRM,
    HUNAN_OFFICE,
    INSTITUTION_ADMIN,
    OTHER_FIRM,
    demand_body,
    enterprise_registers,
    firm,
    pool_arrives,
)

CATHODE = number(2019, 601)


@pytest.fixture
async def service() -> AsyncIterator[tuple[InProcess, Calendar]]:
    calendar = Calendar(date(2026, 12, 1))
    settings = settings_for(Settings, push_interval_seconds=3600)
    async with running(create_app(settings, runtime=MemoryRuntime(settings, clock=calendar))) as running_service:
        await enterprise_registers(running_service)
        await pool_arrives(running_service)
        answer = await running_service.http.post("/demands", json=demand_body(), headers=firm(FIRM))
        assert [m["application_number"] for m in answer.json()["matches"]] == [CATHODE]
        yield running_service, calendar


def _sent_to(service: InProcess, topic: str) -> list[dict[str, object]]:
    return [json.loads(value) for name, _key, value, _headers in service.runtime.sent if name == topic]  # type: ignore[attr-defined]


async def test_a_push_goes_to_the_inbox_and_the_province_topic_once(service: tuple[InProcess, Calendar]) -> None:
    running_service, _ = service
    pushed = await running_service.http.post(f"/enterprises/{FIRM}/push", headers=HUNAN_OFFICE)
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["pushed"] == [CATHODE]
    await running_service.settled()
    batch = _sent_to(running_service, "patentflow.matching.push.430000")
    assert [[i["application_number"] for i in b["items"]] for b in batch] == [[CATHODE]]  # type: ignore[index, union-attr]
    assert batch[0]["items"][0]["reasons"]["ipc_level"] == "main_group"  # type: ignore[index]
    assert [p.enterprise for p in running_service.published(PatentPushed)] == [FIRM]
    assert len(running_service.published(PushBatchSent)) == 1
    inbox = (await running_service.http.get(f"/enterprises/{FIRM}/inbox", headers=firm(FIRM))).json()
    assert [(i["application_number"], i["answer"]) for i in inbox["items"]] == [(CATHODE, None)]
    again = await running_service.http.post(f"/enterprises/{FIRM}/push", headers=firm(FIRM))
    assert again.json()["pushed"] == []  # never the same patent twice
    assert (await running_service.http.get(f"/enterprises/{FIRM}/inbox", headers=firm(OTHER_FIRM))).status_code == 404


async def test_preferences_and_frequency_decide_what_and_when(service: tuple[InProcess, Calendar]) -> None:
    running_service, calendar = service
    elsewhere = {"regions": ["110000"], "frequency": "weekly"}
    set_ = await running_service.http.put(f"/enterprises/{FIRM}/preferences", json=elsewhere, headers=firm(FIRM))
    assert set_.status_code == 200, set_.text
    assert (await running_service.http.post(f"/enterprises/{FIRM}/push", headers=firm(FIRM))).json()["pushed"] == []
    wrong_field = {"ipc_fields": ["G06F"], "frequency": "weekly"}
    await running_service.http.put(f"/enterprises/{FIRM}/preferences", json=wrong_field, headers=firm(FIRM))
    assert (await running_service.http.post(f"/enterprises/{FIRM}/push", headers=firm(FIRM))).json()["pushed"] == []
    await running_service.http.put(f"/enterprises/{FIRM}/preferences", json={"frequency": "weekly"}, headers=firm(FIRM))
    deps = running_service.deps(MatchingDeps)
    assert await push_due(deps) == 1  # never pushed: due
    calendar.days.append(date(2026, 12, 5))
    assert await push_due(deps) == 0  # weekly: not before the 8th
    bad = await running_service.http.put(f"/enterprises/{FIRM}/preferences", json={"frequency": "hourly"},
                                         headers=firm(FIRM))  # fmt: skip
    assert bad.status_code == 422
    other = await running_service.http.put(f"/enterprises/{FIRM}/preferences", json={}, headers=firm(OTHER_FIRM))
    assert other.status_code == 403


async def test_answers_make_the_funnel_and_a_declined_patent_is_never_pushed_again(
    service: tuple[InProcess, Calendar],
) -> None:
    running_service, _ = service
    await running_service.http.post(f"/enterprises/{FIRM}/push", headers=firm(FIRM))
    url = f"/patents/{CATHODE}/answers"
    missing = await running_service.http.post(url, json={"enterprise": FIRM, "answer": "declined"}, headers=firm(FIRM))
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"][-1] == "declined_reason"
    for_other = await running_service.http.post(url, json={"enterprise": FIRM, "answer": "viewed"},
                                                headers=firm(OTHER_FIRM))  # fmt: skip
    assert for_other.status_code == 403
    for given in ("viewed", "interested"):
        answered = await running_service.http.post(url, json={"enterprise": FIRM, "answer": given}, headers=firm(FIRM))
        assert answered.status_code == 200, answered.text
    assert answered.json()["negotiation"] == "open"
    end = f"/patents/{CATHODE}/negotiations/{FIRM}/end"
    deal = await running_service.http.post(end, json={"outcome": "deal", "deal_reference": "T-2026-1"},
                                           headers=INSTITUTION_ADMIN)  # fmt: skip
    assert deal.status_code == 200, deal.text
    twice = await running_service.http.post(end, json={"outcome": "abandoned"}, headers=firm(FIRM))
    assert twice.status_code == 409
    assert twice.json()["detail"]["reason"] == "NO_NEGOTIATION"
    declined = await running_service.http.post(
        url, json={"enterprise": FIRM, "answer": "declined", "declined_reason": "price"}, headers=firm(FIRM)
    )
    assert declined.status_code == 200
    await running_service.settled()
    assert [a.answer.value for a in running_service.published(PushAnswered)] == ["viewed", "interested", "declined"]
    assert len(running_service.published(NegotiationOpened)) == 1
    assert [(e.outcome.value, e.deal_reference) for e in running_service.published(NegotiationEnded)] == [
        ("deal", "T-2026-1")
    ]
    await running_service.http.post("/demands", json=demand_body(title="又一需求"), headers=firm(FIRM))
    assert (await running_service.http.post(f"/enterprises/{FIRM}/push", headers=firm(FIRM))).json()["pushed"] == []
    never = await running_service.http.post(
        f"/patents/{number(2019, 604)}/answers", json={"enterprise": FIRM, "answer": "viewed"}, headers=firm(FIRM)
    )
    assert never.status_code == 409
    assert never.json()["detail"]["reason"] == "NOT_PUSHED"


async def test_a_matchmaking_session_is_recorded_by_its_office(service: tuple[InProcess, Calendar]) -> None:
    running_service, _ = service
    body = {"province": "430000", "title": "新能源产业专利转化路演", "held_on": "2026-11-20", "participants": [FIRM],
            "presented": [CATHODE], "results": [{"application_number": CATHODE, "enterprise": FIRM,
                                                   "outcome": "interested"}]}  # fmt: skip
    assert (await running_service.http.post("/sessions", json=body, headers=firm(FIRM))).status_code == 403
    stray = {**body, "results": [{"application_number": number(2019, 605), "outcome": "signed"}]}
    assert (await running_service.http.post("/sessions", json=stray, headers=HUNAN_OFFICE)).status_code == 422
    no_number = {**body, "presented": ["not-a-number"]}
    refused = await running_service.http.post("/sessions", json=no_number, headers=HUNAN_OFFICE)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][1] == "presented"
    held = await running_service.http.post("/sessions", json=body, headers=HUNAN_OFFICE)
    assert held.status_code == 201, held.text
    await running_service.settled()
    assert [(s.title, s.presented) for s in running_service.published(MatchmakingHeld)] == [
        ("新能源产业专利转化路演", (CATHODE,))
    ]
