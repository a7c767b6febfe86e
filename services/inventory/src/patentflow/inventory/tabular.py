"""The standard batch format: CSV (UTF-8 or GBK) or Excel, Chinese column names, read row by row from disk."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from patentflow.contracts.standard_format import COLUMNS, HEADER_OF, IGNORED_COLUMNS, REQUIRED

__all__ = ["COLUMNS", "HEADER_OF", "REQUIRED", "FormatError", "Limits", "Row", "check_structure", "rows"]


class FormatError(ValueError):
    """The file as a whole cannot be read (not CSV or Excel, no header, a required, unknown or repeated column, past a
    limit); uploading it again cannot help, so the import fails with this reason."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one file may hold; past any of these the file is refused (configurable per service)."""

    max_rows: int = 200_000
    max_columns: int = 100
    max_cell_chars: int = 20_000
    max_unpacked_bytes: int = 500 << 20  # an .xlsx is a zip: what it unpacks to, not what was uploaded
    max_empty_rows: int = 1_000  # a sheet's empty tail is read no further


class Row(NamedTuple):
    """One non-empty row: its number as a spreadsheet shows it, its text by field, and what is wrong with its shape."""

    number: int
    values: dict[str, str]
    problems: tuple[tuple[str, str], ...] = ()


# Fields that hold one line; a line break in one is the mark of an unbalanced quote that swallowed the next rows.
SINGLE_LINE = frozenset(
    {
        "application_number",
        "title",
        "patent_type",
        "ipc_main",
        "filing_date",
        "grant_date",
        "state_funded",
        "school_id",
        "trl",
        "self_grade",
        "intended_price",
    }
)


def _encoding(path: Path) -> str:
    """UTF-16 by its byte-order mark; UTF-8 (with or without BOM) when the start decodes as such; else GB18030 (a
    superset of GBK). Content with NUL bytes and no UTF-16 mark is no text file."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in head:
        raise FormatError(
            "文件不是文本（含二进制内容），请另存为 CSV（UTF-8 或 GBK）或 .xlsx / "
            "the file is not text (binary content): save it as CSV (UTF-8 or GBK) or .xlsx"
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "gb18030"
    return "utf-8-sig"


def _header(names: list[Any], limits: Limits) -> list[str | None]:
    texts = ["" if n is None else str(n).strip() for n in names]
    while texts and not texts[-1]:
        texts.pop()  # trailing empty header cells (a sheet read to a fixed width has them)
    if len(texts) > limits.max_columns:
        raise FormatError(f"表头超过 {limits.max_columns} 列 / the header has more than {limits.max_columns} columns")
    unknown = [t for t in texts if t and t not in COLUMNS and t not in IGNORED_COLUMNS]
    if unknown:
        raise FormatError(
            f"标准格式中没有这些列：{'、'.join(unknown[:10])}（其数据不会被导入，请删除或改名）/ "
            f"columns the standard format does not have: {', '.join(unknown[:10])}"
        )
    fields = [COLUMNS.get(t) for t in texts]
    seen: dict[str, str] = {}
    for text, field in zip(texts, fields, strict=True):
        if field is None:
            continue
        if field in seen:
            raise FormatError(
                f"列重复：“{seen[field]}”与“{text}”是同一项，请只保留一列 / "
                f"columns {seen[field]} and {text} are the same field: keep one"
            )
        seen[field] = text
    missing = [HEADER_OF[f] for f in REQUIRED if f not in fields]
    if missing:
        raise FormatError(f"缺少必需的列：{'、'.join(missing)} / required columns missing: {', '.join(missing)}")
    return fields


def _text(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows(path: Path, filename: str, limits: Limits | None = None) -> Iterator[Row]:
    """Every non-empty row, with the problems of its shape; never the whole file in memory. Raises FormatError for
    a file that cannot be read as the standard format."""
    limits = limits or Limits()
    if filename.lower().endswith((".xlsx", ".xlsm")):
        yield from _excel_rows(path, limits)
    elif filename.lower().endswith((".csv", ".txt")):
        yield from _csv_rows(path, limits)
    else:
        raise FormatError("标准格式为 .csv（UTF-8 或 GBK）或 .xlsx 文件 / the standard format is a .csv or .xlsx file")


def check_structure(path: Path, filename: str, limits: Limits | None = None) -> None:
    """Raise FormatError if the file as a whole cannot be imported, reading no more than its structure needs: a
    CSV through once (its parser, its rows, its encoding), an .xlsx by its header."""
    limits = limits or Limits()
    if filename.lower().endswith((".xlsx", ".xlsm")):
        _check_excel(path, limits)
        return
    if not filename.lower().endswith((".csv", ".txt")):
        raise FormatError("标准格式为 .csv（UTF-8 或 GBK）或 .xlsx 文件 / the standard format is a .csv or .xlsx file")
    csv.field_size_limit(max(limits.max_cell_chars * 4, 1 << 16))
    number = 1
    try:
        with path.open("r", encoding=_encoding(path), newline="", errors="strict") as handle:
            reader = csv.reader(handle)
            try:
                _header(next(reader), limits)
            except StopIteration:
                raise FormatError("文件是空的 / the file is empty") from None
            for number, _ in enumerate(reader, start=2):
                if number - 1 > limits.max_rows:
                    _counted(limits, number)
    except csv.Error as exc:
        raise _unreadable_csv(number, exc) from exc
    except UnicodeDecodeError as exc:
        raise _not_text(number) from exc


def _check_excel(path: Path, limits: Limits) -> None:
    book = _open_book(path, limits)
    try:
        sheet = book.worksheets[0]
        try:
            _header(list(next(sheet.iter_rows(values_only=True, max_col=limits.max_columns + 1))), limits)
        except StopIteration:
            raise FormatError("工作表是空的 / the sheet is empty") from None
    finally:
        book.close()


def _unreadable_csv(number: int, exc: Exception) -> FormatError:
    return FormatError(
        f"第 {number + 1} 行附近无法按 CSV 读取（{exc}）：一个字段过长或引号不成对 / "
        f"row {number + 1} cannot be read as CSV ({exc}): a field too long or a quote unbalanced"
    )


def _not_text(number: int) -> FormatError:
    return FormatError(
        f"第 {number + 1} 行附近的文字既不是 UTF-8 也不是 GBK / the text near row {number + 1} is neither UTF-8 nor GBK"
    )


def _row(number: int, header: list[str | None], cells: Sequence[Any], limits: Limits) -> Row | None:
    values: dict[str, str] = {}
    long: list[str] = []
    broken: list[str] = []
    for field, cell in zip(header, cells, strict=False):
        if field is None:
            continue
        text = cell.strip() if type(cell) is str else _text(cell)
        if len(text) > limits.max_cell_chars:
            long.append(field)
            text = text[: limits.max_cell_chars]
        elif ("\n" in text or "\r" in text) and field in SINGLE_LINE:
            broken.append(field)
        values[field] = text
    extra = len(cells) > len(header) and any(_text(c) for c in cells[len(header) :])
    if not (long or broken or extra):
        return Row(number, values) if any(values.values()) else None
    problems: list[tuple[str, str]] = []
    if extra:
        count = len(header) + sum(1 for c in cells[len(header) :] if _text(c))
        problems.append(
            (
                "",
                f"该行有 {count} 个值，表头只有 {len(header)} 列（引号不成对？）/ "
                "more values than columns (an unbalanced quote?)",
            )
        )
    problems += [
        (HEADER_OF[f], f"内容超过 {limits.max_cell_chars} 字 / longer than {limits.max_cell_chars} characters")
        for f in long
    ]
    problems += [
        (
            HEADER_OF[f],
            "含换行（引号不成对，吞并了后面的行？）/ a line break: an unbalanced quote that swallowed the next rows?",
        )
        for f in broken
    ]
    return Row(number, values, tuple(problems))


def _counted(limits: Limits, number: int) -> None:
    if number - 1 > limits.max_rows:
        raise FormatError(
            f"超过 {limits.max_rows} 行，请分成多个文件 / more than {limits.max_rows} rows: split the file"
        )


def _csv_rows(path: Path, limits: Limits) -> Iterator[Row]:
    csv.field_size_limit(max(limits.max_cell_chars * 4, 1 << 16))  # a larger field ends the file with its row
    number = 1
    try:
        with path.open("r", encoding=_encoding(path), newline="", errors="strict") as handle:
            reader = csv.reader(handle)
            try:
                header = _header(next(reader), limits)
            except StopIteration:
                raise FormatError("文件是空的 / the file is empty") from None
            for number, values in enumerate(reader, start=2):
                _counted(limits, number)
                row = _row(number, header, values, limits)
                if row is not None:
                    yield row
    except csv.Error as exc:
        raise _unreadable_csv(number, exc) from exc
    except UnicodeDecodeError as exc:
        raise _not_text(number) from exc


def _open_book(path: Path, limits: Limits) -> Any:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise FormatError(f"不是可读的 .xlsx 文件 / not a readable .xlsx file: {exc}") from exc
    if unpacked > limits.max_unpacked_bytes:
        raise FormatError(
            f"解压后 {unpacked >> 20} MB，超过 {limits.max_unpacked_bytes >> 20} MB / "
            f"it unpacks to {unpacked >> 20} MB, more than {limits.max_unpacked_bytes >> 20} MB"
        )
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise FormatError(f"不是可读的 .xlsx 文件 / not a readable .xlsx file: {exc}") from exc


def _excel_rows(path: Path, limits: Limits) -> Iterator[Row]:
    book = _open_book(path, limits)
    try:
        sheet = book.worksheets[0]
        values = sheet.iter_rows(values_only=True, max_col=limits.max_columns + 1)
        try:
            header = _header(list(next(values)), limits)
        except StopIteration:
            raise FormatError("工作表是空的 / the sheet is empty") from None
        empty = 0
        for number, cells in enumerate(values, start=2):
            _counted(limits, number)
            row = _row(number, header, cells, limits)
            if row is None:
                empty += 1
                if empty >= limits.max_empty_rows:
                    # A formatted template can declare a million empty rows: not read to the end. Say so where the
                    # sheet declares more rows, so that data after a long gap is never dropped unseen.
                    if (sheet.max_row or 0) > number:
                        first = number - empty + 1
                        yield Row(
                            first,
                            {},
                            (
                                (
                                    "",
                                    f"第 {first} 行起连续 {empty} 行为空，之后的行未读取；如有数据请删除"
                                    f"空行 / {empty} empty rows from here: the rest was not read",
                                ),
                            ),
                        )
                    break
                continue
            empty = 0
            yield row
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
