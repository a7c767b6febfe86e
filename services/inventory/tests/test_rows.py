"""The import report: every problem of a row names its column as the file does and says what is wanted, in
Chinese with English alongside."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from patentflow.contracts.events.common import Owner
from patentflow.inventory import domain
from patentflow.inventory.rows import parse_row
from patentflow.kit.errors import InvalidInput

INSTITUTION = "91350100M000100Y43"
ROW = {
    "application_number": "ZL201310699744.2",
    "title": "一种方法",
    "ipc_main": "G06F 16/35",
    "filing_date": "2013-12-18",
    "grant_date": "2016-05-04",
    "state_funded": "否",
}


def problems(**changes: Any) -> list[tuple[str, str]]:
    parsed = parse_row({**ROW, **changes}, INSTITUTION)
    assert isinstance(parsed, list), parsed
    return parsed


def test_a_cross_field_error_names_the_column_that_is_wrong() -> None:
    assert problems(grant_date="2012-01-01") == [("授权日", "授权日早于申请日 / grant_date is before filing_date")]
    assert problems(patent_type="外观设计") == [
        (
            "专利类型",
            "专利类型与申请号不符（申请号表示发明）/ patent_type design contradicts the application number (invention)",
        )
    ]


def test_a_funded_row_without_its_project_says_the_project_is_required_because_it_is_funded() -> None:
    found = problems(state_funded="是", project_number="", funder="")
    assert ("项目编号", "是否财政资助为“是”时必填 / required when 是否财政资助 is 是") in found
    assert ("资助机构", "是否财政资助为“是”时必填 / required when 是否财政资助 is 是") in found


@pytest.mark.parametrize(
    ("changes", "column", "chinese"),
    [
        ({"application_number": "201310699744.3"}, "申请号", "校验位应为 2 而不是 3"),
        ({"ipc_main": "G06F"}, "主分类号", "IPC 分类号格式应如 G06F 16/35"),
        ({"title": ""}, "专利名称", "不能为空"),
        ({"title": "名" * 301}, "专利名称", "最多 300 字"),
        ({"filing_date": "去年"}, "申请日", "“去年”不是日期"),
        ({"state_funded": "也许"}, "是否财政资助", "“也许”应为“是”或“否”"),
        (
            {"trl": "高", "conversion_intents": "转让", "implementation_status": "未实施", "self_grade": "3"},
            "技术成熟度",
            "“高”不是整数",
        ),
        (
            {"trl": "12", "conversion_intents": "转让", "implementation_status": "未实施", "self_grade": "3"},
            "技术成熟度",
            "应不大于 9",
        ),
    ],
)
def test_each_problem_is_in_chinese_with_its_column(changes: dict[str, Any], column: str, chinese: str) -> None:
    found = problems(**changes)
    assert any(c == column and reason.startswith(chinese) and " / " in reason for c, reason in found), found


def test_a_grant_after_the_term_ended_is_refused_by_the_types_rule() -> None:
    # A utility model filed 2004-01-05 was protected until 2014-01-04: it cannot have been granted in 2015.
    parsed = parse_row(
        {**ROW, "application_number": "200420084889.8", "filing_date": "2004-01-05", "grant_date": "2015-03-01"},
        INSTITUTION,
    )
    assert not isinstance(parsed, list)
    owner = Owner(credit_code=INSTITUTION, name="示范大学", province="350000")
    with pytest.raises(InvalidInput) as caught:
        domain.record_patent(None, parsed[0], owner, by="import", today=date(2026, 11, 21))
    assert caught.value.problems == (
        ("grant_date", "授权日晚于保护期届满日 2014-01-04 / granted after its term ended on 2014-01-04"),
    )
