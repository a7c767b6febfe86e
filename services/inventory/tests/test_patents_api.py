"""The patent routes in process: answers, access (401/403/404), validation (422), rules (409), replay, events."""

from __future__ import annotations

from datetime import date

from patentflow.contracts.access import Role
from patentflow.contracts.events import PatentRecorded
from patentflow.contracts.events.inventory_enums import LegalStatus
from patentflow.testing.inprocess import auth, eventually
from patentflow.testing.samples import number

from .inprocess import ADMIN_A, ADMIN_B, RECORD, A, B, inventory, patent_body


async def test_records_a_patent_and_answers_it_to_its_institution_only() -> None:
    async with inventory() as service:
        body = patent_body(1)
        created = await service.http.post("/patents", json=body, headers=ADMIN_A)
        assert created.status_code == 201, created.text
        assert created.json()["review_state"] == "draft"
        number = body["application_number"]
        assert (await service.http.get(f"/patents/{number}", headers=ADMIN_A)).json()["legal_status"] == "valid"
        assert (await service.http.get(f"/patents/{number}", headers=ADMIN_B)).status_code == 404
        assert (await service.http.get(f"/patents/{number}")).status_code == 401
        assert (await service.http.get("/patents/000000000000.0", headers=ADMIN_B)).status_code == 422


async def test_an_old_utility_model_is_recorded_expired_and_its_event_says_so() -> None:
    async with inventory() as service:
        body = patent_body(
            2, application_number=number(2004, 5, kind=2), filing_date="2004-01-05", grant_date="2005-02-01"
        )
        created = await service.http.post("/patents", json=body, headers=ADMIN_A)
        assert created.status_code == 201, created.text
        assert created.json()["legal_status"] == "expired"
        [event] = await eventually(lambda: service.published(PatentRecorded), what="PatentRecorded")
        assert event.legal_status is LegalStatus.EXPIRED
        assert event.expiry_date == date(2014, 1, 4)


async def test_same_idempotency_key_replays_and_changes_nothing() -> None:
    async with inventory() as service:
        body = patent_body(3)
        headers = {**ADMIN_A, "Idempotency-Key": "k-1"}
        first = await service.http.post("/patents", json=body, headers=headers)
        again = await service.http.post("/patents", json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()
        other = await service.http.post("/patents", json={**body, "title": "另一个"}, headers=headers)
        assert other.status_code == 409
        assert other.json()["detail"]["reason"] == "IDEMPOTENCY_KEY_REUSED"


async def test_refusals_name_their_field_or_reason() -> None:
    async with inventory() as service:
        future = await service.http.post(
            "/patents",
            json=patent_body(4, application_number=number(2026, 4), filing_date="2026-12-01", grant_date=None),
            headers=ADMIN_A,
        )
        assert future.status_code == 422
        assert future.json()["detail"] == [
            {"loc": ["body", "filing_date"], "msg": "lies in the future", "type": "value_error"}
        ]
        other = await service.http.post("/patents", json=patent_body(5, institution=B), headers=ADMIN_A)
        assert other.status_code == 403
        body = patent_body(6)
        assert (await service.http.post("/patents", json=body, headers=ADMIN_A)).status_code == 201
        twice = await service.http.post("/patents", json=body, headers=ADMIN_A)
        assert twice.status_code == 409
        assert twice.json()["detail"]["reason"] == "PATENT_ALREADY_RECORDED"


async def test_inventor_fills_and_submits_but_may_not_approve() -> None:
    async with inventory() as service:
        body = patent_body(7)
        number = body["application_number"]
        assert (await service.http.post("/patents", json=body, headers=ADMIN_A)).status_code == 201
        inventor = auth(Role.INVENTOR, institution=A, person="zhangsan")
        filled = await service.http.put(f"/patents/{number}/inventory", json=RECORD, headers=inventor)
        assert filled.status_code == 200, filled.text
        assert (await service.http.post(f"/patents/{number}/submission", headers=inventor)).status_code == 200
        refused = await service.http.post(f"/patents/{number}/institution-approval", headers=inventor)
        assert refused.status_code == 403


async def test_an_inventor_id_names_a_person_of_one_institution_only() -> None:
    # Person ids are unique within an institution: A's zhangsan is not the zhangsan B's patent names.
    async with inventory() as service:
        theirs = patent_body(8, institution=B)
        assert (await service.http.post("/patents", json=theirs, headers=ADMIN_B)).status_code == 201
        number_ = theirs["application_number"]
        a_zhangsan = auth(Role.INVENTOR, institution=A, person="zhangsan")
        b_zhangsan = auth(Role.INVENTOR, institution=B, person="zhangsan")
        assert (await service.http.get(f"/patents/{number_}", headers=a_zhangsan)).status_code == 404
        filled = await service.http.put(f"/patents/{number_}/inventory", json=RECORD, headers=a_zhangsan)
        assert filled.status_code == 404
        assert (await service.http.get(f"/patents/{number_}", headers=b_zhangsan)).status_code == 200


async def test_a_correction_sent_again_with_a_field_added_as_null_is_another_command() -> None:
    async with inventory() as service:
        body = patent_body(9, abstract="摘要")
        number_ = body["application_number"]
        assert (await service.http.post("/patents", json=body, headers=ADMIN_A)).status_code == 201
        headers = {**ADMIN_A, "Idempotency-Key": "fix-9"}
        first = await service.http.patch(f"/patents/{number_}", json={"title": "新名称"}, headers=headers)
        assert first.status_code == 200
        other = await service.http.patch(
            f"/patents/{number_}", json={"title": "新名称", "abstract": None}, headers=headers
        )
        assert other.status_code == 409
        assert other.json()["detail"]["reason"] == "IDEMPOTENCY_KEY_REUSED"


async def test_a_commands_events_are_published_when_its_answer_arrives_in_process() -> None:
    """The in-process client settles the relay after each command, so a test may read ``published`` at once."""
    async with inventory() as service:
        for serial in range(30, 40):
            created = await service.http.post("/patents", json=patent_body(serial), headers=ADMIN_A)
            assert created.status_code == 201, created.text
            numbers = [e.application_number for e in service.published(PatentRecorded)]
            assert numbers[-1] == created.json()["application_number"]
            assert len(numbers) == serial - 29
