"""Settings of the pledge service."""

from __future__ import annotations

from patentflow.kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Pledge settings; every field is ``PATENTFLOW_<FIELD>``."""

    service_name: str = "pledge"
    http_port: int = 8005
