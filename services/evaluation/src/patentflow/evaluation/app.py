"""The evaluation service's application factory: the shape every service has (``deps.py`` builds its typed
dependencies, ``handlers.py`` holds its use cases, ``*api.py`` its routes, its consumers' tables the events it reads).

So far it keeps its replica of the inventory's patent facts (``consumers.py``); its own commands and events arrive
with its issue.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from patentflow.evaluation.config import Settings
from patentflow.evaluation.deps import EvaluationDeps, build
from patentflow.kit.runtime import Runtime, Service, create_service_app


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    deps: Callable[[Runtime], Service[EvaluationDeps]] = build,
) -> FastAPI:
    """Build the app; nothing connects until its lifespan starts. Tests pass a runtime of fakes, or ``deps``."""
    return create_service_app(
        settings or Settings(),
        title="patentflow evaluation",
        description="Enterprise and expert evaluation, grading, value and high-value flags (市场评价、分级分类、价值评估).",
        build=deps,
        runtime=runtime,
    )
