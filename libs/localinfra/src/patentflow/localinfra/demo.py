"""Demo data for ``make run``: institutions and stock patents with valid identifiers."""

from __future__ import annotations

from typing import Any

from patentflow.contracts.identifiers import application_check_digit, credit_code_check_char


def credit_code(body17: str) -> str:
    """A credit code with its check character."""
    return body17 + credit_code_check_char(body17)


def application_number(year: int, kind: int, serial: int) -> str:
    """An application number with its check digit."""
    body = f"{year}{kind}{serial:07d}"
    return f"{body}.{application_check_digit(body)}"


INSTITUTIONS: list[dict[str, Any]] = [
    {
        "credit_code": credit_code("12100000400000624"),
        "name": "示范理工大学",
        "province": "110000",
        "kind": "university",
        "ministry": "MoE",
        "pilot": False,
        "demonstration": True,
    },
    {
        "credit_code": credit_code("12430000444876543"),
        "name": "湖南示范大学",
        "province": "430000",
        "kind": "university",
        "ministry": None,
        "pilot": False,
    },
    {
        "credit_code": credit_code("12150000460012345"),
        "name": "内蒙古示范研究院",
        "province": "150000",
        "kind": "research_institute",
        "ministry": None,
        "pilot": False,
    },
]

_TOPICS = [
    ("一种基于深度学习的专利文本分类方法", "G06F 16/35", 1),
    ("一种稀土永磁材料的制备方法", "C22C 38/00", 1),
    ("一种农作物病虫害监测装置", "A01M 1/02", 2),
    ("一种锂电池正极材料及其制备方法", "H01M 4/525", 1),
    ("一种风力发电机叶片检测系统", "F03D 17/00", 2),
    ("一种医用可降解支架", "A61F 2/82", 1),
]


def patents() -> list[dict[str, Any]]:
    """Two patents per institution per topic row, deterministic so a second run changes nothing."""
    out = []
    serial = 100
    for institution in INSTITUTIONS:
        for title, ipc, kind in _TOPICS:
            serial += 1
            out.append(
                {
                    "application_number": application_number(2021, kind, serial),
                    "title": title,
                    "abstract": f"{title}。（演示数据）",
                    "ipc_main": ipc,
                    "filing_date": "2021-03-15",
                    "grant_date": "2022-06-10" if kind == 1 else "2021-11-02",
                    "owner_credit_code": institution["credit_code"],
                    "inventors": ["张三", "李四"],
                    "state_funded": serial % 2 == 0,
                    **(
                        {"state_funding": {"project_number": f"2020YFB{serial:04d}", "funder": "科技部"}}
                        if serial % 2 == 0
                        else {}
                    ),
                    "source": "national_push",
                }
            )
    return out
