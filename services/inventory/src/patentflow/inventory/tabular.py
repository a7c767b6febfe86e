"""The standard batch format: CSV (UTF-8 or GBK) or Excel, Chinese column names, read row by row from disk."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from patentflow.contracts.standard_format import COLUMNS, HEADER_OF, REQUIRED

__all__ = ["COLUMNS", "HEADER_OF", "REQUIRED", "FormatError", "rows"]


class FormatError(ValueError):
    """The file as a whole cannot be read (not CSV or Excel, no header, a required column missing)."""


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the start decodes as such, else GB18030 (a superset of GBK)."""
    head = path.open("rb").read(1 << 16)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "gb18030"
    return "utf-8-sig"


def _header(names: list[Any]) -> list[str | None]:
    fields = [COLUMNS.get(str(n).strip()) if n is not None else None for n in names]
    missing = [HEADER_OF[f] for f in REQUIRED if f not in fields]
    if missing:
        raise FormatError(f"required columns missing: {', '.join(missing)}")
    return fields


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows(path: Path, filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {field: text}) for every non-empty row; never the whole file in memory."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        yield from _excel_rows(path)
    elif filename.lower().endswith((".csv", ".txt")):
        yield from _csv_rows(path)
    else:
        raise FormatError("the standard format is a .csv (UTF-8 or GBK) or .xlsx file")


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open("r", encoding=_encoding(path), newline="", errors="strict") as handle:
        reader = csv.reader(handle)
        try:
            header = _header(next(reader))
        except StopIteration:
            raise FormatError("the file is empty") from None
        for number, values in enumerate(reader, start=2):
            row = {f: v.strip() for f, v in zip(header, values, strict=False) if f is not None}
            if any(row.values()):
                yield number, row


def _excel_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise FormatError(f"not a readable .xlsx file: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        try:
            header = _header(list(next(values)))
        except StopIteration:
            raise FormatError("the sheet is empty") from None
        for number, cells in enumerate(values, start=2):
            row = {f: _text(v) for f, v in zip(header, cells, strict=False) if f is not None}
            if any(row.values()):
                yield number, row
    finally:
        book.close()


def write_csv_header() -> str:
    """The header line of an export, in the same format an import reads."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([HEADER_OF[f] for f in EXPORT_FIELDS])
    return buffer.getvalue()


EXPORT_FIELDS = (
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
    "product",
    "advantages",
    "intended_price",
    "contact_name",
    "contact_phone",
)
