"""Reference data the views load rather than hard-code: the IPC -> industry table and the targets; no I/O but files."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "reference"
TARGETS_FILE = HERE / "targets.toml"


@dataclass(frozen=True, slots=True)
class Milestone:
    """An inventory-coverage deadline: the share pilot / demonstration and other institutions must have reached."""

    deadline: date
    pilot: float
    other: float
    source: str


@dataclass(frozen=True, slots=True)
class Metric:
    """What a quarterly figure counts: rows of these event names, as distinct patents, events, or a sum of a field."""

    name: str
    events: tuple[str, ...]
    count: str  # "patents" | "events" | "sum"
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """A region's target for one metric over a period, with its source."""

    region: str  # "national" or a GB/T 2260 province code
    metric: str
    value: float
    kind: str  # "count" | "amount" | "share_of_stock"
    start: date
    by: date
    source: str


@dataclass(frozen=True, slots=True)
class Targets:
    """Everything ``targets.toml`` configures."""

    milestones: tuple[Milestone, ...]
    metrics: dict[str, Metric]
    targets: tuple[Target, ...]


def load_targets(path: Path = TARGETS_FILE) -> Targets:
    """Read and check a targets file; a target naming an unknown metric is an error, not a silent zero."""
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    metrics = {
        name: Metric(name, tuple(spec["events"]), spec.get("count", "events"), spec.get("field"))
        for name, spec in data.get("metrics", {}).items()
    }
    for metric in metrics.values():
        if metric.count not in ("patents", "events", "sum") or (metric.count == "sum") != (metric.field is not None):
            raise ValueError(f"{path}: metric {metric.name} must count patents, events, or sum a field")
    targets = tuple(
        Target(t["region"], t["metric"], float(t["value"]), t.get("kind", "count"), t["from"], t["by"], t["source"])
        for t in data.get("target", [])
    )
    unknown = sorted({t.metric for t in targets} - set(metrics) - {"inventoried"})
    if unknown:
        raise ValueError(f"{path}: targets name unknown metrics {unknown}")
    milestones = tuple(
        Milestone(m["deadline"], float(m["pilot"]), float(m["other"]), m["source"]) for m in data.get("coverage", [])
    )
    return Targets(tuple(sorted(milestones, key=lambda m: m.deadline)), metrics, targets)
