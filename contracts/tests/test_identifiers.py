"""Identifier value types: application numbers, credit codes, IPC symbols and province codes."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from patentflow.contracts.identifiers import (
    ApplicationNumber,
    CreditCode,
    IpcSymbol,
    ProvinceCode,
    application_check_digit,
    application_year,
    credit_code_check_char,
    normalize_application_number,
    normalize_credit_code,
    normalize_ipc,
    normalize_province,
    patent_type_of,
)

VALID_APPLICATION = "201310699744.2"
VALID_CREDIT_CODE = "91350100M000100Y43"


def _body_with_check_x() -> str:
    """A 12-digit invention body (2015, type 1) whose check character is X."""
    for serial in range(10_000_000):
        body = f"20151{serial:07d}"
        if application_check_digit(body) == "X":
            return body
    raise AssertionError("no body with check character X found")  # pragma: no cover


# --- application numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "ZL201310699744.2",
        "CN201310699744.2",
        "201310699744.2",
        "2013106997442",
        "  ZL 201310699744.2 ",
        "zl201310699744.2",
    ],
)
def test_accepts_application_number_variants_and_normalizes_them(raw: str) -> None:
    assert normalize_application_number(raw) == VALID_APPLICATION


def test_accepts_check_character_x_in_either_case() -> None:
    body = _body_with_check_x()
    assert application_check_digit(body) == "X"
    assert normalize_application_number(f"{body}.X") == f"{body}.X"
    assert normalize_application_number(f"{body}.x") == f"{body}.X"
    assert normalize_application_number(f"ZL{body}x") == f"{body}.X"


def test_rejects_wrong_check_digit_naming_the_expected_one() -> None:
    with pytest.raises(ValueError, match=r"check digit is '3' but the number requires '2'"):
        normalize_application_number("201310699744.3")


def test_rejects_digit_where_check_x_is_required() -> None:
    body = _body_with_check_x()
    with pytest.raises(ValueError, match=r"requires 'X'"):
        normalize_application_number(f"{body}.0")


def test_rejects_unknown_patent_type_digit() -> None:
    body = "201340699744"  # type digit 4 does not exist
    with pytest.raises(ValueError, match=r"unknown patent type digit '4'"):
        normalize_application_number(f"{body}.{application_check_digit(body)}")


def test_rejects_an_application_year_beyond_the_plausible_range() -> None:
    # Whether a year lies after today is judged by the service's clock (inventory's domain.check_dates).
    body = "210010699744"
    with pytest.raises(ValueError, match=r"application year 2100 is outside 2003\.\.2099"):
        normalize_application_number(f"{body}.{application_check_digit(body)}")


@pytest.mark.parametrize(("number", "year"), [("201310699744.2", 2013), ("98101234.5", 1998), ("03101234.5", 2003)])
def test_the_filing_year_is_read_from_the_number(number: str, year: int) -> None:
    assert application_year(number) == year


def test_rejects_application_year_before_2003_in_new_format() -> None:
    body = "200210699744"
    with pytest.raises(ValueError, match=r"application year 2002 is outside"):
        normalize_application_number(f"{body}.{application_check_digit(body)}")


def test_accepts_old_eight_digit_format() -> None:
    body = "93100123"  # 1993, invention, serial 00123
    check = application_check_digit(body)
    assert normalize_application_number(f"ZL{body}.{check}") == f"{body}.{check}"
    assert normalize_application_number(f"{body}{check}") == f"{body}.{check}"


def test_rejects_old_format_with_wrong_check_digit() -> None:
    body = "93100123"
    wrong = "0" if application_check_digit(body) != "0" else "1"
    with pytest.raises(ValueError, match=r"but the number requires"):
        normalize_application_number(f"{body}.{wrong}")


@pytest.mark.parametrize(
    "raw", ["", "2013106997", "20131069974412.2", "2013A0699744.2", "201300699744.2", "XY201310699744.2"]
)
def test_rejects_malformed_application_numbers(raw: str) -> None:
    with pytest.raises(ValueError, match=r"must look like"):
        normalize_application_number(raw)


@pytest.mark.parametrize("digits", ["1234567", "1234567890123", "12345678901a"])
def test_check_digit_needs_eight_or_twelve_digits(digits: str) -> None:
    with pytest.raises(ValueError, match=r"8 or 12 digits"):
        application_check_digit(digits)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("201310699744.2", "invention"),
        ("201320699744.8", "utility_model"),
        ("201330699744.3", "design"),
        ("201380699744.0", "invention"),
        ("201390699744.6", "utility_model"),
        ("93100123.4", "invention"),
        ("93200123.8", "utility_model"),
        ("93300123.1", "design"),
    ],
)
def test_patent_type_of_reads_the_type_digit(number: str, expected: str) -> None:
    assert normalize_application_number(number) == number  # the fixtures are themselves valid numbers
    assert patent_type_of(number) == expected


# --- unified social credit codes -----------------------------------------------------------------------------


def test_accepts_valid_credit_code_and_upper_cases_it() -> None:
    assert normalize_credit_code(VALID_CREDIT_CODE) == VALID_CREDIT_CODE
    assert normalize_credit_code(f"  {VALID_CREDIT_CODE.lower()} ") == VALID_CREDIT_CODE
    assert credit_code_check_char(VALID_CREDIT_CODE[:17]) == VALID_CREDIT_CODE[17]


@pytest.mark.parametrize("position", [0, 1, 3, 8, 12, 16])
def test_rejects_credit_code_with_one_changed_character(position: int) -> None:
    original = VALID_CREDIT_CODE[position]
    replacement = "1" if original != "1" else "2"
    changed = VALID_CREDIT_CODE[:position] + replacement + VALID_CREDIT_CODE[position + 1 :]
    with pytest.raises(ValueError, match=r"check character is '3' but the code requires '(?!3)"):
        normalize_credit_code(changed)


def test_rejects_credit_code_with_wrong_check_character() -> None:
    with pytest.raises(ValueError, match=r"check character is '4' but the code requires '3'"):
        normalize_credit_code(VALID_CREDIT_CODE[:17] + "4")


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_rejects_credit_code_with_forbidden_letter(letter: str) -> None:
    code = VALID_CREDIT_CODE[:8] + letter + VALID_CREDIT_CODE[9:]
    with pytest.raises(ValueError, match=r"without I, O, S, V, Z"):
        normalize_credit_code(code)


@pytest.mark.parametrize("code", [VALID_CREDIT_CODE[:17], VALID_CREDIT_CODE + "0", ""])
def test_rejects_credit_code_of_wrong_length(code: str) -> None:
    with pytest.raises(ValueError, match=r"must have 18 characters"):
        normalize_credit_code(code)


def test_rejects_credit_code_whose_division_code_is_not_digits() -> None:
    code = VALID_CREDIT_CODE[:2] + "A" + VALID_CREDIT_CODE[3:17]
    code += credit_code_check_char(code)  # a correct check character, so only the division code is wrong
    with pytest.raises(ValueError, match=r"administrative division code"):
        normalize_credit_code(code)


# --- IPC symbols ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["G06F 16/35", "g06f16/35", " G06F16/35 ", "g06f 16/35"])
def test_normalizes_ipc_symbols(raw: str) -> None:
    assert normalize_ipc(raw) == "G06F 16/35"


@pytest.mark.parametrize("raw", ["Z06F 16/35", "G06F16", "G06F 16", "G6F 16/35", "G06F 16/3", "G06F 12345/00"])
def test_rejects_malformed_ipc_symbols(raw: str) -> None:
    with pytest.raises(ValueError, match=r"IPC symbol must look like"):
        normalize_ipc(raw)


# --- provinces -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [("43", "430000"), ("430000", "430000"), (" 11 ", "110000")])
def test_accepts_province_codes_in_two_or_six_digits(raw: str, expected: str) -> None:
    assert normalize_province(raw) == expected


@pytest.mark.parametrize("raw", ["430100", "99", "990000", "4", "4300", "AB", ""])
def test_rejects_non_province_codes(raw: str) -> None:
    with pytest.raises(ValueError, match=r"GB/T 2260 province code"):
        normalize_province(raw)


# --- pydantic usage of the annotated types -------------------------------------------------------------------


class _Record(BaseModel):
    application_number: ApplicationNumber
    owner: CreditCode
    ipc: IpcSymbol
    province: ProvinceCode


def test_annotated_types_normalize_inside_a_model() -> None:
    record = _Record(
        application_number="ZL2013106997442", owner=VALID_CREDIT_CODE.lower(), ipc="g06f16/35", province="43"
    )
    assert record.application_number == VALID_APPLICATION
    assert record.owner == VALID_CREDIT_CODE
    assert record.ipc == "G06F 16/35"
    assert record.province == "430000"


def test_annotated_application_number_reports_the_field_location() -> None:
    with pytest.raises(ValidationError) as info:
        _Record(application_number="201310699744.3", owner=VALID_CREDIT_CODE, ipc="G06F 16/35", province="43")
    errors = info.value.errors()
    assert len(errors) == 1
    assert errors[0]["loc"] == ("application_number",)
    assert "requires '2'" in errors[0]["msg"]


def test_annotated_types_report_every_invalid_field() -> None:
    with pytest.raises(ValidationError) as info:
        _Record(application_number=VALID_APPLICATION, owner="91350100M000100Y44", ipc="Z06F 16/35", province="99")
    assert {error["loc"] for error in info.value.errors()} == {("owner",), ("ipc",), ("province",)}


def test_annotated_types_carry_descriptions_and_examples_into_json_schema() -> None:
    props = _Record.model_json_schema()["properties"]
    assert props["application_number"]["examples"] == [VALID_APPLICATION]
    assert "check digit" in props["application_number"]["description"]
    assert props["ipc"]["examples"] == ["G06F 16/35"]
    assert props["province"]["examples"] == ["430000"]
