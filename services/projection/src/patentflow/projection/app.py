"""The projection service's application factory."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from patentflow.contracts import topics
from patentflow.kit.runtime import ConsumerSpec, Runtime, create_service_app
from patentflow.projection import api
from patentflow.projection.config import Settings
from patentflow.projection.patents import COLLECTION, PatentView


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing connects until its lifespan starts."""
    settings = settings or Settings()

    def consumers(runtime: Runtime) -> Sequence[ConsumerSpec]:
        patents = PatentView(runtime.db[COLLECTION], runtime.writes)
        runtime.services["patents"] = patents
        return [ConsumerSpec("patents", [topics.PATENTS.name], patents.apply)]

    async def on_startup(runtime: Runtime) -> None:
        view = runtime.services["patents"]
        assert isinstance(view, PatentView)
        await view.ensure_indexes()

    return create_service_app(
        settings,
        title="patentflow projection",
        description="Cross-service read models and monitoring views (数据集成、监测统计).",
        routers=[api.router],
        consumers=consumers,
        on_startup=on_startup,
    )
