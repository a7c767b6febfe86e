"""GB/T 4754 codes checked against the loaded sections table."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from patentflow.contracts.industries import IndustryCode, gbt4754_sections

CODE = TypeAdapter(IndustryCode)


def test_the_sections_table_holds_the_97_divisions_in_their_sections() -> None:
    sections = gbt4754_sections()
    assert len(sections) == 97
    assert (sections["01"], sections["13"], sections["65"], sections["97"]) == ("A", "C", "I", "T")


@pytest.mark.parametrize(("given", "kept"), [("6511", "6511"), ("I6511", "6511"), ("65", "65"), (" 384 ", "384")])
def test_a_code_is_kept_as_its_digits(given: str, kept: str) -> None:
    assert CODE.validate_python(given) == kept


@pytest.mark.parametrize(
    ("given", "why"),
    [("98", "no division 98"), ("C6511", "section I, not C"), ("65a", "2-4 digits"), ("6", "2-4 digits")],
)
def test_a_code_that_is_none_is_refused_saying_why(given: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        CODE.validate_python(given)
