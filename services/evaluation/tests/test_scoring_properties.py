"""Properties of value and grade (hypothesis): monotone composites, profiles summing to one, the same inputs the same
grade, and a new version of the reference data re-grading only where a grade changes."""

from __future__ import annotations

import math
import tomllib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patentflow.contracts.events.evaluation import GradeChanged
from patentflow.contracts.events.evaluation_enums import EvaluationScenario
from patentflow.contracts.industries import load_industries, sei_of
from patentflow.evaluation.evaluations import PatentFacts, Valuation, revalue
from patentflow.evaluation.highvalue import load_rules
from patentflow.evaluation.scoring import (
    DEFAULT_BOUNDARIES,
    VALUE_TREE,
    check_boundaries,
    composite,
    grade_of,
    load_tree,
    tree_from,
)
from patentflow.kit.decisions import Aggregate
from patentflow.testing.samples import number

TREE = load_tree()
NUMBER = number(2019, 501)
IDS = sorted(TREE.ids)
SCORE = st.floats(min_value=0, max_value=100, allow_nan=False)
SCORES = st.dictionaries(st.sampled_from(IDS), SCORE, min_size=1)
SCENARIO = st.sampled_from(list(EvaluationScenario))


def test_every_profile_of_the_shipped_tree_sums_to_one_and_weights_known_indicators() -> None:
    for scenario, weights in TREE.profiles.items():
        assert math.isclose(sum(weights.values()), 1.0, abs_tol=1e-9), scenario
        assert set(weights) <= TREE.ids
    assert set(TREE.profiles) == set(EvaluationScenario)


@given(SCORES, SCENARIO, st.sampled_from(IDS), SCORE)
def test_the_composite_never_falls_when_one_indicator_rises(
    scores: dict[str, float], scenario: EvaluationScenario, indicator: str, other: float
) -> None:
    low, high = sorted((scores.get(indicator, other), other))
    lower = composite(TREE, scenario, {**scores, indicator: low}).composite
    higher = composite(TREE, scenario, {**scores, indicator: high}).composite
    assert higher >= lower
    assert grade_of(higher) <= grade_of(lower)  # tier 1 is the best


@given(SCORES, SCENARIO)
def test_the_same_inputs_give_the_same_composite_and_grade(
    scores: dict[str, float], scenario: EvaluationScenario
) -> None:
    first = composite(TREE, scenario, scores)
    again = composite(TREE, scenario, dict(reversed(list(scores.items()))))
    assert first == again
    assert 0 <= first.composite <= 100
    assert grade_of(first.composite) == grade_of(again.composite)


@given(st.lists(st.floats(min_value=0.01, max_value=10, allow_nan=False), min_size=2, max_size=len(IDS)))
def test_a_profile_whose_weights_do_not_sum_to_one_is_refused(raw: list[float]) -> None:
    data = tomllib.loads(VALUE_TREE.read_text(encoding="utf-8"))
    weights = dict(zip(IDS, raw, strict=False))
    total = sum(weights.values())
    data["profiles"]["management"] = weights
    if math.isclose(total, 1.0, abs_tol=1e-9):
        assert tree_from(data).profiles[EvaluationScenario.MANAGEMENT] == weights
    else:
        with pytest.raises(ValueError, match="sum to"):
            tree_from(data)


def test_the_default_tiers_are_half_open_ranges() -> None:
    assert [grade_of(s) for s in (100, 80.0001, 80, 60.5, 60, 40, 20.01, 20, 0)] == [1, 1, 2, 2, 3, 4, 4, 5, 5]
    assert check_boundaries([85, 70, 50, 30]) == (85.0, 70.0, 50.0, 30.0)
    with pytest.raises(ValueError, match="falling"):
        check_boundaries([20, 40, 60, 80])


FACTS = PatentFacts(
    number=NUMBER, institution="x", province="430000", in_pool=True, patent_type="invention",
    ipc_main="H01M 4/525", filing_date=date(2019, 3, 1), expiry_date=date(2039, 2, 28), legal_status="valid",
)  # fmt: skip
RULES = load_rules("14th-fyp", frozenset(sei_of(load_industries())))


def reviewed(scores: dict[str, float]) -> Aggregate:
    state = {"expert_reviews": [{"expert_id": "e", "revision": 1, "tree_version": TREE.version, "scores": scores,
                                 "opinion": "o"}]}  # fmt: skip
    return Aggregate(NUMBER, 1, 1, state)


@settings(max_examples=50)
@given(st.lists(st.dictionaries(st.sampled_from(sorted(TREE.scored)), SCORE, min_size=1), min_size=1, max_size=8),
       st.floats(min_value=0.5, max_value=2.0))  # fmt: skip
def test_a_new_tree_version_regrades_only_where_the_grade_changes(
    reviews: list[dict[str, float]], factor: float
) -> None:
    data = tomllib.loads(VALUE_TREE.read_text(encoding="utf-8"))
    data["version"] = "test-2"
    weights = data["profiles"]["management"]
    weights["technical.advancement"] *= factor
    total = sum(weights.values())
    data["profiles"]["management"] = {k: v / total for k, v in weights.items()}
    newer = tree_from(data)
    today = date(2026, 12, 1)
    old = Valuation(TREE, DEFAULT_BOUNDARIES, RULES, today)
    new = Valuation(newer, DEFAULT_BOUNDARIES, RULES, today)
    for scores in reviews:
        first = revalue(reviewed(scores), FACTS, old, reason="test")
        graded = Aggregate(NUMBER, 2, 2, first.state)
        again = revalue(graded, FACTS, new, reason="tree test-2")
        changes = [e for e in again.events if isinstance(e, GradeChanged)]
        assert (first.state["grade"] != again.state["grade"]) == bool(changes)
        assert all(c.old_grade == first.state["grade"] and c.new_grade == again.state["grade"] for c in changes)
        assert not [e for e in revalue(Aggregate("x", 3, 3, again.state), FACTS, new, reason="same").events]
