"""The institution registry and who may do what."""

from __future__ import annotations

import pytest

from patentflow.contracts.access import Role, Scope
from patentflow.contracts.reasons import ReasonCode
from patentflow.inventory import access, institutions
from patentflow.inventory.models import InstitutionCreate, InventorCreate, SchoolCreate
from patentflow.kit.decisions import Aggregate
from patentflow.kit.errors import RuleViolation
from patentflow.kit.principal import Principal

from .helpers import OWNER, after, recorded

CODE = OWNER.credit_code


def registered() -> Aggregate:
    decision = institutions.register(
        None,
        InstitutionCreate(credit_code=CODE, name="示范大学", kind="university", province="35", pilot=True).command(),
        by="nat",
    )
    return Aggregate(CODE, 1, 1, decision.state)


def test_registers_once_with_schools_and_inventors() -> None:
    current = registered()
    current = Aggregate(
        CODE,
        2,
        2,
        institutions.add_school(current, SchoolCreate(school_id="cs", name="计算机学院").command(), by="adm").state,
    )
    decision = institutions.add_inventor(
        current, InventorCreate(inventor_id="inv-1", name="王五", school_id="cs").command(), by="adm"
    )

    assert decision.state["institution"]["province"] == "350000"
    assert institutions.schools_of(decision.state) == {"cs": "计算机学院"}
    assert institutions.inventors_of(decision.state)["inv-1"] == {"name": "王五", "school_id": "cs"}
    assert all(isinstance(entry, dict) for entry in decision.state["inventors"])  # ids are values, never keys
    for call, code in (
        (
            lambda: institutions.register(
                current, InstitutionCreate(credit_code=CODE, name="x", kind="other", province="35").command(), by="n"
            ),
            ReasonCode.INSTITUTION_ALREADY_REGISTERED,
        ),
        (
            lambda: institutions.add_school(current, SchoolCreate(school_id="cs", name="again").command(), by="a"),
            ReasonCode.SCHOOL_ALREADY_EXISTS,
        ),
        (
            lambda: institutions.add_inventor(
                current, InventorCreate(inventor_id="i2", name="x", school_id="law").command(), by="a"
            ),
            ReasonCode.UNKNOWN_SCHOOL,
        ),
        (
            lambda: institutions.add_inventor(
                after(decision, current) if False else Aggregate(CODE, 3, 3, decision.state),
                InventorCreate(inventor_id="inv-1", name="x").command(),
                by="a",
            ),
            ReasonCode.INVENTOR_ALREADY_EXISTS,
        ),
    ):
        with pytest.raises(RuleViolation) as caught:
            call()
        assert caught.value.reason.code is code


def test_a_patent_needs_a_registered_owner_and_a_known_school() -> None:
    with pytest.raises(RuleViolation) as unknown:
        institutions.owner_of(None, CODE, None)
    with pytest.raises(RuleViolation) as school:
        institutions.owner_of(registered(), CODE, "law")

    assert unknown.value.reason.code is ReasonCode.UNKNOWN_INSTITUTION
    assert school.value.reason.code is ReasonCode.UNKNOWN_SCHOOL
    assert institutions.owner_of(registered(), CODE, None).name == "示范大学"


def who(role: Role, **scope: str) -> Principal:
    return Principal(sub=role.value, role=role, scope=Scope(**scope))


@pytest.mark.parametrize(
    ("principal", "read", "fill", "school_review", "institution_act"),
    [
        (who(Role.NATIONAL_ADMIN), True, True, True, True),
        (who(Role.PROVINCE_OFFICE, province="350000"), True, False, False, False),
        (who(Role.PROVINCE_OFFICE, province="430000"), False, False, False, False),
        (who(Role.INSTITUTION_ADMIN, institution=CODE), True, True, True, True),
        (who(Role.INSTITUTION_ADMIN, institution="12100000400000624D"), False, False, False, False),
        (who(Role.INVENTOR, person="inv-1", institution=CODE), True, True, False, False),
        (who(Role.INVENTOR, person="inv-2", institution=CODE), False, False, False, False),
        (who(Role.SCHOOL_REVIEWER, school="cs", institution=CODE), True, False, True, False),
        (who(Role.SCHOOL_REVIEWER, school="law", institution=CODE), False, False, False, False),
        (who(Role.ENTERPRISE, enterprise="91350100M000100Y43"), False, False, False, False),
    ],
    ids=[
        "national",
        "own-province",
        "other-province",
        "own-institution",
        "other-institution",
        "own-inventor",
        "other-inventor",
        "own-school",
        "other-school",
        "enterprise",
    ],
)
def test_access_rules(principal: Principal, read: bool, fill: bool, school_review: bool, institution_act: bool) -> None:
    state = recorded().state

    assert access.may_read(principal, state) is read
    assert access.may_fill(principal, state) is fill
    assert access.may_review_as_school(principal, state) is school_review
    assert access.may_act_as_institution(principal, state) is institution_act


def test_province_offices_register_institutions_of_their_province_only() -> None:
    assert access.may_register_institution(who(Role.PROVINCE_OFFICE, province="350000"), "350000")
    assert not access.may_register_institution(who(Role.PROVINCE_OFFICE, province="430000"), "350000")
    assert not access.may_register_institution(who(Role.INSTITUTION_ADMIN, institution=CODE), "350000")
