"""The matching service's composition root: its typed dependencies, built once from the runtime, reached by routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from patentflow.kit.readmodel import SequencedView
from patentflow.kit.runtime import Runtime, Service, dependency
from patentflow.matching.consumers import COLLECTION, PATENT_FACTS


@dataclass(frozen=True, kw_only=True)
class MatchingDeps:
    """Everything matching's use cases and consumers need; its own stores join here with its issue."""

    patents: SequencedView  # the replica of inventory's patent facts


def build(runtime: Runtime) -> Service[MatchingDeps]:
    """The dependencies from the runtime (no I/O), and the consumers that keep them."""
    deps = MatchingDeps(patents=SequencedView(runtime.collection(COLLECTION), PATENT_FACTS, runtime.writes))
    return Service(deps, consumers=[deps.patents.consumer()])


Deps = Annotated[MatchingDeps, Depends(dependency(MatchingDeps))]
