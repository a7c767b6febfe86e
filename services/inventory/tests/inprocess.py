"""The inventory in process: a memory store, FastStream's in-memory broker, a fixed day, and its registered bodies."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from patentflow.contracts.access import Role
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.inventory.app import create_app
from patentflow.inventory.config import Settings
from patentflow.kit.clock import Clock
from patentflow.testing.calendar import Calendar
from patentflow.testing.inprocess import InProcess, MemoryRuntime, auth, running, settings_for
from patentflow.testing.samples import number

TODAY = date(2026, 11, 21)
A = "12100000400000624" + credit_code_check_char("12100000400000624")  # Beijing, pilot, school "cs"
B = "12430000444876543" + credit_code_check_char("12430000444876543")  # Hunan
INSTITUTIONS = {
    A: {
        "credit_code": A,
        "name": "示范理工大学",
        "kind": "university",
        "province": "110000",
        "ministry": "MoE",
        "pilot": True,
    },
    B: {"credit_code": B, "name": "湖南示范大学", "kind": "university", "province": "430000"},
}
ADMIN_A = auth(Role.INSTITUTION_ADMIN, institution=A)
ADMIN_B = auth(Role.INSTITUTION_ADMIN, institution=B)
NATIONAL = auth(Role.NATIONAL_ADMIN)


def patent_body(serial: int, institution: str = A, **extra: Any) -> dict[str, Any]:
    """A valid master record, numbered by ``serial``."""
    return {
        "application_number": number(2020, serial),
        "title": "一种专利文本分类方法",
        "ipc_main": "G06F 16/35",
        "filing_date": "2020-05-06",
        "grant_date": "2021-09-10",
        "owner_credit_code": institution,
        "inventor_ids": ["zhangsan"],
        "school_id": "cs" if institution == A else None,
        **extra,
    }


RECORD = {"conversion_intents": ["transfer"], "implementation_status": "not_implemented", "trl": 6, "self_grade": 4}


@contextlib.asynccontextmanager
async def inventory(today: date = TODAY) -> AsyncIterator[InProcess]:
    """The inventory running in process with institutions A (school cs, inventor zhangsan) and B registered."""
    settings = settings_for(Settings, sweep_interval_seconds=3600)
    app = create_app(settings, runtime=MemoryRuntime(settings, clock=Clock(today)))
    async with running(app) as service:
        for body in INSTITUTIONS.values():
            assert (await service.http.post("/institutions", json=body, headers=NATIONAL)).status_code == 201
        headers = ADMIN_A
        assert (
            await service.http.post(
                f"/institutions/{A}/schools", json={"school_id": "cs", "name": "计算机学院"}, headers=headers
            )
        ).status_code == 201
        inventor = {"inventor_id": "zhangsan", "name": "张三", "school_id": "cs"}
        assert (
            await service.http.post(f"/institutions/{A}/inventors", json=inventor, headers=headers)
        ).status_code == 201
        # B has a zhangsan of its own: the same person id, another person
        theirs = {"inventor_id": "zhangsan", "name": "张三（湖南）"}
        assert (
            await service.http.post(f"/institutions/{B}/inventors", json=theirs, headers=ADMIN_B)
        ).status_code == 201
        yield service


@contextlib.asynccontextmanager
async def on_calendar(calendar: Calendar) -> AsyncIterator[InProcess]:
    """The inventory with institution A (inventor zhangsan, no school) registered, on a day the test moves."""
    settings = settings_for(Settings, sweep_interval_seconds=3600)
    async with running(create_app(settings, runtime=MemoryRuntime(settings, clock=calendar))) as service:
        assert (await service.http.post("/institutions", json=INSTITUTIONS[A], headers=NATIONAL)).status_code == 201
        inventor = {"inventor_id": "zhangsan", "name": "张三"}
        assert (await service.http.post(f"/institutions/{A}/inventors", json=inventor, headers=ADMIN_A)).is_success
        yield service
