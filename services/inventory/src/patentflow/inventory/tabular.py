"""The standard batch format: CSV (UTF-8 or GBK) or Excel, Chinese column names, read row by row from disk."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

# Column name (as institutions' templates write them, with aliases) → field of the row.
COLUMNS: dict[str, str] = {
    "申请号": "application_number", "专利号": "application_number",
    "专利名称": "title", "名称": "title",
    "专利类型": "patent_type",
    "摘要": "abstract",
    "主分类号": "ipc_main", "IPC主分类号": "ipc_main",
    "IPC分类号": "ipc_secondary", "副分类号": "ipc_secondary",
    "申请日": "filing_date",
    "授权日": "grant_date", "授权公告日": "grant_date",
    "发明人": "inventors",
    "发明人账号": "inventor_ids",
    "部门": "school_id", "院系": "school_id",
    "是否财政资助": "state_funded", "是否属于财政资助科研项目形成专利": "state_funded",
    "项目编号": "project_number", "资助机构": "funder", "资助计划": "programme",
    "转化意愿": "conversion_intents",
    "实施状态": "implementation_status", "专利实施状态": "implementation_status",
    "技术成熟度": "trl",
    "专利价值分级自评": "self_grade", "自评星级": "self_grade",
    "应用场景": "application_scenario", "产业化前景描述": "application_scenario",
    "行业代码": "industry_codes", "国民经济行业分类": "industry_codes",
    "对应产品": "product", "本专利对应产品": "product",
    "技术优势": "advantages",
    "意向价格": "intended_price",
    "联系人": "contact_name", "联系方式": "contact_phone",
}  # fmt: skip
REQUIRED = ("application_number", "title", "ipc_main", "filing_date")
HEADER_OF: dict[str, str] = {}
for _name, _field in COLUMNS.items():
    HEADER_OF.setdefault(_field, _name)  # the first name of each field is the one exports write


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


EXPORT_FIELDS = ("application_number", "title", "patent_type", "ipc_main", "ipc_secondary", "filing_date", "grant_date",
                 "inventors", "school_id", "state_funded", "project_number", "funder", "conversion_intents",
                 "implementation_status", "trl", "self_grade", "application_scenario", "product", "advantages",
                 "intended_price", "contact_name", "contact_phone")  # fmt: skip
