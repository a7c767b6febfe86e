"""The walking skeleton: HTTP → inventory → outbox → Kafka → projection → read API, on the real components."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from patentflow.contracts import topics
from patentflow.contracts.access import Role
from patentflow.contracts.identifiers import application_check_digit
from patentflow.testing.infrastructure import Infrastructure
from patentflow.testing.kafka import header, read_all
from patentflow.testing.processes import ServiceUnderTest
from tests.e2e.conftest import INSTITUTION_A, INSTITUTION_B, new_number, patent_body, token
from tests.e2e.helpers import eventually_get

ADMIN_A = token(Role.INSTITUTION_ADMIN, institution=INSTITUTION_A)
ADMIN_B = token(Role.INSTITUTION_ADMIN, institution=INSTITUTION_B)


async def _records_for(infrastructure: Infrastructure, number: str) -> list[Any]:
    return [r for r in await read_all(infrastructure.kafka_bootstrap, topics.PATENTS.name) if r.key == number.encode()]


async def test_recorded_patent_is_served_by_the_read_api(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, projection: ServiceUnderTest
) -> None:
    number = new_number()
    created = await http.post(f"{inventory.url}/patents", json=patent_body(number), headers=ADMIN_A)
    assert created.status_code == 201, created.text
    assert created.json()["record"]["patent_type"] == "invention"

    read = await eventually_get(http, f"{projection.url}/patents/{number}", ADMIN_A)

    assert read.status_code == 200, read.text
    view = read.json()
    assert view["institution"] == INSTITUTION_A
    assert view["patent"]["title"] == "一种专利文本分类方法"
    assert view["patent"]["ipc_secondary"] == ["G06N 3/08"]
    assert view["sequences"] == {"inventory": 1}


async def test_correction_reaches_the_read_model_as_the_next_event(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, projection: ServiceUnderTest
) -> None:
    number = new_number()
    assert (await http.post(f"{inventory.url}/patents", json=patent_body(number), headers=ADMIN_A)).status_code == 201
    changed = await http.patch(f"{inventory.url}/patents/{number}", json={"title": "更正后的名称"}, headers=ADMIN_A)
    assert changed.status_code == 200, changed.text

    for _ in range(100):
        view = (await http.get(f"{projection.url}/patents/{number}", headers=ADMIN_A)).json()
        if view.get("sequences") == {"inventory": 2}:
            break
        await asyncio.sleep(0.2)

    assert view["patent"]["title"] == "更正后的名称"
    assert view["sequences"] == {"inventory": 2}


async def test_bad_record_gets_422_with_fields_and_nothing_is_stored_or_published(
    http: httpx.AsyncClient,
    inventory: ServiceUnderTest,
    projection: ServiceUnderTest,
    infrastructure: Infrastructure,
    mongo: AsyncMongoClient[dict[str, Any]],
    databases: dict[str, str],
) -> None:
    number = new_number()
    bad = patent_body(number, ipc_main="Z99X 1/1", grant_date="2019-01-01")
    bad["owner_credit_code"] = INSTITUTION_A[:-1] + ("0" if INSTITUTION_A[-1] != "0" else "1")
    wrong_digit = number[:-1] + ("0" if number[-1] != "0" else "1")

    response = await http.post(f"{inventory.url}/patents", json=bad, headers=ADMIN_A)
    bad_number = await http.post(f"{inventory.url}/patents", json=patent_body(wrong_digit), headers=ADMIN_A)

    assert response.status_code == 422
    failing = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert ("body", "ipc_main") in failing
    assert ("body", "owner_credit_code") in failing
    assert bad_number.status_code == 422
    assert bad_number.json()["detail"][0]["loc"] == ["body", "application_number"]
    assert "check digit" in bad_number.json()["detail"][0]["msg"]
    await asyncio.sleep(2)  # give a wrongly published event time to arrive
    assert await mongo[databases["inventory"]]["patents"].find_one({"_id": number}) is None
    assert await _records_for(infrastructure, number) == []
    assert (await http.get(f"{projection.url}/patents/{number}", headers=ADMIN_A)).status_code == 404


async def test_grant_before_filing_is_refused(http: httpx.AsyncClient, inventory: ServiceUnderTest) -> None:
    response = await http.post(
        f"{inventory.url}/patents", json=patent_body(new_number(), grant_date="2019-01-01"), headers=ADMIN_A
    )

    assert response.status_code == 422
    assert "grant_date is before filing_date" in response.text


async def test_same_idempotency_key_stores_and_publishes_once(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, projection: ServiceUnderTest, infrastructure: Infrastructure
) -> None:
    number = new_number()
    headers = {**ADMIN_A, "Idempotency-Key": f"import-{number}"}

    first = await http.post(f"{inventory.url}/patents", json=patent_body(number), headers=headers)
    second = await http.post(f"{inventory.url}/patents", json=patent_body(number), headers=headers)
    reused = await http.post(f"{inventory.url}/patents", json=patent_body(number, title="另一个"), headers=headers)
    without_key = await http.post(f"{inventory.url}/patents", json=patent_body(number), headers=ADMIN_A)

    assert first.status_code == 201
    assert second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.json() == first.json()
    assert reused.status_code == 409
    assert reused.json()["detail"]["reason"] == "IDEMPOTENCY_KEY_REUSED"
    assert without_key.status_code == 409
    assert without_key.json()["detail"]["reason"] == "PATENT_ALREADY_RECORDED"
    assert (await eventually_get(http, f"{projection.url}/patents/{number}", ADMIN_A)).status_code == 200
    await asyncio.sleep(1.5)  # a second publication would have arrived by now
    assert len(await _records_for(infrastructure, number)) == 1


async def test_plain_kafka_client_sees_cloudevents_headers(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, infrastructure: Infrastructure
) -> None:
    number = new_number()
    sent = await http.post(
        f"{inventory.url}/patents", json=patent_body(number), headers={**ADMIN_A, "X-Correlation-ID": f"corr-{number}"}
    )
    assert sent.status_code == 201

    records: list[Any] = []
    for _ in range(50):
        records = await _records_for(infrastructure, number)
        if records:
            break
        await asyncio.sleep(0.2)

    assert len(records) == 1
    record = records[0]
    assert header(record, "ce_specversion") == "1.0"
    assert header(record, "ce_type") == "cn.patentflow.inventory.PatentRecorded.v1"
    assert header(record, "ce_source") == "/patentflow/inventory"
    assert header(record, "ce_subject") == number
    assert header(record, "ce_sequence") == "1"
    assert header(record, "ce_correlationid") == f"corr-{number}"
    assert header(record, "ce_causationid") == sent.headers["X-Request-ID"]
    assert header(record, "ce_id")
    assert header(
        record,
        "ce_time",
    ).endswith("Z")  # type: ignore[union-attr]
    assert header(
        record,
        "ce_traceparent",
    ).startswith("00-")  # type: ignore[union-attr]
    assert header(record, "content-type") == "application/json"
    assert b'"application_number":"' + number.encode() in record.value


async def test_requests_without_a_valid_token_get_401(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, projection: ServiceUnderTest
) -> None:
    forged = {"Authorization": "Bearer " + ADMIN_A["Authorization"].split()[1][:-4] + "AAAA"}

    assert (await http.post(f"{inventory.url}/patents", json=patent_body(new_number()))).status_code == 401
    assert (await http.get(f"{projection.url}/patents/201310699744.2")).status_code == 401
    assert (await http.get(f"{projection.url}/patents", headers=forged)).status_code == 401
    assert (await http.get(f"{projection.url}/patents")).headers["WWW-Authenticate"] == "Bearer"


async def test_another_institution_can_neither_read_nor_change_the_record(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, projection: ServiceUnderTest
) -> None:
    number = new_number()
    assert (await http.post(f"{inventory.url}/patents", json=patent_body(number), headers=ADMIN_A)).status_code == 201
    assert (await eventually_get(http, f"{projection.url}/patents/{number}", ADMIN_A)).status_code == 200
    missing = new_number()

    read_model = await http.get(f"{projection.url}/patents/{number}", headers=ADMIN_B)
    write_side = await http.get(f"{inventory.url}/patents/{number}", headers=ADMIN_B)
    change = await http.patch(f"{inventory.url}/patents/{number}", json={"title": "篡改"}, headers=ADMIN_B)
    record_for_a = await http.post(f"{inventory.url}/patents", json=patent_body(new_number()), headers=ADMIN_B)
    listing = await http.get(f"{projection.url}/patents", params={"institution": INSTITUTION_A}, headers=ADMIN_B)
    not_there = await http.get(f"{projection.url}/patents/{missing}", headers=ADMIN_B)

    assert read_model.status_code == 404
    assert read_model.json() == not_there.json()  # indistinguishable from a record that does not exist
    assert write_side.status_code == 404
    assert change.status_code == 404
    assert record_for_a.status_code == 403
    assert listing.json() == {"total": 0, "items": [], "next_cursor": None}
    unchanged = await http.get(f"{inventory.url}/patents/{number}", headers=ADMIN_A)
    assert unchanged.json()["record"]["title"] == "一种专利文本分类方法"


async def test_province_office_sees_its_province_only(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, projection: ServiceUnderTest
) -> None:
    number = new_number()
    assert (await http.post(f"{inventory.url}/patents", json=patent_body(number), headers=ADMIN_A)).status_code == 201
    assert (await eventually_get(http, f"{projection.url}/patents/{number}", ADMIN_A)).status_code == 200

    beijing = await http.get(
        f"{projection.url}/patents/{number}", headers=token(Role.PROVINCE_OFFICE, province="110000")
    )
    hunan = await http.get(f"{projection.url}/patents/{number}", headers=token(Role.PROVINCE_OFFICE, province="430000"))
    national = await http.get(f"{projection.url}/patents/{number}", headers=token(Role.NATIONAL_ADMIN))
    enterprise = await http.get(
        f"{projection.url}/patents/{number}", headers=token(Role.ENTERPRISE, enterprise="91350100M000100Y43")
    )

    assert beijing.status_code == 200
    assert hunan.status_code == 404
    assert national.status_code == 200
    assert enterprise.status_code == 404


async def test_readme_example_request_returns_the_record_from_the_read_api(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, projection: ServiceUnderTest
) -> None:
    example = json.loads((Path(__file__).parents[2] / "deploy" / "local" / "example-patent.json").read_text())
    owner = token(Role.INSTITUTION_ADMIN, institution=example["owner_credit_code"])
    headers = {**owner, "Idempotency-Key": "readme-example"}

    created = await http.post(f"{inventory.url}/patents", json=example, headers=headers)
    read = await eventually_get(http, f"{projection.url}/patents/{example['application_number']}", owner, timeout=5)

    assert created.status_code == 201, created.text
    assert read.status_code == 200
    assert read.json()["patent"]["title"] == example["title"]


async def test_an_old_utility_model_is_expired_in_the_read_model_from_its_only_event(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, projection: ServiceUnderTest
) -> None:
    # Filed 2004-01-05, a utility model's ten-year term ended 2014-01-04: inventory records it expired, and its
    # PatentRecorded is its only event (the daily sweep sees no change), so the read model must take it from there.
    number = new_number(kind=2).replace("2020", "2004", 1)
    number = f"{number[:-2]}.{application_check_digit(number[:-2])}"
    body = patent_body(number, filing_date="2004-01-05", grant_date="2005-02-01")
    created = await http.post(f"{inventory.url}/patents", json=body, headers=ADMIN_A)
    assert created.status_code == 201, created.text
    assert created.json()["legal_status"] == "expired"

    read = await eventually_get(http, f"{projection.url}/patents/{number}", ADMIN_A)

    assert read.status_code == 200, read.text
    assert read.json()["legal_status"] == "expired"
    assert read.json()["expiry_date"] == "2014-01-04"
    assert read.json()["sequences"] == {"inventory": 1}
