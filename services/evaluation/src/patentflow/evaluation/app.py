"""The evaluation service's application factory: the shape every service has (``deps.py`` builds its typed
dependencies, ``handlers.py`` holds its use cases, ``api.py`` its routes, ``evaluations.py`` and ``registry.py`` its
rules, ``reactions.py`` what it does with the inventory's events)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from patentflow.evaluation import api
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
        routers=[api.registry, api.patents, api.navigation],
        runtime=runtime,
    )
