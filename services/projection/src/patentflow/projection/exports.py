"""A view's rows as a file: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese) or .xlsx."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from fastapi.responses import Response

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def to_csv(rows: Sequence[dict[str, Any]]) -> bytes:
    """CSV with a header row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_columns(rows), extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: _inert(v) for k, v in row.items()} for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _inert(value: Any) -> Any:
    # A spreadsheet program runs a cell that starts with one of these as a formula (CSV injection).
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_xlsx(rows: Sequence[dict[str, Any]], sheet: str) -> bytes:
    """One worksheet with a bold header row."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    page = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True})
    columns = _columns(rows)
    for c, name in enumerate(columns):
        page.write_string(0, c, name, bold)
    for r, row in enumerate(rows, start=1):
        for c, name in enumerate(columns):
            value = row.get(name)
            if value is None:
                continue
            if isinstance(value, bool):
                page.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                page.write_number(r, c, value)
            else:
                page.write_string(r, c, str(value))  # never a formula: a cell starting with "=" stays text
    book.close()
    return out.getvalue()


def file_response(rows: Sequence[dict[str, Any]], kind: str, name: str) -> Response:
    """The rows as a download."""
    if kind == "csv":
        body, media, suffix = to_csv(rows), CSV_TYPE, "csv"
    else:
        body, media, suffix = to_xlsx(rows, name), XLSX_TYPE, "xlsx"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{suffix}"'})
