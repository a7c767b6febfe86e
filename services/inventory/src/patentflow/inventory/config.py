"""Settings of the inventory service."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from pydantic import Field, model_validator

from patentflow.kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Inventory settings; every field is ``PATENTFLOW_<FIELD>``."""

    service_name: str = "inventory"
    http_port: int = 8001
    sweep_interval_seconds: float = Field(86_400, gt=0, description="How often expiry and the five-year rule run")
    import_dir: Path = Field(
        Path(tempfile.gettempdir()) / "patentflow-imports", description="Uploaded files while imported"
    )
    today: date | None = Field(
        None, description="A fixed day instead of the calendar (tests, what-if); not in production"
    )

    @model_validator(mode="after")
    def _no_fixed_day_in_production(self) -> Settings:
        if self.today is not None and self.environment == "production":
            raise ValueError("PATENTFLOW_TODAY must not be set in production")
        return self
