"""Settings of the inventory service."""

from __future__ import annotations

from patentflow.kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Inventory settings; every field is ``PATENTFLOW_<FIELD>``."""

    service_name: str = "inventory"
    http_port: int = 8001
