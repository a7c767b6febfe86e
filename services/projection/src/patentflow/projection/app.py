"""The projection service's application factory."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from patentflow.kit.runtime import Runtime, Service, create_service_app
from patentflow.projection import api, engine_api, views_api
from patentflow.projection.config import Settings
from patentflow.projection.deps import ProjectionDeps, build


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    deps: Callable[[Runtime], Service[ProjectionDeps]] = build,
) -> FastAPI:
    """Build the app; nothing connects until its lifespan starts. Tests pass a runtime of fakes, or ``deps``."""
    return create_service_app(
        settings or Settings(),
        title="patentflow projection",
        description="Cross-service read models and monitoring views (数据集成、监测统计).",
        build=deps,
        routers=[api.router, views_api.router, engine_api.router],
        runtime=runtime,
    )
