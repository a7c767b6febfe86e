"""The matching service's application factory: the shape every service has (``deps.py`` builds its typed
dependencies, ``handlers.py`` holds its use cases, ``*api.py`` its routes, its consumers' tables the events it reads).

It keeps replicas of the inventory's patents and of the enterprise registry (``consumers.py``), matches demands
with pool patents in its engine (``engine.py``) and publishes demands and matches (``contracts/``).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from patentflow.kit.runtime import Runtime, Service, create_service_app
from patentflow.matching import api
from patentflow.matching.config import Settings
from patentflow.matching.deps import MatchingDeps, build


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    deps: Callable[[Runtime], Service[MatchingDeps]] = build,
) -> FastAPI:
    """Build the app; nothing connects until its lifespan starts. Tests pass a runtime of fakes, or ``deps``."""
    return create_service_app(
        settings or Settings(),
        title="patentflow matching",
        description="Enterprise demands matched with pool patents, pushed by province and industry (匹配推送、供需对接).",
        build=deps,
        routers=[api.demands, api.patents, api.pushes, api.sessions],
        runtime=runtime,
    )
