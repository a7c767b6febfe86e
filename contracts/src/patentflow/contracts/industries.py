"""The IPC subclass -> industry reference table (SEI 2021 and GB/T 4754-2017), loaded from a file, not coded."""

from __future__ import annotations

import csv
from pathlib import Path

INDUSTRY_TABLE = Path(__file__).parent / "reference" / "ipc_industries.csv"
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
