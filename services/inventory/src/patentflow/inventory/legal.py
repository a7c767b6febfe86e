"""Terms and legal status of a patent (Patent Law Arts. 42-45; Implementing Rules 6, 103-106); no I/O."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from patentflow.contracts.events.common import PatentType
from patentflow.contracts.events.inventory_enums import LegalStatus

# Designs filed from 2021-06-01 (Patent Law 2020 in force) have 15 years; earlier designs 10 (Art. 42).
DESIGN_15_YEARS_FROM = date(2021, 6, 1)
FINAL: frozenset[LegalStatus] = frozenset({LegalStatus.EXPIRED, LegalStatus.INVALIDATED})


def term_years(patent_type: PatentType, filing_date: date) -> int:
    """Length of the term from the filing date."""
    if patent_type is PatentType.INVENTION:
        return 20
    if patent_type is PatentType.UTILITY_MODEL:
        return 10
    return 15 if filing_date >= DESIGN_15_YEARS_FROM else 10


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February falls back to 28)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@lru_cache(maxsize=1 << 14)  # pure; a batch import asks it several times per row for few distinct dates
def expiry_date(patent_type: PatentType, filing_date: date) -> date:
    """Last day of protection: the day before the anniversary of the filing date (term compensation aside)."""
    end = add_years(filing_date, term_years(patent_type, filing_date))
    return date.fromordinal(end.toordinal() - 1)


def status_on(current: LegalStatus, patent_type: PatentType, filing_date: date, today: date) -> LegalStatus:
    """The status as of ``today``: a patent in force past its expiry date has expired."""
    if current not in FINAL and current is not LegalStatus.TERMINATED and today > expiry_date(patent_type, filing_date):
        return LegalStatus.EXPIRED
    return current
