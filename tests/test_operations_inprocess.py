"""The kit's operator routes in every service, in process: health, readiness, metrics, AsyncAPI, dead letters."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from patentflow.contracts.access import Role
from patentflow.testing.inprocess import MemoryRuntime, auth, running, settings_for

SERVICES = ["inventory", "evaluation", "matching", "transactions", "pledge", "projection"]
CONSUMING = {
    "inventory": "patents-by-owner",  # its own events: each institution's patents by id, for the export
    "evaluation": "patent-replica",
    "matching": "patent-replica",
    "transactions": "patent-replica",
    "pledge": "patent-replica",
}
RECEIVES_TOO = {  # what a service consumes besides the patents, by consumer group and topic
    "evaluation": ["evaluation-industry-index-receives-evaluation-enterprises"],
    "matching": ["matching-enterprise-replica-receives-evaluation-enterprises"],
    "projection": [
        "projection-engine-receives-inventory-patents",
        "projection-engine-receives-inventory-institutions",
        "projection-engine-receives-evaluation-evaluations",
        "projection-engine-receives-matching-matches",
    ],
}


def _app(service: str) -> Any:
    settings = settings_for(importlib.import_module(f"patentflow.{service}.config").Settings)
    return importlib.import_module(f"patentflow.{service}.app").create_app(settings, runtime=MemoryRuntime(settings))


@pytest.mark.parametrize("service", SERVICES)
async def test_health_readiness_metrics_and_the_services_own_asyncapi(service: str) -> None:
    async with running(_app(service)) as running_service:
        http = running_service.http
        assert (await http.get("/health/live")).json() == {"status": "ok"}
        ready = await http.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["started"] == "ok"
        assert "patentflow_" in (await http.get("/metrics")).text
        document = (await http.get("/asyncapi.json")).json()
        receives = [k for k, v in document["operations"].items() if v["action"] == "receive"]
        expected = [f"{service}-{CONSUMING[service]}-receives-inventory-patents"] if service in CONSUMING else []
        assert sorted(receives) == sorted(expected + RECEIVES_TOO.get(service, []))


@pytest.mark.parametrize("service", [*sorted(CONSUMING), "projection"])
async def test_dead_letters_are_for_operators_and_name_the_groups_of_this_service(service: str) -> None:
    async with running(_app(service)) as running_service:
        http = running_service.http
        groups = [c.group for c in running_service.app.state.runtime.consumers]
        if service in CONSUMING:
            group = f"patentflow.{service}.{CONSUMING[service]}"
        else:  # the projection's one group is its engine's, named after the engine's file (a new file, a new group)
            (group,) = groups
            assert group.startswith("patentflow.projection.engine-"), group
        assert group in groups
        assert (await http.get("/admin/dead-letters")).status_code == 401
        assert (
            await http.get("/admin/dead-letters", headers=auth(Role.INSTITUTION_ADMIN, institution="x"))
        ).status_code == 403
        assert (await http.get("/admin/dead-letters", headers=auth(Role.OPERATOR))).json() == []
        replay = await http.post(
            "/admin/dead-letters/replay",
            params={"group": group, "subject": "201310699744.2"},
            headers=auth(Role.OPERATOR),
        )
        assert replay.json() == {"subject": "201310699744.2", "replayed": 0, "remaining": 0, "error": None}
        unknown = await http.post(
            "/admin/dead-letters/replay",
            params={"group": "patentflow.other.x", "subject": "s"},
            headers=auth(Role.NATIONAL_ADMIN),
        )
        assert unknown.status_code == 404


async def test_a_service_without_consumers_has_no_dead_letter_routes() -> None:
    import dataclasses

    from patentflow.inventory.app import create_app
    from patentflow.inventory.config import Settings
    from patentflow.inventory.deps import build

    settings = settings_for(Settings)
    app = create_app(
        settings,
        runtime=MemoryRuntime(settings),
        deps=lambda runtime: dataclasses.replace(build(runtime), consumers=[]),  # the inventory without its index
    )
    async with running(app) as running_service:
        assert (await running_service.http.get("/admin/dead-letters", headers=auth(Role.OPERATOR))).status_code == 404


@pytest.mark.parametrize("service", SERVICES)
def test_every_path_parameter_documents_its_shape_and_every_operation_its_401(service: str) -> None:
    document = _app(service).openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert "pattern" in parameter["schema"] or "enum" in parameter["schema"], (path, parameter)
            public = path.startswith(("/health/", "/metrics", "/asyncapi.json"))
            assert public or "401" in operation["responses"], (method, path)
