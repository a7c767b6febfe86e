"""One row of the standard format → the commands it stands for, or every problem in it by column; no I/O."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from patentflow.contracts.events.inventory_enums import (
    CONVERSION_INTENT_LABELS,
    IMPLEMENTATION_STATUS_LABELS,
)
from patentflow.inventory.commands import InventoryRecord, RecordPatent
from patentflow.inventory.models import InventoryRecordInput, PatentCreate
from patentflow.inventory.tabular import HEADER_OF

Problem = tuple[str, str]  # (column as the file names it, reason)
_LIST = re.compile(r"[;；,，、\n]+")
_DATE = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?$")
_TYPES = {"发明": "invention", "发明专利": "invention", "实用新型": "utility_model", "外观设计": "design"}
_YES = {"是", "y", "yes", "true", "1"}
_NO = {"否", "n", "no", "false", "0", ""}
_INTENTS = {
    **{label: code.value for code, label in CONVERSION_INTENT_LABELS.items()},
    "许可": "licence_ordinary",
    "自行实施": "self_use",
    "产业化": "self_use",
    "无": "none",
}
_STATUSES = {
    **{label: code.value for code, label in IMPLEMENTATION_STATUS_LABELS.items()},
    "已实施": "self_implemented",
    "自行实施": "self_implemented",
    "已作价入股": "equity",
}
RECORD_FIELDS = (
    "conversion_intents",
    "implementation_status",
    "trl",
    "self_grade",
    "application_scenario",
    "industry_codes",
    "product",
    "advantages",
    "intended_price",
    "contact_name",
    "contact_phone",
)


class _Bad(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


def _date(field: str, text: str) -> str | None:
    if not text:
        return None
    match = _DATE.match(text.strip())
    if match is None:
        raise _Bad(field, f"“{text}”不是日期，应如 2021-03-15 / {text!r} is not a date such as 2021-03-15")
    return f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}"


def _listed(text: str) -> list[str]:
    return [part.strip() for part in _LIST.split(text) if part.strip()]


def _coded(field: str, text: str, codes: dict[str, str]) -> str:
    value = codes.get(text.strip(), text.strip())
    if value not in codes.values():
        raise _Bad(field, f"“{text}”不是可选的值（{'、'.join(sorted(codes))}）/ {text!r} is not one of them")
    return value


def _level(field: str, text: str, stars: bool = False) -> int:
    cleaned = text.replace("TRL", "").replace("级", "").replace("星", "").strip()
    if stars and cleaned and set(cleaned) <= {"★", "☆"}:
        return cleaned.count("★")
    if not cleaned.isdigit():
        raise _Bad(field, f"“{text}”不是整数 / {text!r} is not a whole number")
    return int(cleaned)


def _price(text: str) -> Decimal | None:
    if not text:
        return None
    scale = Decimal(10_000) if text.endswith(("万元", "万")) else Decimal(1)
    try:
        return Decimal(text.rstrip("万元").replace(",", "").strip()) * scale
    except InvalidOperation:
        raise _Bad(
            "intended_price", f"“{text}”不是金额（元或万元）/ {text!r} is not an amount in yuan (or 万元)"
        ) from None


def _patent_fields(row: dict[str, str], institution: str) -> dict[str, Any]:
    funded_text = row.get("state_funded", "").strip().lower()
    if funded_text not in _YES | _NO:
        raise _Bad(
            "state_funded", f"“{row['state_funded']}”应为“是”或“否” / {row['state_funded']!r} is neither 是 nor 否"
        )
    funded = funded_text in _YES
    fields: dict[str, Any] = {
        "application_number": row.get("application_number", ""),
        "title": row.get("title", ""),
        "abstract": row.get("abstract") or None,
        "ipc_main": row.get("ipc_main", ""),
        "ipc_secondary": _listed(row.get("ipc_secondary", "")),
        "filing_date": _date("filing_date", row.get("filing_date", "")),
        "grant_date": _date("grant_date", row.get("grant_date", "")),
        "owner_credit_code": institution,
        "inventors": _listed(row.get("inventors", "")),
        "inventor_ids": _listed(row.get("inventor_ids", "")),
        "school_id": row.get("school_id") or None,
        "state_funded": funded,
        "source": "institution_upload",
    }
    if row.get("patent_type"):
        fields["patent_type"] = _coded("patent_type", row["patent_type"], _TYPES)
    if funded:
        fields["state_funding"] = {
            "project_number": row.get("project_number", ""),
            "funder": row.get("funder", ""),
            "programme": row.get("programme") or None,
        }
    return fields


def _record_fields(row: dict[str, str]) -> dict[str, Any] | None:
    if not any(row.get(f) for f in RECORD_FIELDS):
        return None
    intents = [_coded("conversion_intents", i, _INTENTS) for i in _listed(row.get("conversion_intents", ""))]
    return {
        "conversion_intents": intents,
        "implementation_status": _coded("implementation_status", row.get("implementation_status", ""), _STATUSES),
        "trl": _level("trl", row.get("trl", "")),
        "self_grade": _level("self_grade", row.get("self_grade", ""), stars=True),
        "application_scenario": row.get("application_scenario") or None,
        "industry_codes": _listed(row.get("industry_codes", "")),
        "product": row.get("product") or None,
        "advantages": row.get("advantages") or None,
        "intended_price": _price(row.get("intended_price", "")),
        "contact_name": row.get("contact_name") or None,
        "contact_phone": row.get("contact_phone") or None,
    }


def _problems(error: ValidationError, prefix: dict[str, str] | None = None) -> list[Problem]:
    found = []
    for item in error.errors():
        loc = [str(p) for p in item["loc"] if not isinstance(p, int)]
        field = (prefix or {}).get(loc[0], loc[0]) if loc else ""
        declared = field == "state_funding" and len(loc) > 1
        if declared:
            field = loc[1] if loc[1] in HEADER_OF else "project_number"
        if declared and item["type"] in ("string_too_short", "missing"):
            # An empty project number of a funded row is not "too short": it is required because of another column.
            reason = f"{HEADER_OF['state_funded']}为“是”时必填 / required when {HEADER_OF['state_funded']} is 是"
        else:
            reason = explain(item)
        found.append((HEADER_OF.get(field, field), reason))
    return found


def explain(item: Any) -> str:
    """A validation error in the words of the import report: Chinese, then English."""
    kind, ctx = item["type"], item.get("ctx") or {}
    message = str(item["msg"]).removeprefix("Value error, ")
    chinese = {
        "missing": "必填",
        "string_too_short": "不能为空",
        "string_too_long": f"最多 {ctx.get('max_length')} 字",
        "too_long": f"最多 {ctx.get('max_length')} 项",
        "too_short": f"至少 {ctx.get('min_length')} 项",
        "greater_than_equal": f"应不小于 {ctx.get('ge')}",
        "less_than_equal": f"应不大于 {ctx.get('le')}",
        "int_parsing": "应为整数",
        "int_from_float": "应为整数",
        "decimal_parsing": "应为金额",
        "decimal_max_digits": "金额位数过多",
        "decimal_max_places": "金额最多两位小数",
        "date_from_datetime_parsing": "应为日期，如 2021-03-15",
        "date_parsing": "应为日期，如 2021-03-15",
        "enum": "不是可选的值之一",
        "bool_parsing": "应为“是”或“否”",
        "string_pattern_mismatch": "含不允许的字符",
        "extra_forbidden": "标准格式中没有此项",
    }.get(kind)
    if chinese is None:
        return message  # our own validators already say it in both languages
    return f"{chinese} / {message}"


def parse_row(row: dict[str, str], institution: str) -> tuple[RecordPatent, InventoryRecord | None] | list[Problem]:
    """The commands of a row, or its problems (every one found, each with its column)."""
    problems: list[Problem] = []
    patent: PatentCreate | None = None
    record: InventoryRecordInput | None = None
    try:
        patent = PatentCreate(**_patent_fields(row, institution))
    except _Bad as bad:
        problems.append((HEADER_OF.get(bad.field, bad.field), str(bad)))
    except ValidationError as error:
        problems.extend(_problems(error))
    try:
        fields = _record_fields(row)
        record = InventoryRecordInput(**fields) if fields is not None else None
    except _Bad as bad:
        problems.append((HEADER_OF.get(bad.field, bad.field), str(bad)))
    except ValidationError as error:
        problems.extend(_problems(error))
    if problems or patent is None:
        return problems
    return patent.command(), record.command() if record is not None else None
