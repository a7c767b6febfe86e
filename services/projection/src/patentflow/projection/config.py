"""Settings of the projection service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from patentflow.contracts.industries import INDUSTRY_TABLE
from patentflow.kit.settings import ServiceSettings
from patentflow.projection.reference import TARGETS_FILE


class Settings(ServiceSettings):
    """Projection settings; every field is ``PATENTFLOW_<FIELD>``."""

    service_name: str = "projection"
    http_port: int = 8006
    engine_dir: Path | None = Field(
        Path(".data/projection"),
        description="Where the query engine keeps its DuckDB files (one per generation); empty: in memory only",
    )
    engine_instance: str = Field(
        "main",
        pattern=r"^[a-z0-9-]{1,40}$",
        description="Name of this instance's engine: each instance of a cluster reads every partition in its own "
        "consumer group (patentflow.projection.engine-<name>) and answers from its own copy",
    )
    engine_threads: int = Field(2, ge=1, le=64, description="DuckDB worker threads")
    industry_table: Path = Field(INDUSTRY_TABLE, description="IPC subclass -> SEI / GB/T 4754 table (CSV)")
    targets_file: Path = Field(TARGETS_FILE, description="Coverage deadlines, region targets and metrics (TOML)")
    read_rate_per_second: float = Field(100.0, gt=0, description="Read requests per second per token")
    read_burst: int = Field(200, ge=1, description="Read requests a token may send at once")
    # At 200 requests/s answered from memory a handful are under way; 32 is reached when answers are computed more
    # slowly than they are asked for (4 reader threads at 20 - 60 ms each).
    read_in_flight: int = Field(
        32, ge=1, description="Read requests under way at once; one more is answered 503 with Retry-After at once"
    )
    # Readers wait on the engine, so it fetches more promptly than the kit's replicas; not at 50 ms: a write costs the
    # engine about 20 ms whatever its size (measured at 3 000 patents, 50 rows), so fetching every 150 ms cut the
    # projection's CPU by a third under 1 000 events/s, and its lag alone stayed p99 495 ms.
    consumer_fetch_wait_ms: int = Field(
        150, ge=1, le=500, description="How long the broker holds a fetch that finds no new records"
    )
    consumer_fetch_min_bytes: int = Field(
        256 * 1024, ge=1, description="How many bytes the broker waits for (at most the fetch wait) before it answers"
    )
