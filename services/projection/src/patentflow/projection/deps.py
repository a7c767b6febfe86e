"""The projection's composition root: its read models, built once from the runtime, reached by routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from patentflow.kit.runtime import Runtime, Service, dependency
from patentflow.projection.patents import COLLECTION, PatentView


@dataclass(frozen=True, kw_only=True)
class ProjectionDeps:
    """Everything the read-model API and the consumers need."""

    patents: PatentView

    async def start(self) -> None:
        """Indexes of the views."""
        await self.patents.ensure_indexes()


def build(runtime: Runtime) -> Service[ProjectionDeps]:
    """The projection's views from the runtime (no I/O), and the consumers that keep them."""
    deps = ProjectionDeps(patents=PatentView(runtime.collection(COLLECTION), runtime.writes))
    return Service(deps, consumers=[deps.patents.consumer()], start=deps.start)


Deps = Annotated[ProjectionDeps, Depends(dependency(ProjectionDeps))]
