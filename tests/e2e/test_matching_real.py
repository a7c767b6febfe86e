"""Matching through the real inventory, evaluation, matching and projection processes, broker and store: an
enterprise registered at the evaluation service publishes a demand; a patent then enters the pool and is matched to
it with its reasons (on Kafka, read with a plain client); it is pushed, and the province's push topic holds the
batch; the enterprise answers interested; the funnel's events are on Kafka and the projection's funnel, matching
coverage and patent view change; the patent leaves the pool and the match is withdrawn."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from patentflow.contracts import topics
from patentflow.contracts.access import Role
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.testing.infrastructure import Infrastructure
from patentflow.testing.kafka import read_all
from patentflow.testing.processes import ServiceUnderTest
from tests.e2e.conftest import INSTITUTION_B, new_number, patent_body, register_institutions, token

T = TypeVar("T")
ADMIN_B = token(Role.INSTITUTION_ADMIN, institution=INSTITUTION_B)
NATIONAL = token(Role.NATIONAL_ADMIN)
RECORD = {"conversion_intents": ["licence_ordinary"], "implementation_status": "not_implemented", "trl": 6,
          "self_grade": 4, "industry_codes": ["I6511"]}  # fmt: skip
TITLE, ABSTRACT = (
    "一种基于知识图谱的专利价值评估方法",
    "本发明公开了一种基于知识图谱的专利价值评估方法，采用实体识别与关系抽取构建知识图谱。",
)


async def _until(check: Callable[[], Awaitable[T | None]], what: str, timeout: float = 60.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        await asyncio.sleep(0.5)


async def _records(infrastructure: Infrastructure, number: str) -> list[tuple[str, dict[str, Any]]]:
    records = await read_all(infrastructure.kafka_bootstrap, topics.MATCHES.name)
    return [(dict(r.headers)["ce_type"].decode(), json.loads(r.value)) for r in records if r.key == number.encode()]


async def test_a_pooled_patent_is_matched_to_an_open_demand_and_withdrawn_when_it_leaves(
    http: httpx.AsyncClient,
    infrastructure: Infrastructure,
    inventory: ServiceUnderTest,
    evaluation: ServiceUnderTest,
    matching: ServiceUnderTest,
    projection: ServiceUnderTest,
    unique: str,
) -> None:
    register_institutions(inventory.url)
    body17 = f"91110108{int(unique[:8], 16) % 10**9:09d}"
    firm = body17 + credit_code_check_char(body17)
    as_firm = token(Role.ENTERPRISE, enterprise=firm)
    enterprise = {"credit_code": firm, "name": "北京端到端科技有限公司", "province": "110000", "ipc_fields": ["G06F"],
                  "industry_codes": ["6511"]}  # fmt: skip
    assert (await http.post(f"{evaluation.url}/enterprises", json=enterprise, headers=as_firm)).status_code == 201
    demand = {"enterprise": firm, "title": "寻求知识图谱专利价值评估技术", "ipc_fields": ["G06F 16"],
              "description": "我公司做知识产权运营，需要基于知识图谱的专利价值评估方法，关注实体识别与关系抽取",
              "industry_codes": ["6511"], "trl_min": 5, "deadline": "2099-12-31"}  # fmt: skip

    async def published() -> dict[str, Any] | None:
        answer = await http.post(f"{matching.url}/demands", json=demand, headers=as_firm)
        if answer.status_code == 409 and answer.json()["detail"]["reason"] == "UNKNOWN_ENTERPRISE":
            return None  # the registration is on its way to matching's replica
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    demand_id = (await _until(published, "the demand published", timeout=180))["demand_id"]

    number = new_number()
    body = {**patent_body(number, INSTITUTION_B), "title": TITLE, "abstract": ABSTRACT}
    assert (await http.post(f"{inventory.url}/patents", json=body, headers=ADMIN_B)).status_code == 201
    assert (
        await http.put(f"{inventory.url}/patents/{number}/inventory", json=RECORD, headers=ADMIN_B)
    ).status_code == 200
    for step in ("submission", "school-approval", "institution-approval"):
        answer = await http.post(f"{inventory.url}/patents/{number}/{step}", json={}, headers=ADMIN_B)
        assert answer.status_code == 200, answer.text

    async def found() -> list[dict[str, Any]]:
        return [data for kind, data in await _records(infrastructure, number) if "MatchFound" in kind]

    # The first wait is long: a matching service started for this test reads the whole patents topic first.
    match = (await _until(found, "MatchFound on Kafka", timeout=180))[0]
    assert match["demand_id"] == demand_id
    assert match["trigger"] == "pooled"
    assert match["reasons"]["ipc_level"] == "main_group"
    assert match["reasons"]["industry"] == "6511"
    assert match["reasons"]["maturity"] == "fits"
    assert "知识图谱" in match["reasons"]["terms"]
    listed = (await http.get(f"{matching.url}/demands/{demand_id}/matches", headers=as_firm)).json()["matches"]
    assert [m["application_number"] for m in listed] == [number]

    async def viewed() -> dict[str, Any] | None:
        view = (await http.get(f"{projection.url}/patents/{number}", headers=ADMIN_B)).json()
        return view["matching"] if view.get("matching") and view["matching"]["open_matches"] == 1 else None

    assert (await _until(viewed, "the match in the patent view"))["best_score"] == match["score"]

    async def covered() -> list[dict[str, Any]] | None:
        params = {"group": "institution", "institution": INSTITUTION_B}
        rows = (await http.get(f"{projection.url}/views/matching-coverage", params=params, headers=NATIONAL)).json()
        return rows["rows"] if rows["rows"] and rows["rows"][0]["matched"] >= 1 else None

    assert (await _until(covered, "the matching coverage"))[0]["institution"] == INSTITUTION_B

    pushed = await http.post(f"{matching.url}/enterprises/{firm}/push", headers=as_firm)
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["pushed"] == [number]

    async def on_province_topic() -> list[dict[str, Any]]:
        records = await read_all(infrastructure.kafka_bootstrap, topics.province_push("110000").name)
        return [json.loads(r.value) for r in records if r.key == firm.encode()]

    batch = (await _until(on_province_topic, "the push batch on the province's topic"))[0]
    assert [i["application_number"] for i in batch["items"]] == [number]
    interested = await http.post(f"{matching.url}/patents/{number}/answers", json={"enterprise": firm,
                                 "answer": "interested"}, headers=as_firm)  # fmt: skip
    assert interested.status_code == 200, interested.text

    async def funnel_events() -> list[str] | None:
        kinds = [kind.rsplit(".", 2)[-2] for kind, _ in await _records(infrastructure, number)]
        return kinds if "NegotiationOpened" in kinds else None

    kinds = await _until(funnel_events, "the funnel's events on Kafka")
    assert kinds[:4] == ["MatchFound", "PatentPushed", "PushAnswered", "NegotiationOpened"]

    async def funnel() -> list[dict[str, Any]] | None:
        rows = (await http.get(f"{projection.url}/views/funnel", params={"institution": INSTITUTION_B},
                               headers=NATIONAL)).json()["rows"]  # fmt: skip
        mine = [r for r in rows if r["enterprise_province"] == "110000" and r["interested"] >= 1]
        return mine or None

    row = (await _until(funnel, "the projection's funnel"))[0]
    assert row["pushed"] >= 1
    assert row["negotiation"] >= 1

    left = await http.post(f"{inventory.url}/patents/{number}/withdrawal", json={"reason": "已许可他人"},
                           headers=ADMIN_B)  # fmt: skip
    assert left.status_code == 200, left.text

    async def withdrawn() -> list[dict[str, Any]]:
        return [data for kind, data in await _records(infrastructure, number) if "MatchWithdrawn" in kind]

    gone = (await _until(withdrawn, "MatchWithdrawn on Kafka"))[0]
    assert (gone["demand_id"], gone["reason"]) == (demand_id, "left_pool")
    listed = (await http.get(f"{matching.url}/demands/{demand_id}/matches", headers=as_firm)).json()["matches"]
    assert listed == []
