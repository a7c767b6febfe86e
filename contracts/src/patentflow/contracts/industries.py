"""Industry reference data, loaded from files, not coded: the IPC subclass -> industry table (SEI 2021 and
GB/T 4754-2017) and the sections and divisions of GB/T 4754-2017, which every GB/T 4754 code is checked against."""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

INDUSTRY_TABLE = Path(__file__).parent / "reference" / "ipc_industries.csv"
SECTIONS_TABLE = Path(__file__).parent / "reference" / "gbt4754_sections.csv"
_CODE = re.compile(r"^([A-T])?(\d{2})(\d{1,2})?$")
COLUMNS = frozenset({"ipc_class", "sei_code", "sei_name", "gbt4754", "gbt4754_name"})


def load_industries(path: Path = INDUSTRY_TABLE) -> list[dict[str, str]]:
    """Rows of the IPC subclass -> SEI / GB/T 4754 table (comment lines start with '#')."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    if not rows or COLUMNS - set(rows[0]):
        raise ValueError(f"{path}: needs the columns {sorted(COLUMNS)}")
    return rows


def sei_of(rows: list[dict[str, str]]) -> dict[str, str]:
    """IPC subclass -> SEI code, for the rows that name one."""
    return {r["ipc_class"]: r["sei_code"] for r in rows if r["sei_code"]}


@functools.cache
def gbt4754_sections(path: Path = SECTIONS_TABLE) -> dict[str, str]:
    """Division (two digits) -> its section letter, from the sections table."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    out: dict[str, str] = {}
    for row in csv.DictReader(lines):
        for division in range(int(row["first_division"]), int(row["last_division"]) + 1):
            out[f"{division:02d}"] = row["section"]
    return out


def gbt4754_problem(code: str) -> str | None:
    """Why a GB/T 4754 code is not one (None: it is): two to four digits, optionally after its section letter,
    whose division exists and, with a letter, lies in that section."""
    match = _CODE.match(code)
    if match is None:
        return "a GB/T 4754 code is 2-4 digits, optionally after its section letter (6511, I6511)"
    letter, division, _ = match.groups()
    section = gbt4754_sections().get(division)
    if section is None:
        return f"GB/T 4754-2017 has no division {division}"
    if letter is not None and letter != section:
        return f"division {division} is in section {section}, not {letter}"
    return None


def _checked(code: str) -> str:
    problem = gbt4754_problem(code)
    if problem is not None:
        raise ValueError(problem)
    return code.lstrip("ABCDEFGHIJKLMNOPQRST")


IndustryCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5), AfterValidator(_checked)]
"""A GB/T 4754-2017 code checked against the sections table, kept as its digits (I6511 -> 6511): a request field's
type."""
