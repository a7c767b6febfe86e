"""The integrated patent view in process: each mapping, duplicates, the told initial state, and access."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from patentflow.contracts.access import Role
from patentflow.contracts.events import (
    EnteredConversionPool,
    InventoryApprovedBySchool,
    InventoryRecordFilled,
    InventorySubmitted,
    LegalStatusChanged,
    NonUseJustificationRecorded,
    PatentRecordCorrected,
    PatentRecorded,
    StateFundedNonUseCleared,
    StateFundedNonUseFlagged,
    WithdrawnFromPool,
)
from patentflow.contracts.events.common import Owner
from patentflow.contracts.events.inventory_enums import ConversionIntent, ImplementationStatus, LegalStatus
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.kit.eventmap import check
from patentflow.projection.app import create_app
from patentflow.projection.config import Settings
from patentflow.projection.consumers import PATENTS
from patentflow.projection.deps import ProjectionDeps
from patentflow.testing.inprocess import InProcess, MemoryRuntime, auth, eventually, running, settings_for
from patentflow.testing.samples import number

A = "12100000400000624" + credit_code_check_char("12100000400000624")
B = "12430000444876543" + credit_code_check_char("12430000444876543")
OWNER_A = Owner(credit_code=A, name="示范理工大学", province="110000")
OWNER_B = Owner(credit_code=B, name="湖南示范大学", province="430000")
NATIONAL = auth(Role.NATIONAL_ADMIN)


@contextlib.asynccontextmanager
async def projection() -> AsyncIterator[InProcess]:
    settings = settings_for(Settings)
    async with running(create_app(settings, runtime=MemoryRuntime(settings))) as service:
        yield service


def recorded(serial: int, owner: Owner = OWNER_A, **changes: Any) -> PatentRecorded:
    values: dict[str, Any] = {
        "application_number": number(2020, serial),
        "patent_type": "invention",
        "title": "一种专利文本分类方法",
        "ipc_main": "G06F 16/35",
        "filing_date": date(2020, 5, 6),
        "grant_date": date(2021, 9, 10),
        "owner": owner,
        "state_funded": False,
        "source": "manual",
        "recorded_by": "admin",
        "legal_status": "valid",
        "expiry_date": date(2040, 5, 5),
    }
    return PatentRecorded(**{**values, **changes})


async def view(service: InProcess, number_: str, sequence: int) -> dict[str, Any] | None:
    doc = await service.deps(ProjectionDeps).patents.get(number_)
    return doc if doc is not None and doc["seq"]["inventory"] >= sequence else None


async def test_an_old_utility_model_shows_the_expired_status_inventory_recorded_it_with() -> None:
    async with projection() as service:
        old = recorded(
            1,
            application_number=number(2004, 1, kind=2),
            patent_type="utility_model",
            filing_date=date(2004, 1, 5),
            grant_date=date(2005, 2, 1),
            legal_status="expired",
            expiry_date=date(2014, 1, 4),
        )
        await service.publish(old, sequence=1)
        await eventually(lambda: view(service, old.application_number, 1), what="the recorded patent")
        read = (await service.http.get(f"/patents/{old.application_number}", headers=NATIONAL)).json()
        assert read["legal_status"] == "expired"
        assert read["expiry_date"] == "2014-01-04"


async def test_every_inventory_event_changes_the_view_as_its_mapping_says() -> None:
    async with projection() as service:
        first = recorded(2)
        n = first.application_number
        events = [
            first,
            PatentRecordCorrected(application_number=n, corrected=("title",), title="新名称", corrected_by="a"),
            InventoryRecordFilled(
                application_number=n,
                conversion_intents=(ConversionIntent.TRANSFER,),
                implementation_status=ImplementationStatus.NOT_IMPLEMENTED,
                trl=6,
                self_grade=4,
                filled_by="inv",
            ),
            InventorySubmitted(application_number=n, submitted_by="inv"),
            InventoryApprovedBySchool(application_number=n, approved_by="school"),
            EnteredConversionPool(application_number=n, approved_by="admin"),
            StateFundedNonUseFlagged(
                application_number=n,
                grant_date=date(2021, 9, 10),
                deadline=date(2026, 9, 10),
                flagged_on=date(2026, 9, 10),
            ),
            NonUseJustificationRecorded(application_number=n, justification="等待产业化", recorded_by="a"),
            StateFundedNonUseCleared(application_number=n, reason="justified", cleared_on=date(2026, 9, 11)),
            LegalStatusChanged(
                application_number=n,
                status=LegalStatus.TERMINATED,
                previous=LegalStatus.VALID,
                effective_date=date(2026, 10, 1),
                changed_by="integrator",
            ),
            WithdrawnFromPool(application_number=n, reason="legal status terminated", withdrawn_by="system"),
        ]
        seen: list[tuple[str | None, str | None, bool, str]] = []
        for sequence, event in enumerate(events, start=1):
            await service.publish(event, sequence=sequence)
            doc = await eventually(lambda s=sequence: view(service, n, s), what=f"event {sequence}")  # type: ignore[misc]
            seen.append((doc["review_state"], doc["legal_status"], doc["non_use_flagged"], doc["patent"]["title"]))
        assert seen == [
            ("draft", "valid", False, "一种专利文本分类方法"),
            ("draft", "valid", False, "新名称"),
            ("draft", "valid", False, "新名称"),
            ("submitted", "valid", False, "新名称"),
            ("school_approved", "valid", False, "新名称"),
            ("pooled", "valid", False, "新名称"),
            ("pooled", "valid", True, "新名称"),
            ("pooled", "valid", True, "新名称"),  # ignored: only the sequence moves
            ("pooled", "valid", False, "新名称"),
            ("pooled", "terminated", False, "新名称"),
            ("withdrawn", "terminated", False, "新名称"),
        ]
        assert doc["inventory"]["trl"] == 6


async def test_a_redelivered_event_changes_nothing() -> None:
    async with projection() as service:
        first = recorded(3)
        n = first.application_number
        await service.publish(first, sequence=1)
        await service.publish(InventorySubmitted(application_number=n, submitted_by="inv"), sequence=2)
        await eventually(lambda: view(service, n, 2), what="two events")
        await service.publish(first, sequence=1)  # the same event again, as after a relay crash
        doc = await service.deps(ProjectionDeps).patents.get(n)
        assert doc is not None
        assert doc["review_state"] == "submitted"
        assert doc["seq"] == {"inventory": 2}


async def test_each_caller_reads_and_lists_its_scope_only() -> None:
    async with projection() as service:
        mine, theirs = recorded(4), recorded(5, owner=OWNER_B)
        await service.publish(mine, sequence=1)
        await service.publish(theirs, sequence=1)
        await eventually(lambda: view(service, theirs.application_number, 1), what="both patents")
        admin_a = auth(Role.INSTITUTION_ADMIN, institution=A)
        hunan = auth(Role.PROVINCE_OFFICE, province="430000")
        assert (await service.http.get(f"/patents/{mine.application_number}", headers=admin_a)).status_code == 200
        assert (await service.http.get(f"/patents/{theirs.application_number}", headers=admin_a)).status_code == 404
        assert (await service.http.get(f"/patents/{theirs.application_number}", headers=hunan)).status_code == 200
        assert (await service.http.get(f"/patents/{mine.application_number}", headers=hunan)).status_code == 404
        assert (await service.http.get(f"/patents/{mine.application_number}")).status_code == 401
        listed = (await service.http.get("/patents", headers=hunan)).json()
        assert [p["application_number"] for p in listed["items"]] == [theirs.application_number]
        assert (await service.http.get("/patents", params={"province": "110000"}, headers=hunan)).json() == {
            "total": 0,
            "items": [],
            "next_cursor": None,
        }
        enterprise = auth(Role.ENTERPRISE, enterprise=B)
        assert (await service.http.get("/patents", headers=enterprise)).json()["total"] == 0


def test_the_patent_view_maps_or_ignores_every_event_of_its_topics() -> None:
    # The view is no consumer (it folds the engine's rows), so the platform contract does not see its table.
    assert check([PATENTS]) == {}
