"""The institution registry and the operator's sweep through HTTP: who may register, see and manage an
institution, and what the sweep flags."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from patentflow.contracts.access import Role
from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events import InstitutionRegistered, InventorAdded, SchoolAdded, StateFundedNonUseFlagged
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.inventory.deps import InventoryDeps
from patentflow.testing.calendar import Calendar
from patentflow.testing.inprocess import InProcess, auth, eventually
from patentflow.testing.samples import number

from .inprocess import (
    ADMIN_A,
    ADMIN_B,
    NATIONAL,
    RECORD,
    TODAY,
    A,
    B,
    inventory,
    on_calendar,
    patent_body,
)

C = "12430000555876543" + credit_code_check_char("12430000555876543")  # not registered by inventory()
UNKNOWN = "12110000666876543" + credit_code_check_char("12110000666876543")
NEW = {"credit_code": C, "name": "长沙示范学院", "kind": "university", "province": "43"}
BEIJING = auth(Role.PROVINCE_OFFICE, province="110000")
HUNAN = auth(Role.PROVINCE_OFFICE, province="430000")
MOE = auth(Role.MINISTRY, ministry="MoE")
INVENTOR = auth(Role.INVENTOR, institution=A, person="zhangsan")
E = TypeVar("E", bound=DomainEvent)
FUNDED: dict[str, Any] = {"state_funded": True, "state_funding": {"project_number": "2018YFA0001", "funder": "科技部"}}


async def published(service: InProcess, kind: type[E], count: int) -> list[E]:
    """The events of ``kind``, once exactly ``count`` are published."""

    def check() -> list[E] | None:
        found = service.published(kind)
        return found if len(found) == count else None

    return await eventually(check, what=f"{count} {kind.__name__}")


def detail(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 409, answer.text
    return dict(answer.json()["detail"])


async def record(service: InProcess, serial: int, institution: str = A, headers: Any = None, **extra: Any) -> str:
    body = patent_body(serial, institution, **extra)
    created = await service.http.post(
        "/patents", json=body, headers=headers or (ADMIN_A if institution == A else ADMIN_B)
    )
    assert created.status_code == 201, created.text
    return str(body["application_number"])


async def test_national_admins_and_the_province_office_register_institutions() -> None:
    async with inventory() as service:
        assert (await service.http.post("/institutions", json=NEW)).status_code == 401
        for caller in (BEIJING, ADMIN_B, auth(Role.INSTITUTION_ADMIN, institution=C), MOE):
            refused = await service.http.post("/institutions", json=NEW, headers=caller)
            assert refused.status_code == 403, refused.text
        created = await service.http.post("/institutions", json=NEW, headers=HUNAN)
        assert created.status_code == 201, created.text
        assert created.json()["version"] == 1
        assert created.json()["institution"]["province"] == "430000"
        assert (created.json()["schools"], created.json()["inventors"]) == ({}, {})
        twice = detail(await service.http.post("/institutions", json=NEW, headers=NATIONAL))
        assert twice["reason"] == "INSTITUTION_ALREADY_REGISTERED"
        assert twice["context"] == {"credit_code": C}
        bad = await service.http.post("/institutions", json={**NEW, "credit_code": C[:-1] + "0"}, headers=NATIONAL)
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "credit_code"]
        national = await service.http.post(
            "/institutions",
            json={**NEW, "credit_code": UNKNOWN, "province": "110000", "demonstration": True},
            headers=NATIONAL,
        )
        assert national.status_code == 201, national.text
        assert national.json()["institution"]["demonstration"] is True
        events = await published(service, InstitutionRegistered, 4)
        assert [e.credit_code for e in events] == [A, B, C, UNKNOWN]
        assert events[2].registered_by == "province_office:430000"
        # A demonstration institution (示范) is told apart from a pilot one (试点) on the event the read side reads.
        assert [(e.pilot, e.demonstration) for e in events[2:]] == [(False, False), (False, True)]


async def test_an_institution_is_seen_by_itself_its_province_and_its_ministry() -> None:
    async with inventory() as service:
        own = await service.http.get(f"/institutions/{A}", headers=ADMIN_A)
        assert own.status_code == 200, own.text
        assert own.json()["schools"] == {"cs": "计算机学院"}
        assert own.json()["inventors"] == {"zhangsan": {"name": "张三", "school_id": "cs"}}
        assert own.json()["version"] == 3
        missing = await service.http.get(f"/institutions/{UNKNOWN}", headers=ADMIN_A)
        hidden = await service.http.get(f"/institutions/{B}", headers=ADMIN_A)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()
        assert (await service.http.get(f"/institutions/{A}", headers=BEIJING)).json() == own.json()
        assert (await service.http.get(f"/institutions/{B}", headers=BEIJING)).status_code == 404
        assert (await service.http.get(f"/institutions/{B}", headers=HUNAN)).status_code == 200
        assert (await service.http.get(f"/institutions/{A}", headers=MOE)).status_code == 200
        assert (await service.http.get(f"/institutions/{B}", headers=MOE)).status_code == 404
        assert (await service.http.get(f"/institutions/{A}", headers=INVENTOR)).status_code == 404
        assert (await service.http.get(f"/institutions/{A}")).status_code == 401
        malformed = await service.http.get("/institutions/12345", headers=NATIONAL)
        assert malformed.status_code == 422
        assert malformed.json()["detail"][0]["loc"] == ["path", "code"]


async def test_its_administrator_adds_schools_and_inventors_once() -> None:
    async with inventory() as service:
        school = await service.http.post(
            f"/institutions/{A}/schools", json={"school_id": "law", "name": "法学院"}, headers=ADMIN_A
        )
        assert school.status_code == 201, school.text
        assert school.json()["schools"] == {"cs": "计算机学院", "law": "法学院"}
        again = detail(
            await service.http.post(
                f"/institutions/{A}/schools", json={"school_id": "cs", "name": "x"}, headers=ADMIN_A
            )
        )
        assert again["reason"] == "SCHOOL_ALREADY_EXISTS"
        assert again["context"] == {"school_id": "cs"}
        lisi = {"inventor_id": "lisi", "name": "李四", "school_id": "law"}
        added = await service.http.post(f"/institutions/{A}/inventors", json=lisi, headers=ADMIN_A)
        assert added.status_code == 201, added.text
        assert added.json()["inventors"]["lisi"] == {"name": "李四", "school_id": "law"}
        twice = detail(await service.http.post(f"/institutions/{A}/inventors", json=lisi, headers=ADMIN_A))
        assert twice["reason"] == "INVENTOR_ALREADY_EXISTS"
        nowhere = {"inventor_id": "wangwu", "name": "王五", "school_id": "physics"}
        unknown = detail(await service.http.post(f"/institutions/{A}/inventors", json=nowhere, headers=ADMIN_A))
        assert unknown["reason"] == "UNKNOWN_SCHOOL"
        assert unknown["context"] == {"school_id": "physics"}
        bad = await service.http.post(
            f"/institutions/{A}/schools", json={"school_id": "a b", "name": "x"}, headers=ADMIN_A
        )
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "school_id"]
        other = {"school_id": "bio", "name": "生物学院"}
        hidden = await service.http.post(f"/institutions/{A}/schools", json=other, headers=ADMIN_B)
        missing = await service.http.post(f"/institutions/{UNKNOWN}/schools", json=other, headers=ADMIN_B)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()
        assert (await service.http.post(f"/institutions/{A}/schools", json=other, headers=BEIJING)).status_code == 403
        assert (
            await service.http.post(
                f"/institutions/{A}/inventors", json={**lisi, "inventor_id": "zhaoliu"}, headers=MOE
            )
        ).status_code == 403
        assert (await service.http.post(f"/institutions/{A}/schools", json=other)).status_code == 401
        shown = await service.http.get(f"/institutions/{A}", headers=ADMIN_A)
        assert set(shown.json()["schools"]) == {"cs", "law"}
        assert set(shown.json()["inventors"]) == {"zhangsan", "lisi"}
        assert shown.json()["version"] == 5
        assert [e.school_id for e in await published(service, SchoolAdded, 2)] == ["cs", "law"]
        inventors = await published(service, InventorAdded, 3)
        assert [(e.credit_code, e.inventor_id, e.school_id) for e in inventors] == [
            (A, "zhangsan", "cs"),
            (B, "zhangsan", None),  # the inventory() fixture's: the same id at another institution
            (A, "lisi", "law"),
        ]


async def test_the_sweep_flags_a_state_funded_patent_unused_five_years_after_grant() -> None:
    calendar = Calendar(date(2024, 6, 1))
    async with on_calendar(calendar) as service:
        old = {"filing_date": "2019-03-01", "grant_date": "2020-01-01", **FUNDED}
        unused = await record(service, 220, application_number=number(2019, 220), school_id=None, **old)
        used = await record(service, 221, application_number=number(2019, 221), school_id=None, **old)
        implemented = {**RECORD, "implementation_status": "self_implemented"}
        assert (await service.http.put(f"/patents/{used}/inventory", json=implemented, headers=ADMIN_A)).is_success
        due = service.deps(InventoryDeps).due  # both filed under their deadline by the index consumer
        await eventually(lambda: due.due(date(2025, 1, 1), date(2025, 1, 1)), what="the deadlines filed")
        assert (await service.http.post("/operations/sweep")).status_code == 401
        assert (await service.http.post("/operations/sweep", headers=ADMIN_A)).status_code == 403
        assert (await service.http.post("/operations/sweep", headers=BEIJING)).status_code == 403
        early = await service.http.post("/operations/sweep", headers=auth(Role.OPERATOR))
        # within five years of grant; the first pass reads the lookback before its day
        assert early.json() == {"today": "2024-06-01", "first_due_day": "2024-05-25", "looked_at": 0, "changed": 0}
        calendar.days.append(TODAY)
        swept = await service.http.post("/operations/sweep", headers=NATIONAL)
        assert swept.status_code == 200
        # every day since the lookback before the last pass: both deadlines, one flag (the other is implemented)
        assert swept.json() == {"today": "2026-11-21", "first_due_day": "2024-05-25", "looked_at": 2, "changed": 1}
        [flag] = await eventually(lambda: service.published(StateFundedNonUseFlagged), what="the flag")
        assert (flag.application_number, flag.grant_date, flag.deadline, flag.flagged_on) == (
            unused,
            date(2020, 1, 1),
            date(2025, 1, 1),
            TODAY,
        )
        for patent, flagged in ((unused, True), (used, False)):
            shown = await service.http.get(f"/patents/{patent}", headers=ADMIN_A)
            assert shown.status_code == 200, shown.text
            assert shown.json()["non_use_flagged"] is flagged, patent
        again = await service.http.post("/operations/sweep", headers=auth(Role.OPERATOR))
        assert (again.json()["looked_at"], again.json()["changed"]) == (0, 0)
        assert len(service.published(StateFundedNonUseFlagged)) == 1
