"""Settings of the inventory service."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import Field

from patentflow.kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Inventory settings; every field is ``PATENTFLOW_<FIELD>``."""

    service_name: str = "inventory"
    http_port: int = 8001
    sweep_interval_seconds: float = Field(86_400, gt=0, description="How often expiry and the five-year rule run")
    import_dir: Path = Field(
        Path(tempfile.gettempdir()) / "patentflow-imports", description="Uploaded files while imported"
    )
