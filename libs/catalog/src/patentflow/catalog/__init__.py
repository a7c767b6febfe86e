"""The platform as a whole: its services and the event tables of their consumers, gathered for the contract.

Services never import each other; this package imports all of them (and is imported by none) to write the
platform's AsyncAPI document with every producer and consumer, and to check that no table forgets an event.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from patentflow.contracts.schema import Receive
from patentflow.contracts.topics import Service
from patentflow.kit.eventmap import EventMap, receives_of


def _consumers_module(service: Service) -> ModuleType | None:
    try:
        return importlib.import_module(f"patentflow.{service.value}.consumers")
    except ModuleNotFoundError as missing:
        if missing.name != f"patentflow.{service.value}.consumers":
            raise
        return None  # a service that consumes nothing


def tables() -> dict[Service, tuple[EventMap, ...]]:
    """Every service's consumer tables (``patentflow.<service>.consumers.TABLES``)."""
    found: dict[Service, tuple[EventMap, ...]] = {}
    for service in Service:
        module = _consumers_module(service)
        if module is not None:
            found[service] = tuple(module.TABLES)
    return found


def receives() -> list[Receive]:
    """The receive operations of the whole platform."""
    return [receive for service, maps in tables().items() for receive in receives_of(service.value, maps)]
