"""What `make run` prints of a province's coverage: one line an institution, its figures and each deadline's status."""

from __future__ import annotations

import unicodedata

from patentflow.localinfra.launcher import coverage_lines


def width(text: str) -> int:
    """Columns a terminal gives the text (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def row(
    name: str, stock: int, inventoried: int, coverage: float | None, june: str | None, december: str | None
) -> dict[str, object]:
    return {"name": name, "stock_valid": stock, "inventoried": inventoried, "coverage": coverage,
            "status_2024-06-30": june, "status_2024-12-31": december}  # fmt: skip


def test_each_institution_is_a_line_with_its_figures_and_statuses() -> None:
    rows = [
        row("湖南示范大学", 120, 66, 0.55, "met", "missed"),
        row("长沙研究院", 0, 0, None, None, None),  # no stock: no coverage, no status
        row("湖南第2大学(南校)", 7, 7, 1.0, "met", "met"),  # digits and brackets take one column
    ]
    header, first, second, third = coverage_lines(rows)
    assert header.split()[-2:] == ["2024-06-30", "2024-12-31"]
    assert first.split() == ["湖南示范大学", "120", "66", "55%", "met", "missed"]
    assert second.split() == ["长沙研究院", "0", "0", "—", "—", "—"]
    assert third.split() == ["湖南第2大学(南校)", "7", "7", "100%", "met", "met"]
    # The stock column ends in the same terminal column whatever the name.
    ends = {width(first[: first.index(" 120") + 4]), width(second[: second.index(" 0") + 2])}
    assert ends == {width(third[: third.index(" 7") + 2])}


def test_a_long_list_says_how_many_more() -> None:
    rows = [row(f"研究院{i}", 10, 5, 0.5, "met", "missed") for i in range(11)]
    lines = coverage_lines(rows, shown=8)
    assert len(lines) == 1 + 8 + 1
    assert lines[-1].strip() == "… and 3 more institutions"
