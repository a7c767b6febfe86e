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
    sweep_lookback_days: int = Field(
        7,
        ge=1,
        le=366,
        description="Days before the last pass that each pass reads again, for patents whose due day was filed late"
        " (``due.py``)",
    )
    import_dir: Path = Field(
        Path(tempfile.gettempdir()) / "patentflow-imports", description="Uploaded files while imported"
    )
    import_max_rows: int = Field(200_000, ge=1, description="Rows one import file may have")
    import_max_columns: int = Field(100, ge=10, description="Columns one import file may have")
    import_max_cell_chars: int = Field(20_000, ge=100, description="Characters one cell may hold")
    import_max_unpacked_bytes: int = Field(500 << 20, ge=1 << 20, description="What an .xlsx may unpack to")
    import_max_errors: int = Field(10_000, ge=1, description="Bad rows reported one by one; past this, counted only")
