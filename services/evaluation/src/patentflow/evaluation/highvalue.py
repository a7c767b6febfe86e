"""High-value invention patents (高价值发明专利): the categories of a plan period, each a separate flag; no I/O.

A valid invention patent is high-value if any category of the period holds. The categories and the rules that need
a number (years maintained, the pledge amount) are loaded from ``reference/high_value.toml``; the SEI table and the
award list are loaded data too. Where the platform has no fact yet (pledges, before the pledge service exists), the
flag is false and becomes true when the facts arrive.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from patentflow.contracts.events.common import PatentType
from patentflow.contracts.events.evaluation_enums import HighValueCategory
from patentflow.contracts.events.inventory_enums import LegalStatus

HERE = Path(__file__).parent / "reference"
HIGH_VALUE_RULES = HERE / "high_value.toml"
AWARD_LIST = HERE / "awards.csv"


@dataclass(frozen=True, slots=True)
class HighValueRules:
    """The categories of one plan period and the numbers its rules need."""

    period: str
    categories: tuple[HighValueCategory, ...]
    maintained_years: int
    high_pledge_yuan: Decimal
    sei_classes: frozenset[str]  # IPC subclasses of strategic emerging industries
    awarded: frozenset[str]  # application numbers on the award lists


def load_rules(
    period: str, sei_classes: frozenset[str], path: Path = HIGH_VALUE_RULES, awards: Path = AWARD_LIST
) -> HighValueRules:
    """The rules of ``period`` from their file, with the SEI classes and the award list."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    periods = data.get("periods", {})
    if period not in periods:
        raise ValueError(f"{path}: no plan period {period!r}; it has {sorted(periods)}")
    rules = data.get("rules", {})
    lines = [line for line in awards.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return HighValueRules(
        period=period,
        categories=tuple(HighValueCategory(c) for c in periods[period]["categories"]),
        maintained_years=int(rules.get("maintained_years", 10)),
        high_pledge_yuan=Decimal(str(rules.get("high_pledge_yuan", 10_000_000))),
        sei_classes=sei_classes,
        awarded=frozenset(row["application_number"] for row in csv.DictReader(lines)),
    )


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def flags_of(
    rules: HighValueRules,
    *,
    number: str,
    patent_type: str | None,
    legal_status: str | None,
    ipc_main: str | None,
    filing_date: date | None,
    overseas_family: bool | None,
    pledged_yuan: Decimal | None,
    today: date,
) -> tuple[dict[HighValueCategory, bool], bool]:
    """Every category of the period and whether it holds, and whether the patent is high-value."""
    eligible = patent_type == PatentType.INVENTION.value and legal_status == LegalStatus.VALID.value
    ipc_class = (ipc_main or "").replace(" ", "")[:4].upper()
    holds: Mapping[HighValueCategory, bool] = {
        HighValueCategory.SEI: ipc_class in rules.sei_classes,
        HighValueCategory.OVERSEAS_FAMILY: bool(overseas_family),
        HighValueCategory.MAINTAINED_10Y: filing_date is not None
        and today > _years_after(filing_date, rules.maintained_years),
        HighValueCategory.HIGH_PLEDGE: pledged_yuan is not None and pledged_yuan >= rules.high_pledge_yuan,
        HighValueCategory.AWARD: number in rules.awarded,
    }
    flags = {c: eligible and holds[c] for c in rules.categories}
    return flags, any(flags.values())
