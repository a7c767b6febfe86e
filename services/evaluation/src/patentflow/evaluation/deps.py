"""The evaluation service's composition root: its typed dependencies, built once from the runtime, reached by routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from patentflow.evaluation.consumers import COLLECTION, PATENT_FACTS
from patentflow.kit.readmodel import SequencedView
from patentflow.kit.runtime import Runtime, Service, dependency


@dataclass(frozen=True, kw_only=True)
class EvaluationDeps:
    """Everything evaluation's use cases and consumers need; its own stores join here with its issue."""

    patents: SequencedView  # the replica of inventory's patent facts


def build(runtime: Runtime) -> Service[EvaluationDeps]:
    """The dependencies from the runtime (no I/O), and the consumers that keep them."""
    deps = EvaluationDeps(patents=SequencedView(runtime.collection(COLLECTION), PATENT_FACTS, runtime.writes))
    return Service(deps, consumers=[deps.patents.consumer()])


Deps = Annotated[EvaluationDeps, Depends(dependency(EvaluationDeps))]
