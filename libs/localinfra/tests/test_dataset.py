"""The national dataset generator: valid, unique identifiers, every province, Chinese text, the same dataset again."""

from __future__ import annotations

import re
from collections import Counter

from pydantic import TypeAdapter

from patentflow.contracts.identifiers import ApplicationNumber, CreditCode, normalize_ipc
from patentflow.contracts.standard_format import HEADER_OF
from patentflow.localinfra import dataset

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_institutions_cover_every_province_with_valid_unique_codes_and_three_kinds() -> None:
    plan = dataset.plan(30_000, per_institution=300)
    assert plan.patents == 30_000
    assert {i.province for i in plan.institutions} == {code for code, _, _ in dataset.PROVINCES}
    codes = [i.credit_code for i in plan.institutions]
    assert len(set(codes)) == len(codes)
    assert [TypeAdapter(CreditCode).validate_python(c) for c in codes] == codes  # check characters hold
    names = [i.name for i in plan.institutions]
    assert len(set(names)) == len(names)
    assert all(CJK.search(n) for n in names)
    kinds = Counter("demonstration" if i.demonstration else "pilot" if i.pilot else "other" for i in plan.institutions)
    assert set(kinds) == {"pilot", "demonstration", "other"}
    assert not any(i.pilot and i.demonstration for i in plan.institutions)
    assert all(i.schools and i.inventors for i in plan.institutions)


def test_rows_are_valid_standard_format_records_unique_across_institutions() -> None:
    plan = dataset.plan(6_000, per_institution=300)
    seen: set[str] = set()
    states: Counter[str] = Counter()
    for index, institution in enumerate(plan.institutions):
        rows = list(dataset.rows(plan, institution, index))
        assert len(rows) == institution.patents
        for row in rows:
            number = row["application_number"]
            assert TypeAdapter(ApplicationNumber).validate_python(number) == number
            assert number not in seen
            seen.add(number)
            assert CJK.search(row["title"])
            assert len(row["abstract"]) > 20
            normalize_ipc(row["ipc_main"])  # raises on a malformed symbol
            assert row["filing_date"] < (row["grant_date"] or "9999")
            states["inventoried" if row.get("trl") else "draft"] += 1
            states["granted" if row["grant_date"] else "pending"] += 1
    assert len(seen) == plan.patents
    # Most are inventoried and granted, not all: the views have something on both sides.
    assert 0.5 < states["inventoried"] / plan.patents < 0.9
    assert 0.75 < states["granted"] / plan.patents < 0.98
    assert set(dataset.COLUMNS) <= set(HEADER_OF)


def test_the_same_seed_gives_the_same_dataset_and_another_base_never_collides() -> None:
    first, again = dataset.plan(3_000), dataset.plan(3_000)
    assert first.institutions == again.institutions
    assert list(dataset.rows(first, first.institutions[0], 0)) == list(dataset.rows(again, again.institutions[0], 0))
    other = dataset.plan(3_000, base=1)
    assert not {i.credit_code for i in first.institutions} & {i.credit_code for i in other.institutions}
    numbers = {r["application_number"] for r in dataset.rows(first, first.institutions[0], 0)}
    assert not numbers & {r["application_number"] for r in dataset.rows(other, other.institutions[0], 0)}
