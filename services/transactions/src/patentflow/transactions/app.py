"""The transactions service's application factory: the shape every service has (``deps.py`` builds its typed
dependencies, ``handlers.py`` holds its use cases, ``*api.py`` its routes, its consumers' tables the events it reads).

So far it keeps its replica of the inventory's patent facts (``consumers.py``); its own commands and events arrive
with its issue.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from patentflow.kit.runtime import Runtime, Service, create_service_app
from patentflow.transactions.config import Settings
from patentflow.transactions.deps import TransactionsDeps, build


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    deps: Callable[[Runtime], Service[TransactionsDeps]] = build,
) -> FastAPI:
    """Build the app; nothing connects until its lifespan starts. Tests pass a runtime of fakes, or ``deps``."""
    return create_service_app(
        settings or Settings(),
        title="patentflow transactions",
        description="Transfer registration, licence filing, open licences, equity, fee schemes, product filing (转让登记、许可备案、开放许可).",
        build=deps,
        runtime=runtime,
    )
