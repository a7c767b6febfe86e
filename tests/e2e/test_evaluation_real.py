"""Market evaluation through the real inventory, evaluation and projection processes, broker and store: a patent
enters the pool, a provincial office assigns it to a registered enterprise, the enterprise evaluates it; the grade and
the feedback are on Kafka, the institution reads the feedback and the projection's evaluation coverage changes."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from patentflow.contracts import topics
from patentflow.contracts.access import Role
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.testing.infrastructure import Infrastructure
from patentflow.testing.kafka import read_all
from patentflow.testing.processes import ServiceUnderTest
from tests.e2e.conftest import INSTITUTION_B, new_number, patent_body, register_institutions, token

ADMIN_B = token(Role.INSTITUTION_ADMIN, institution=INSTITUTION_B)
HUNAN = token(Role.PROVINCE_OFFICE, province="430000")
RECORD = {
    "conversion_intents": ["licence_ordinary"],
    "implementation_status": "not_implemented",
    "trl": 6,
    "self_grade": 4,
}


async def _posted(http: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str], *,
                  retry_reason: str | None = None, timeout: float = 60.0) -> httpx.Response:  # fmt: skip
    """POST, retrying while the answer is a 409 of ``retry_reason`` (the service's replica is still on its way)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = await http.post(url, json=body, headers=headers)
        waiting = answer.status_code == 409 and answer.json()["detail"]["reason"] == retry_reason
        if not waiting or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.3)


async def test_a_pool_patent_is_evaluated_graded_and_fed_back_end_to_end(
    http: httpx.AsyncClient,
    infrastructure: Infrastructure,
    inventory: ServiceUnderTest,
    evaluation: ServiceUnderTest,
    projection: ServiceUnderTest,
    unique: str,
) -> None:
    register_institutions(inventory.url)
    number = new_number()
    assert (
        await http.post(f"{inventory.url}/patents", json=patent_body(number, INSTITUTION_B), headers=ADMIN_B)
    ).status_code == 201
    assert (
        await http.put(f"{inventory.url}/patents/{number}/inventory", json=RECORD, headers=ADMIN_B)
    ).status_code == 200
    for step in ("submission", "school-approval", "institution-approval"):
        answer = await http.post(f"{inventory.url}/patents/{number}/{step}", json={}, headers=ADMIN_B)
        assert answer.status_code == 200, answer.text

    body17 = f"91430100{int(unique[:8], 16) % 10**9:09d}"
    firm = body17 + credit_code_check_char(body17)
    enterprise = {"credit_code": firm, "name": "长沙端到端科技有限公司", "province": "430000", "ipc_fields": ["G06F"]}
    assert (await http.post(f"{evaluation.url}/enterprises", json=enterprise, headers=HUNAN)).status_code == 201
    assigned = await _posted(http, f"{evaluation.url}/patents/{number}/assignments", {"enterprise": firm}, HUNAN,
                             retry_reason="NOT_IN_POOL")  # fmt: skip
    assert assigned.status_code == 201, assigned.text
    answer = {
        "enterprise": firm,
        "prospect": 4,
        "cooperation_intent": "joint_development",
        "improvement_needs": "需中试",
    }
    as_firm = token(Role.ENTERPRISE, enterprise=firm)
    evaluated = await http.post(
        f"{evaluation.url}/patents/{number}/enterprise-evaluations", json=answer, headers=as_firm
    )
    assert evaluated.status_code == 201, evaluated.text

    # On Kafka: the grade (on pool entry, and again if the evaluation moved it) and the institution's feedback.
    deadline = time.monotonic() + 60
    while True:
        records = [
            r
            for r in await read_all(infrastructure.kafka_bootstrap, topics.EVALUATIONS.name)
            if r.key == number.encode()
        ]
        types = [dict(r.headers)["ce_type"].decode() for r in records]
        if any("EvaluationFeedbackIssued" in t for t in types) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert any("GradeChanged" in t for t in types), types
    feedback = [json.loads(r.value) for r, t in zip(records, types, strict=True) if "EvaluationFeedbackIssued" in t]
    assert [(f["institution"], f["from_id"], f["improvement_needs"]) for f in feedback] == [
        (INSTITUTION_B, firm, "需中试")
    ]

    # The institution reads its feedback from the evaluation service.
    read = await http.get(f"{evaluation.url}/patents/{number}/feedback", headers=ADMIN_B)
    assert read.status_code == 200, read.text
    assert [(f["from_id"], f["cooperation_intent"]) for f in read.json()["feedback"]] == [(firm, "joint_development")]

    # The projection's evaluation coverage of the institution counts the evaluated pool patent.
    deadline = time.monotonic() + 60
    while True:
        view = await http.get(f"{projection.url}/views/evaluation-coverage", params={"group": "institution",
                              "institution": INSTITUTION_B}, headers=HUNAN)  # fmt: skip
        assert view.status_code == 200, view.text
        rows = view.json()["rows"]
        if (rows and rows[0]["enterprise_evaluated"] >= 1) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert rows[0]["institution"] == INSTITUTION_B
    assert rows[0]["enterprise_evaluated"] >= 1
    patent = (await http.get(f"{projection.url}/patents/{number}", headers=ADMIN_B)).json()
    assert patent["evaluation"]["by_intent"] == {"joint_development": 1}
