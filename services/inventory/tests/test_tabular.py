"""Reading the standard format: encodings, Excel, column names, whole-file errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from patentflow.inventory.rows import parse_row
from patentflow.inventory.tabular import FormatError, Limits, rows
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

    [(number, row, _)] = list(rows(path, path.name))

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

    [(number, row, _)] = list(rows(path, path.name))

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

    parsed_bad = {
        n for n, row, _ in rows(sample.path, "s.csv") if isinstance(parse_row(row, "91350100M000100Y43"), list)
    }

    assert parsed_bad == {
        n for n, kind in sample.bad_rows.items() if kind in ("check_digit", "ipc", "grant_before_filing", "trl")
    }
    assert len(sample.good) + len(sample.bad_rows) == 200


# --- files that must not silently become wrong records ----------------------------------------------------------


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "f.csv"
    path.write_text(text, encoding=encoding)
    return path


LINE = ",".join(HEADER) + "\n"
GOOD = ",".join(ROW) + "\n"


def test_an_unbalanced_quote_that_swallows_rows_is_reported_not_imported(tmp_path: Path) -> None:
    swallowed = 'ZL201310699744.2,"unterminated,G06F 16/35,2013-12-18\n201310699745.X,一种方法,G06F 16/35\n'
    path = _csv(tmp_path, LINE + swallowed)
    [row] = list(rows(path, path.name))
    assert (
        "专利名称",
        "含换行（引号不成对，吞并了后面的行？）/ a line break: an unbalanced quote that swallowed the next rows?",
    ) in row.problems


def test_more_values_than_columns_is_a_problem_of_the_row(tmp_path: Path) -> None:
    path = _csv(tmp_path, LINE + GOOD.rstrip("\n") + ",多余,又一个\n")
    [row] = list(rows(path, path.name))
    assert row.problems[0][0] == ""
    assert "表头只有 10 列" in row.problems[0][1]


@pytest.mark.parametrize(
    ("header", "text"),
    [
        ([*HEADER, "专利权人"], "标准格式中没有这些列：专利权人"),
        (["专利号", *HEADER], "列重复：“专利号”与“申请号”是同一项"),
        (HEADER[1:], "缺少必需的列：申请号"),
    ],
)
def test_unknown_repeated_and_missing_columns_refuse_the_file(tmp_path: Path, header: list[str], text: str) -> None:
    path = _csv(tmp_path, ",".join(header) + "\n" + GOOD)
    with pytest.raises(FormatError, match=text):
        list(rows(path, path.name))


def test_columns_that_hold_no_data_of_the_record_are_ignored(tmp_path: Path) -> None:
    path = _csv(tmp_path, "序号," + LINE + "1," + GOOD)
    [row] = list(rows(path, path.name))
    assert row.values["application_number"] == "ZL201310699744.2"
    assert row.problems == ()


def test_utf16_with_its_mark_is_read_and_binary_content_is_refused(tmp_path: Path) -> None:
    path = _csv(tmp_path, LINE + GOOD, encoding="utf-16")
    assert [r.values["title"] for r in rows(path, path.name)] == ["一种方法"]
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    with pytest.raises(FormatError, match="文件不是文本"):
        list(rows(binary, binary.name))


def test_a_field_past_the_reader_limit_ends_the_file_with_its_row(tmp_path: Path) -> None:
    path = _csv(tmp_path, LINE + GOOD + ROW[0] + "," + "长" * 70_000 + "\n")
    with pytest.raises(FormatError, match="第 3 行附近无法按 CSV 读取"):
        list(rows(path, path.name, Limits(max_cell_chars=100)))


def test_a_long_cell_is_a_problem_of_its_row_and_is_cut(tmp_path: Path) -> None:
    path = _csv(tmp_path, LINE + ROW[0] + "," + "长" * 500 + "," + ",".join(ROW[2:]) + "\n")
    [row] = list(rows(path, path.name, Limits(max_cell_chars=100)))
    assert row.problems == (("专利名称", "内容超过 100 字 / longer than 100 characters"),)
    assert len(row.values["title"]) == 100


def test_more_rows_than_allowed_refuse_the_file(tmp_path: Path) -> None:
    path = _csv(tmp_path, LINE + GOOD * 6)
    with pytest.raises(FormatError, match="超过 5 行"):
        list(rows(path, path.name, Limits(max_rows=5)))


def test_an_excel_file_is_bounded_by_what_it_unpacks_to_and_its_empty_tail_is_not_read(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(ROW)
    sheet.cell(row=5000, column=1, value="ZL201310699745.X")  # after thousands of empty rows
    path = tmp_path / "tail.xlsx"
    book.save(path)
    cut = list(rows(path, path.name, Limits(max_empty_rows=100)))
    assert [r.number for r in cut] == [2, 3]
    assert cut[1].problems[0][1].startswith("第 3 行起连续 100 行为空，之后的行未读取")
    assert [r.number for r in rows(path, path.name, Limits(max_empty_rows=10_000))] == [2, 5000]
    with pytest.raises(FormatError, match="解压后"):
        list(rows(path, path.name, Limits(max_unpacked_bytes=1000)))
    wide = Workbook()
    wide_sheet = wide.active
    assert wide_sheet is not None
    wide_sheet.append([*HEADER, *(f"序号{i}" for i in range(200))])
    wide_path = tmp_path / "wide.xlsx"
    wide.save(wide_path)
    with pytest.raises(FormatError, match="表头超过 100 列"):
        list(rows(wide_path, wide_path.name))
