"""The inventory service's application factory."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from patentflow.inventory import api, imports_api, operations_api, registry_api
from patentflow.inventory.config import Settings
from patentflow.inventory.deps import InventoryDeps, build
from patentflow.kit.runtime import Runtime, Service, create_service_app


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    deps: Callable[[Runtime], Service[InventoryDeps]] = build,
) -> FastAPI:
    """Build the app; nothing connects until its lifespan starts. Tests pass a runtime of fakes, or ``deps``."""
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="patentflow inventory",
        description="Stock patents of institutions (盘点): master records, inventory, review, conversion pool.",
        build=deps,
        routers=[api.router, registry_api.router, imports_api.router, operations_api.router],
        runtime=runtime,
        upload_paths=["/imports"],
    )
