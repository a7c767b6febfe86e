"""Value after GB/T 42748 and the five grades: the indicator tree as loaded data, the composite, the tier; no I/O.

The tree (``reference/value_tree.toml``) lists the indicators, each in one of the three dimensions (legal, technical,
economic), computed from facts or scored by experts, and one weight profile per evaluation scenario. The composite of
a patent is the weighted mean of the indicators it has a score for, the weights renormalised over them: monotone in
every indicator, and an indicator without evidence yet neither helps nor hurts. The grade is the tier the composite
falls in, tier 1 the best; a tier is the half-open range (lower, upper], so the default boundaries (80, 60, 40, 20)
read ">80 | 60-80 | 40-60 | 20-40 | <=20".
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from patentflow.contracts.events.evaluation_enums import EvaluationScenario

VALUE_TREE = Path(__file__).parent / "reference" / "value_tree.toml"
DIMENSIONS = ("legal", "technical", "economic")
DEFAULT_BOUNDARIES = (80.0, 60.0, 40.0, 20.0)  # a local grading standard's tiers (see docs/evaluation.md)
PRECISION = 4  # composites are rounded to this many decimals before grading, so a stored figure grades the same


@dataclass(frozen=True, slots=True)
class Indicator:
    """One leaf of the tree."""

    id: str
    dimension: str
    name: str
    kind: str  # "computed" | "scored"
    rubric: str


@dataclass(frozen=True, slots=True)
class ValueTree:
    """A version of the indicator tree with its weight profiles, as loaded and checked."""

    version: str
    source: str
    indicators: tuple[Indicator, ...]
    profiles: Mapping[EvaluationScenario, Mapping[str, float]]
    grading_scenario: EvaluationScenario

    @property
    def ids(self) -> frozenset[str]:
        """Every indicator id."""
        return frozenset(i.id for i in self.indicators)

    @property
    def scored(self) -> frozenset[str]:
        """The ids experts score."""
        return frozenset(i.id for i in self.indicators if i.kind == "scored")

    def dimension_of(self, indicator: str) -> str:
        """The dimension of an indicator."""
        return next(i.dimension for i in self.indicators if i.id == indicator)


def tree_from(data: Mapping[str, object]) -> ValueTree:
    """A checked tree from parsed TOML: unique ids, known dimensions and kinds, one profile per scenario whose
    weights are positive, name known indicators and sum to one."""
    raw = data.get("indicators")
    if not isinstance(raw, list) or not raw:
        raise ValueError("the value tree lists no indicators")
    indicators = tuple(
        Indicator(str(i["id"]), str(i["dimension"]), str(i["name"]), str(i["kind"]), str(i.get("rubric", "")))
        for i in raw
    )
    ids = [i.id for i in indicators]
    if len(set(ids)) != len(ids):
        raise ValueError("an indicator id appears twice in the value tree")
    for i in indicators:
        if i.dimension not in DIMENSIONS or i.kind not in ("computed", "scored"):
            raise ValueError(f"indicator {i.id}: dimension must be one of {DIMENSIONS}, kind computed or scored")
    profiles_raw = data.get("profiles")
    if not isinstance(profiles_raw, dict):
        raise ValueError("the value tree has no weight profiles")
    profiles: dict[EvaluationScenario, dict[str, float]] = {}
    for scenario in EvaluationScenario:
        weights = profiles_raw.get(scenario.value)
        if not isinstance(weights, dict) or not weights:
            raise ValueError(f"the value tree has no weight profile for the scenario {scenario.value}")
        unknown = set(weights) - set(ids)
        if unknown:
            raise ValueError(f"profile {scenario.value} weights unknown indicators {sorted(unknown)}")
        if any(float(w) <= 0 for w in weights.values()):
            raise ValueError(f"profile {scenario.value}: weights are positive (leave an indicator out instead)")
        if not math.isclose(sum(float(w) for w in weights.values()), 1.0, abs_tol=1e-9):
            raise ValueError(f"profile {scenario.value}: weights sum to {sum(weights.values())}, not 1")
        profiles[scenario] = {k: float(v) for k, v in weights.items()}
    return ValueTree(
        version=str(data["version"]),
        source=str(data.get("source", "")),
        indicators=indicators,
        profiles=profiles,
        grading_scenario=EvaluationScenario(str(data.get("grading_scenario", EvaluationScenario.MANAGEMENT.value))),
    )


def load_tree(path: Path = VALUE_TREE) -> ValueTree:
    """The tree from its file."""
    return tree_from(tomllib.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class Composite:
    """The composite of one scenario and its three dimensions (None: nothing of that dimension scored)."""

    composite: float
    legal: float | None
    technical: float | None
    economic: float | None


def _weighted(
    weights: Mapping[str, float], scores: Mapping[str, float], keep: Sequence[str] | None = None
) -> float | None:
    taken = [(weights[i], s) for i, s in scores.items() if i in weights and (keep is None or i in keep)]
    total = sum(w for w, _ in taken)
    if total <= 0:
        return None
    return round(sum(w * s for w, s in taken) / total, PRECISION)


def composite(tree: ValueTree, scenario: EvaluationScenario, scores: Mapping[str, float]) -> Composite:
    """The weighted composite of ``scores`` (indicator id -> 0..100) under the scenario's profile."""
    unknown = set(scores) - tree.ids
    if unknown:
        raise ValueError(f"unknown indicators {sorted(unknown)}")
    weights = tree.profiles[scenario]
    by_dimension = {
        d: _weighted(weights, scores, [i.id for i in tree.indicators if i.dimension == d]) for d in DIMENSIONS
    }
    overall = _weighted(weights, scores)
    return Composite(overall if overall is not None else 0.0, *(by_dimension[d] for d in DIMENSIONS))


def grade_of(score: float, boundaries: Sequence[float] = DEFAULT_BOUNDARIES) -> int:
    """The tier of a composite: 1 above the first boundary, then one tier per boundary it does not exceed."""
    return 1 + sum(1 for bound in boundaries if round(score, PRECISION) <= bound)


def check_boundaries(boundaries: Sequence[float]) -> tuple[float, ...]:
    """Four strictly falling boundaries inside (0, 100), for five tiers."""
    values = tuple(float(b) for b in boundaries)
    if len(values) != 4 or any(not 0 < b < 100 for b in values) or list(values) != sorted(values, reverse=True):
        raise ValueError("grade boundaries are four falling numbers between 0 and 100, e.g. 80,60,40,20")
    return values
