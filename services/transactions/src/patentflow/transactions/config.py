"""Settings of the transactions service."""

from __future__ import annotations

from patentflow.kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Transactions settings; every field is ``PATENTFLOW_<FIELD>``."""

    service_name: str = "transactions"
    http_port: int = 8004
