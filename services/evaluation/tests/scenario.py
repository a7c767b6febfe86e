"""A pool patent, its institution, enterprises and experts, as the evaluation service sees them arrive."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from patentflow.contracts.access import Role
from patentflow.contracts.events import EnteredConversionPool, InventoryRecordFilled, PatentRecorded
from patentflow.contracts.events.common import Owner
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.testing.inprocess import InProcess, auth, eventually
from patentflow.testing.samples import number


def code(body17: str) -> str:
    return body17 + credit_code_check_char(body17)


INSTITUTION = code("12430000444876543")  # Hunan
OTHER_INSTITUTION = code("12100000400000624")
HUNAN_FIRM = code("91430100MA4L00001")
HUNAN_FIRM_2 = code("91430100MA4L00002")
BEIJING_FIRM = code("91110108MA0100003")
POOLED = number(2019, 501)
NOT_POOLED = number(2019, 502)
HUNAN_OFFICE = auth(Role.PROVINCE_OFFICE, province="430000")
BEIJING_OFFICE = auth(Role.PROVINCE_OFFICE, province="110000")
INSTITUTION_ADMIN = auth(Role.INSTITUTION_ADMIN, institution=INSTITUTION)
OTHER_ADMIN = auth(Role.INSTITUTION_ADMIN, institution=OTHER_INSTITUTION)
NATIONAL = auth(Role.NATIONAL_ADMIN)


def firm(credit_code: str) -> dict[str, str]:
    return auth(Role.ENTERPRISE, enterprise=credit_code)


def expert(person: str) -> dict[str, str]:
    return auth(Role.EXPERT, person=person)


def recorded(serial_number: str) -> PatentRecorded:
    return PatentRecorded.model_validate(
        {
            "application_number": serial_number,
            "patent_type": "invention",
            "title": "一种锂离子电池正极材料",
            "ipc_main": "H01M 4/525",
            "filing_date": date(2019, 3, 1),
            "grant_date": date(2021, 6, 1),
            "owner": Owner(credit_code=INSTITUTION, name="湖南示范大学", province="430000"),
            "state_funded": False,
            "source": "manual",
            "recorded_by": "admin",
            "legal_status": "valid",
            "expiry_date": date(2039, 2, 28),
        }
    )


async def patents_arrive(service: InProcess) -> None:
    """The inventory's events of one pool patent and one recorded only; wait until the replica has them."""
    when = datetime(2026, 11, 1, tzinfo=UTC)
    for serial_number in (POOLED, NOT_POOLED):
        await service.publish(recorded(serial_number), sequence=1, time=when)
    filled = InventoryRecordFilled(
        application_number=POOLED,
        conversion_intents=("licence_ordinary",),  # type: ignore[arg-type]
        implementation_status="not_implemented",  # type: ignore[arg-type]
        trl=5,
        self_grade=4,
        filled_by="inv-1",
    )
    await service.publish(filled, sequence=2, time=when)
    await service.publish(EnteredConversionPool(application_number=POOLED, approved_by="admin"), sequence=3, time=when)

    async def pooled() -> Any:
        answer = await service.http.get(f"/patents/{POOLED}/evaluation", headers=NATIONAL)
        return answer.status_code == 200 and answer.json()["grade"] is not None

    await eventually(pooled, what="the pool patent valued and graded")


def enterprise_body(credit_code: str, province: str, name: str = "长沙示范科技有限公司") -> dict[str, Any]:
    return {
        "credit_code": credit_code,
        "name": name,
        "province": province,
        "flags": ["specialised_new_sme", "high_tech"],
        "industry_codes": ["38"],
        "products": ["动力电池"],
        "ipc_fields": ["H01M"],
    }


def expert_body(expert_id: str, conflicts: list[str] | None = None) -> dict[str, Any]:
    return {
        "expert_id": expert_id,
        "name": "王专家",
        "affiliation": "中南材料研究院",
        "province": "430000",
        "ipc_fields": ["H01M"],
        "conflicts": conflicts or [],
    }
