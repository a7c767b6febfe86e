"""The inventory lifecycle through the real inventory and projection processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from patentflow.contracts.access import Role
from patentflow.testing.processes import ServiceUnderTest
from tests.e2e.conftest import INSTITUTION_A, INSTITUTION_B, new_number, patent_body, register_institutions, token

ADMIN_A = token(Role.INSTITUTION_ADMIN, institution=INSTITUTION_A)
RECORD = {
    "conversion_intents": ["transfer", "licence_ordinary"],
    "implementation_status": "not_implemented",
    "trl": 6,
    "self_grade": 4,
    "application_scenario": "工业质检",
    "intended_price": "500000.00",
}


async def _until_review_state(http: httpx.AsyncClient, url: str, number: str, state: str) -> dict[str, Any]:
    for _ in range(100):
        view = (await http.get(f"{url}/patents/{number}", headers=ADMIN_A)).json()
        if view.get("review_state") == state:
            return dict(view)
        await asyncio.sleep(0.2)
    raise AssertionError(f"read model never showed {state}: {view}")


async def _until_rows(
    http: httpx.AsyncClient,
    url: str,
    params: dict[str, str],
    headers: dict[str, str],
    shown: Callable[[list[dict[str, Any]]], bool],
    *,
    key: str = "rows",
    timeout: float = 60.0,
) -> list[dict[str, Any]]:
    """The rows of a projection answer, once they show what is expected (its read model is eventually consistent)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = await http.get(url, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, Any]] = answer.json()[key]
        if shown(rows) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert shown(rows), f"{url} {params} never showed what was expected: {rows}"
    return rows


async def test_inventor_fills_school_and_institution_approve_into_the_pool(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, projection: ServiceUnderTest, unique: str
) -> None:
    school = f"s{unique[:6]}"
    added = await http.post(
        f"{inventory.url}/institutions/{INSTITUTION_A}/schools",
        json={"school_id": school, "name": "计算机学院"},
        headers=ADMIN_A,
    )
    inventor = await http.post(
        f"{inventory.url}/institutions/{INSTITUTION_A}/inventors",
        json={"inventor_id": f"i{unique}", "name": "王五", "school_id": school},
        headers=ADMIN_A,
    )
    number = new_number()
    body = patent_body(number, inventor_ids=[f"i{unique}"], school_id=school)
    assert (await http.post(f"{inventory.url}/patents", json=body, headers=ADMIN_A)).status_code == 201
    me = token(Role.INVENTOR, person=f"i{unique}", institution=INSTITUTION_A)
    colleague = token(Role.INVENTOR, person="someone-else", institution=INSTITUTION_A)
    reviewer = token(Role.SCHOOL_REVIEWER, school=school, institution=INSTITUTION_A)
    other_school = token(Role.SCHOOL_REVIEWER, school="law", institution=INSTITUTION_A)
    base = f"{inventory.url}/patents/{number}"

    early = await http.post(f"{base}/submission", headers=me)
    not_mine = await http.put(f"{base}/inventory", json=RECORD, headers=colleague)
    filled = await http.put(f"{base}/inventory", json=RECORD, headers=me)
    submitted = await http.post(f"{base}/submission", headers=me)
    locked = await http.put(f"{base}/inventory", json={**RECORD, "trl": 7}, headers=me)
    wrong_school = await http.post(f"{base}/school-approval", headers=other_school)
    skipping = await http.post(f"{base}/institution-approval", headers=ADMIN_A)
    returned = await http.post(f"{base}/return", json={"reason": "补充应用场景"}, headers=reviewer)
    refilled = await http.put(f"{base}/inventory", json={**RECORD, "trl": 7}, headers=me)
    resubmitted = await http.post(f"{base}/submission", headers=me)
    by_school = await http.post(f"{base}/school-approval", headers=reviewer)
    inventor_cannot_pool = await http.post(f"{base}/institution-approval", headers=me)
    pooled = await http.post(f"{base}/institution-approval", headers=ADMIN_A)

    assert (added.status_code, inventor.status_code) == (201, 201)
    assert early.json()["detail"]["reason"] == "INVENTORY_INCOMPLETE"
    assert not_mine.status_code == 404
    assert filled.status_code == 200
    assert filled.json()["inventory"]["intended_price"] == "500000.00"
    assert submitted.json()["review_state"] == "submitted"
    assert locked.json()["detail"]["reason"] == "RECORD_UNDER_REVIEW"
    assert wrong_school.status_code == 404
    assert skipping.json()["detail"] == {
        "reason": "INVALID_TRANSITION",
        "message": skipping.json()["detail"]["message"],
        "legal_source": skipping.json()["detail"]["legal_source"],
        "context": {"review_state": "submitted", "action": "approve_by_institution"},
    }
    assert returned.json()["return_reason"] == "补充应用场景"
    assert refilled.json()["inventory"]["trl"] == 7
    assert resubmitted.json()["review_state"] == "submitted"
    assert by_school.json()["review_state"] == "school_approved"
    assert inventor_cannot_pool.status_code == 403
    assert pooled.json()["review_state"] == "pooled"
    view = await _until_review_state(http, projection.url, number, "pooled")
    assert view["inventory"]["trl"] == 7
    mine_pooled = await _until_rows(
        http,
        f"{projection.url}/patents",
        {"review_state": "pooled", "limit": "500"},
        me,
        lambda rows: number in [p["application_number"] for p in rows],
        key="items",
    )
    assert {p["review_state"] for p in mine_pooled} == {"pooled"}


async def test_registry_refusals_and_coverage(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, projection: ServiceUnderTest
) -> None:
    unknown = "91110000600037341" + "L"
    province_b = token(Role.PROVINCE_OFFICE, province="430000")
    national = token(Role.NATIONAL_ADMIN)
    admin_b = token(Role.INSTITUTION_ADMIN, institution=INSTITUTION_B)

    not_registered = await http.post(
        f"{inventory.url}/patents",
        json=patent_body(new_number(), institution=unknown),
        headers=token(Role.INSTITUTION_ADMIN, institution=unknown),
    )
    wrong_province = await http.post(
        f"{inventory.url}/institutions",
        headers=province_b,
        json={"credit_code": unknown, "name": "x", "kind": "university", "province": "110000"},
    )
    # a stock patent (granted, in force) of each institution: both have a coverage row, whatever ran before
    for institution, admin in ((INSTITUTION_A, ADMIN_A), (INSTITUTION_B, admin_b)):
        body = patent_body(new_number(), institution=institution)
        assert (await http.post(f"{inventory.url}/patents", json=body, headers=admin)).status_code == 201

    assert not_registered.status_code == 409
    assert not_registered.json()["detail"]["reason"] == "UNKNOWN_INSTITUTION"
    assert wrong_province.status_code == 403

    coverage = f"{projection.url}/views/coverage"
    by_institution, by_province = {"group": "institution"}, {"group": "province"}

    def institutions(*codes: str) -> Callable[[list[dict[str, Any]]], bool]:
        def shown(rows: list[dict[str, Any]]) -> bool:
            found = {r["institution"]: r for r in rows}
            return all(c in found and found[c]["stock_valid"] >= 1 and found[c]["name"] for c in codes)

        return shown

    [row] = await _until_rows(http, coverage, by_institution, ADMIN_A, institutions(INSTITUTION_A))
    assert row["institution"] == INSTITUTION_A
    assert row["institution_type"] == "pilot"
    assert row["stock_valid"] >= 1
    assert 0 <= row["coverage"] <= 1
    rows_b = await _until_rows(http, coverage, by_institution, province_b, institutions(INSTITUTION_B))
    assert [r["institution"] for r in rows_b] == [INSTITUTION_B]
    assert {r["province"] for r in rows_b} == {"430000"}
    everyone = await _until_rows(http, coverage, by_institution, national, institutions(INSTITUTION_A, INSTITUTION_B))
    assert {INSTITUTION_A, INSTITUTION_B} <= {r["institution"] for r in everyone}

    def provinces(*codes: str) -> Callable[[list[dict[str, Any]]], bool]:
        return lambda rows: set(codes) <= {r["province"] for r in rows}

    [province_a] = await _until_rows(http, coverage, by_province, ADMIN_A, provinces("110000"))
    assert province_a["province"] == "110000"
    assert province_a["stock_valid"] >= 1
    [only_b] = await _until_rows(http, coverage, by_province, province_b, provinces("430000"))
    assert only_b["province"] == "430000"
    both = await _until_rows(http, coverage, by_province, national, provinces("110000", "430000"))
    assert {r["province"] for r in both} >= {"110000", "430000"}


async def test_daily_sweep_expires_and_flags_by_the_service_clock(
    http: httpx.AsyncClient, projection: ServiceUnderTest, service_env: dict[str, str], run_id: str, logs_dir: Path
) -> None:
    env = {**service_env, "PATENTFLOW_MONGODB_DATABASE": f"e2e_{run_id}_inventory_clock"}
    utility = new_number(kind=2)  # filed 2020-05-06: its ten years end on 2030-05-05
    funded = new_number()  # granted 2021-09-10: five years pass on 2026-09-10
    before = ServiceUnderTest("inventory", env, logs_dir).start(PATENTFLOW_TODAY="2026-01-01")
    try:
        register_institutions(before.url)
        await http.post(f"{before.url}/patents", json=patent_body(utility, grant_date="2020-12-01"), headers=ADMIN_A)
        await http.post(
            f"{before.url}/patents",
            headers=ADMIN_A,
            json=patent_body(
                funded, state_funded=True, state_funding={"project_number": "2019YFB1", "funder": "科技部"}
            ),
        )
        first = (await http.get(f"{before.url}/patents/{funded}", headers=ADMIN_A)).json()
    finally:
        before.stop()

    later = ServiceUnderTest("inventory", env, logs_dir).start(PATENTFLOW_TODAY="2031-01-01")
    try:
        # Every patent, not the calendar's due ones: this database's processes share the index consumer's group with
        # the session's inventory, which reads (and files) their events into its own database. The calendar is tested
        # in process (services/inventory/tests/test_due_calendar.py) and on this store (test_due_calendar_real.py).
        swept = await http.post(f"{later.url}/operations/sweep", params={"every": "true"}, headers=token(Role.OPERATOR))
        expired = (await http.get(f"{later.url}/patents/{utility}", headers=ADMIN_A)).json()
        flagged = (await http.get(f"{later.url}/patents/{funded}", headers=ADMIN_A)).json()
        justified = await http.post(
            f"{later.url}/patents/{funded}/non-use-justification",
            json={"justification": "涉密项目，暂不实施"},
            headers=ADMIN_A,
        )
        not_operator = await http.post(f"{later.url}/operations/sweep", headers=ADMIN_A)
    finally:
        later.stop()

    assert first["non_use_flagged"] is False
    assert first["legal_status"] == "valid"
    assert swept.json()["today"] == "2031-01-01"  # (the sweep at start-up may already have done the work)
    assert expired["legal_status"] == "expired"
    assert expired["legal_status_since"] == "2030-05-06"
    assert flagged["non_use_flagged"] is True
    assert expired["non_use_flagged"] is False  # not state-funded: never flagged
    assert justified.json()["non_use_flagged"] is False
    assert not_operator.status_code == 403
    for _ in range(100):
        view = (await http.get(f"{projection.url}/patents/{funded}", headers=ADMIN_A)).json()
        if view.get("sequences", {}).get("inventory") == 4:
            break
        await asyncio.sleep(0.2)
    assert view["sequences"] == {"inventory": 4}  # recorded, flagged, justified, cleared
    assert view["non_use_flagged"] is False


async def test_the_real_store_keeps_what_the_api_accepts_and_refuses_what_it_cannot_keep(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, unique: str
) -> None:
    # An e-mail address as inventor id: its dot could not be a key of a stored document, so ids are values there.
    email = f"zhang.san.{unique}@demo.edu.cn"
    added = await http.post(
        f"{inventory.url}/institutions/{INSTITUTION_A}/inventors",
        json={"inventor_id": email, "name": "张三"},
        headers=ADMIN_A,
    )
    assert added.status_code == 201, added.text
    assert added.json()["inventors"][email] == {"name": "张三", "school_id": None}
    number = new_number()
    recorded = await http.post(
        f"{inventory.url}/patents", json=patent_body(number, inventor_ids=[email]), headers=ADMIN_A
    )
    assert recorded.status_code == 201, recorded.text
    unknown = await http.post(
        f"{inventory.url}/patents", json=patent_body(new_number(), inventor_ids=["nobody"]), headers=ADMIN_A
    )
    assert unknown.status_code == 409
    assert unknown.json()["detail"]["reason"] == "UNKNOWN_INVENTOR"
    # Text a store cannot encode, and numbers JSON does not have, are refused before they reach it.
    surrogate = b'{"reason": "\\ud800"}'
    refused = await http.post(
        f"{inventory.url}/patents/{number}/withdrawal",
        content=surrogate,
        headers={**ADMIN_A, "Content-Type": "application/json"},
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "reason"]
    beyond = await http.get(f"{inventory.url}/imports/{'0' * 32}/errors", params={"skip": str(2**63)}, headers=ADMIN_A)
    assert beyond.status_code == 422
    assert (await http.get(f"{inventory.url}/patents/{number}", headers=ADMIN_A)).json()["version"] == 1
