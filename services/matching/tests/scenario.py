"""Pool patents, enterprises and demands, as the matching service sees them arrive."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from patentflow.contracts.access import Role
from patentflow.contracts.events import EnteredConversionPool, InventoryRecordFilled, PatentRecorded
from patentflow.contracts.events.common import Owner
from patentflow.contracts.events.evaluation import EnterpriseProfile, EnterpriseRegistered
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.testing.inprocess import InProcess, auth, eventually
from patentflow.testing.samples import number


def code(body17: str) -> str:
    return body17 + credit_code_check_char(body17)


INSTITUTION = code("12430000444876543")  # Hunan
FIRM = code("91430100MA4L00001")
OTHER_FIRM = code("91110108MA0100003")  # Beijing
NATIONAL = auth(Role.NATIONAL_ADMIN)
HUNAN_OFFICE = auth(Role.PROVINCE_OFFICE, province="430000")
INSTITUTION_ADMIN = auth(Role.INSTITUTION_ADMIN, institution=INSTITUTION)
WHEN = datetime(2026, 11, 1, tzinfo=UTC)

# Pool patents of three fields: (serial, title, abstract, IPC, TRL)
PATENTS = (
    (601, "一种高镍三元正极材料及其制备方法", "本发明公开了一种高镍三元正极材料，包括包覆层与掺杂元素，提高能量密度，改善循环稳定性，"
          "可应用于动力电池领域。", "H01M 4/525", 6),
    (602, "一种富锂锰基正极材料的制备工艺", "本发明公开了一种富锂锰基正极材料，采用共沉淀反应制备前驱体，抑制容量衰减，延长续航里程。",
     "H01M 4/36", 4),
    (603, "一种电池热管理装置", "本发明公开了一种电池热管理装置，包括液冷板和温度传感器，防止热失控，提高安全性。",
     "H01M 10/42", 7),
    (604, "一种图像目标检测方法", "本发明公开了一种图像目标检测方法，采用卷积神经网络与特征金字塔，提高检测精度，满足实时性要求。",
     "G06V 10/82", 5),
    (605, "一种农村分散式污水处理装置", "本发明公开了一种农村分散式污水处理装置，包括曝气系统与污泥回流，提高出水水质，降低运行能耗。",
     "C02F 3/30", 6),
)  # fmt: skip


def firm(credit_code: str) -> dict[str, str]:
    return auth(Role.ENTERPRISE, enterprise=credit_code)


def recorded(serial: int, title: str, abstract: str, ipc: str) -> PatentRecorded:
    return PatentRecorded.model_validate(
        {
            "application_number": number(2019, serial),
            "patent_type": "invention",
            "title": title,
            "abstract": abstract,
            "ipc_main": ipc,
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


async def pool(service: InProcess, serial: int, title: str, abstract: str, ipc: str, trl: int) -> str:
    """A patent recorded, filled and entering the pool (sequences 1-3)."""
    n = number(2019, serial)
    await service.publish(recorded(serial, title, abstract, ipc), sequence=1, time=WHEN)
    filled = InventoryRecordFilled(
        application_number=n,
        conversion_intents=("licence_ordinary",),  # type: ignore[arg-type]
        implementation_status="not_implemented",  # type: ignore[arg-type]
        trl=trl,
        self_grade=3,
        filled_by="inv-1",
    )
    await service.publish(filled, sequence=2, time=WHEN)
    await service.publish(EnteredConversionPool(application_number=n, approved_by="admin"), sequence=3, time=WHEN)
    return n


async def pool_arrives(service: InProcess, patents: tuple[tuple[int, str, str, str, int], ...] = PATENTS) -> None:
    """The pool patents arrive; wait until the engine holds them."""
    from patentflow.matching.deps import MatchingDeps

    for patent in patents:
        await pool(service, *patent)
    engine = service.deps(MatchingDeps).engine
    await eventually(lambda: all(engine.has_patent(number(2019, p[0])) for p in patents), what="the pool indexed")


async def enterprise_registers(service: InProcess, credit_code: str = FIRM, province: str = "430000") -> None:
    """The registry's event of an enterprise; wait until the replica has it."""
    from patentflow.matching.deps import MatchingDeps

    profile = EnterpriseProfile(name="长沙示范新能源有限公司", province=province, industry_codes=("38",),
                                products=("动力电池",), ipc_fields=("H01M",))  # fmt: skip
    await service.publish(EnterpriseRegistered(credit_code=credit_code, profile=profile, registered_by="x"), sequence=1)
    replica = service.deps(MatchingDeps).enterprises
    await eventually(lambda: replica.get(credit_code), what="the enterprise in the replica")


def demand_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "enterprise": FIRM,
        "title": "寻求高镍三元正极材料技术",
        "description": "我公司从事动力电池业务，需要正极材料相关技术，希望提高能量密度，改善循环稳定性。",
        "ipc_fields": ["H01M 4"],
        "industry_codes": ["3841"],
        "products": ["动力电池"],
        "trl_min": 5,
        "deadline": "2026-12-31",
    }
    return {**body, **overrides}
