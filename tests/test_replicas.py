"""Each service's replica of inventory's patents, in process: its own fields, legal status and pool state included."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

import pytest

from patentflow.contracts.events import EnteredConversionPool, LegalStatusChanged, PatentRecorded, WithdrawnFromPool
from patentflow.contracts.events.common import Owner
from patentflow.contracts.events.inventory_enums import LegalStatus
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.kit.readmodel import SequencedView
from patentflow.testing.inprocess import MemoryRuntime, eventually, running, settings_for
from patentflow.testing.samples import number

SERVICES = ["evaluation", "matching", "transactions", "pledge"]
CODE = "12100000400000624" + credit_code_check_char("12100000400000624")


def _app(service: str) -> Any:
    app_module = importlib.import_module(f"patentflow.{service}.app")
    settings = settings_for(importlib.import_module(f"patentflow.{service}.config").Settings)
    return app_module.create_app(settings, runtime=MemoryRuntime(settings))


@pytest.mark.parametrize("service", SERVICES)
async def test_the_replica_keeps_the_legal_status_inventory_told_and_follows_its_changes(service: str) -> None:
    app = _app(service)
    old = PatentRecorded(
        application_number=number(2004, 7, kind=2),
        patent_type="utility_model",
        title="一种装置",
        ipc_main="F16H 1/00",
        filing_date=date(2004, 1, 5),
        grant_date=date(2005, 2, 1),
        owner=Owner(credit_code=CODE, name="示范理工大学", province="110000"),
        state_funded=False,
        source="manual",
        recorded_by="admin",
        legal_status="expired",
        expiry_date=date(2014, 1, 4),
    )
    fresh = PatentRecorded(
        **{
            **old.model_dump(),
            "application_number": number(2021, 7),
            "patent_type": "invention",
            "filing_date": date(2021, 1, 5),
            "grant_date": None,
            "legal_status": "valid",
            "expiry_date": date(2041, 1, 4),
        }
    )
    async with running(app) as running_service:
        replica = app.state.deps.patents
        assert isinstance(replica, SequencedView)
        await running_service.publish(old, sequence=1)
        await running_service.publish(fresh, sequence=1)
        n = fresh.application_number
        await running_service.publish(EnteredConversionPool(application_number=n, approved_by="a"), sequence=2)
        await running_service.publish(
            LegalStatusChanged(
                application_number=n,
                status=LegalStatus.TERMINATED,
                previous=LegalStatus.VALID,
                effective_date=date(2026, 1, 1),
                changed_by="x",
            ),
            sequence=3,
        )
        await running_service.publish(
            WithdrawnFromPool(application_number=n, reason="terminated", withdrawn_by="system"), sequence=4
        )

        async def applied(aggregate: str, sequence: int) -> dict[str, Any] | None:
            doc = await replica.get(aggregate)
            return doc if doc and doc["seq"]["inventory"] == sequence else None

        old_doc = await eventually(lambda: applied(old.application_number, 1), what="the old patent")
        fresh_doc = await eventually(lambda: applied(n, 4), what="four events of the new one")
    assert old_doc["legal_status"] == "expired"
    assert fresh_doc["legal_status"] == "terminated"
    if service != "pledge":  # pledge needs no pool state: a pledged patent need not be in the pool
        assert fresh_doc["in_pool"] is False
    if service in ("transactions", "pledge"):
        assert fresh_doc["owner"] == CODE
        assert old_doc["expiry_date"] == "2014-01-04"
    if service == "matching":
        assert fresh_doc["title"] == "一种装置"
