"""Files in the standard format for tests and benchmarks: valid rows, and bad rows of known kinds at known places."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from patentflow.contracts.identifiers import application_check_digit
from patentflow.contracts.standard_format import HEADER_OF

FIELDS = (
    "application_number",
    "title",
    "patent_type",
    "ipc_main",
    "ipc_secondary",
    "filing_date",
    "grant_date",
    "inventors",
    "school_id",
    "state_funded",
    "project_number",
    "funder",
    "conversion_intents",
    "implementation_status",
    "trl",
    "self_grade",
    "application_scenario",
    "intended_price",
    "contact_name",
)
BAD_KINDS = ("check_digit", "ipc", "grant_before_filing", "unknown_school", "repeated_number", "trl")


@dataclass
class Sample:
    """What a generated file holds."""

    path: Path
    good: list[str] = field(default_factory=list)  # application numbers
    bad_rows: dict[int, str] = field(default_factory=dict)  # spreadsheet row → kind of problem


_SERIALS = random.Random()  # not the rows' seed: a fresh start per process
_next_serial = _SERIALS.randrange(1, 5_000_000)


def fresh_serials(count: int) -> int:
    """The first of ``count`` serials that no other caller in this process was given.

    Tests that share one broker read its topics by application number, so two samples must never
    hold the same number; independent random starts did collide now and then.
    """
    global _next_serial
    first, _next_serial = _next_serial, _next_serial + count
    if _next_serial >= 10**7:
        raise ValueError("no seven-digit serials left in this process")
    return first


def number(year: int, serial: int, kind: int = 1) -> str:
    """A valid application number."""
    body = f"{year}{kind}{serial:07d}"
    return f"{body}.{application_check_digit(body)}"


def write_csv(
    path: Path,
    rows: int,
    *,
    bad_share: float = 0.0,
    seed: int = 7,
    first_serial: int = 1,
    encoding: str = "utf-8",
    school: str | None = None,
) -> Sample:
    """A CSV with ``rows`` data rows, about ``bad_share`` of them bad (spread evenly, kinds in turn)."""
    rng = random.Random(seed)
    sample = Sample(path)
    step = int(1 / bad_share) if bad_share else 0
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([HEADER_OF[f] for f in FIELDS])
        for i in range(rows):
            row_number = i + 2
            patent = number(2019, first_serial + i)
            values = {
                "application_number": patent,
                "title": f"一种基于样本{i}的检测方法",
                "patent_type": "发明",
                "ipc_main": rng.choice(["G06F 16/35", "H01M 4/525", "A61K 31/00", "C22C 38/00"]),
                "ipc_secondary": "G06N 3/08；G06T 7/00",
                "filing_date": "2019-03-15",
                "grant_date": "2021-06-01",
                "inventors": "张三；李四",
                "school_id": school or "",
                "state_funded": "否",
                "project_number": "",
                "funder": "",
                "conversion_intents": "转让；普通许可",
                "implementation_status": "未实施",
                "trl": str(rng.randint(3, 8)),
                "self_grade": str(rng.randint(1, 5)),
                "application_scenario": "工业检测",
                "intended_price": "50万",
                "contact_name": "王老师",
            }
            if step and i % step == step // 2:
                kind = BAD_KINDS[(i // step) % len(BAD_KINDS)]
                sample.bad_rows[row_number] = kind
                if kind == "check_digit":
                    values["application_number"] = patent[:-1] + ("0" if patent[-1] != "0" else "1")
                elif kind == "ipc":
                    values["ipc_main"] = "G06F-16"
                elif kind == "grant_before_filing":
                    values["grant_date"] = "2018-01-01"
                elif kind == "unknown_school":
                    values["school_id"] = "no-such-school"
                elif kind == "repeated_number":
                    values["application_number"] = sample.good[0]
                elif kind == "trl":
                    values["trl"] = "12"
            else:
                sample.good.append(patent)
            writer.writerow([values[f] for f in FIELDS])
    return sample
