"""Settings of the evaluation service."""

from __future__ import annotations

from patentflow.kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Evaluation settings; every field is ``PATENTFLOW_<FIELD>``."""

    service_name: str = "evaluation"
    http_port: int = 8002
