"""Reading the standard format: encodings, Excel, column names, whole-file errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from patentflow.inventory.rows import parse_row
from patentflow.inventory.tabular import FormatError, rows
from patentflow.testing.samples import write_csv

HEADER = [
    "申请号",
    "专利名称",
    "主分类号",
    "申请日",
    "授权日",
    "是否财政资助",
    "转化意愿",
    "实施状态",
    "技术成熟度",
    "专利价值分级自评",
]
ROW = [
    "ZL201310699744.2",
    "一种方法",
    "G06F 16/35",
    "2013-12-18",
    "2016/5/4",
    "否",
    "转让、普通许可",
    "未实施",
    "TRL6",
    "★★★★",
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_reads_csv_in_utf8_with_or_without_bom_and_in_gbk(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "file.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(ROW) + "\n\n", encoding=encoding)

    [(number, row)] = list(rows(path, path.name))

    assert number == 2
    assert row["title"] == "一种方法"
    parsed = parse_row(row, "91350100M000100Y43")
    assert not isinstance(parsed, list), parsed
    patent, record = parsed
    assert patent.application_number == "201310699744.2"
    assert record is not None
    assert (record.trl, record.self_grade) == (6, 4)


def test_reads_the_first_sheet_of_an_excel_file_with_real_dates(tmp_path: Path) -> None:
    from datetime import datetime

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append([*ROW[:3], datetime(2013, 12, 18), datetime(2016, 5, 4), *ROW[5:]])
    path = tmp_path / "批量建档.xlsx"
    book.save(path)

    [(number, row)] = list(rows(path, path.name))

    assert number == 2
    assert (row["filing_date"], row["grant_date"]) == ("2013-12-18", "2016-05-04")
    assert not isinstance(parse_row(row, "91350100M000100Y43"), list)


def test_a_file_without_a_required_column_fails_as_a_whole(tmp_path: Path) -> None:
    path = tmp_path / "file.csv"
    path.write_text("专利名称,主分类号\n一种方法,G06F 16/35\n", encoding="utf-8")

    with pytest.raises(FormatError, match="required columns missing: 申请号, 申请日"):
        list(rows(path, path.name))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("file.pdf", b"%PDF", "standard format is a .csv"),
        ("file.csv", b"", "empty"),
        ("file.xlsx", b"not a zip", "not a readable .xlsx"),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(FormatError, match=message):
        list(rows(path, name))


def test_generated_samples_put_bad_rows_where_they_say(tmp_path: Path) -> None:
    sample = write_csv(tmp_path / "s.csv", 200, bad_share=0.03, encoding="gbk", school="ee")

    parsed_bad = {n for n, row in rows(sample.path, "s.csv") if isinstance(parse_row(row, "91350100M000100Y43"), list)}

    assert parsed_bad == {
        n for n, kind in sample.bad_rows.items() if kind in ("check_digit", "ipc", "grant_before_filing", "trl")
    }
    assert len(sample.good) + len(sample.bad_rows) == 200
