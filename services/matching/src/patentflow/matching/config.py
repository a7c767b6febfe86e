"""Settings of the matching service."""

from __future__ import annotations

from patentflow.kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Matching settings; every field is ``PATENTFLOW_<FIELD>``."""

    service_name: str = "matching"
    http_port: int = 8003
