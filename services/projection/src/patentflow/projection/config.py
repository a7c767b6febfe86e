"""Settings of the projection service."""

from __future__ import annotations

from patentflow.kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Projection settings; every field is ``PATENTFLOW_<FIELD>``."""

    service_name: str = "projection"
    http_port: int = 8006
