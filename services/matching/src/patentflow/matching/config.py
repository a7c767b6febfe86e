"""Settings of the matching service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from patentflow.contracts.industries import INDUSTRY_TABLE
from patentflow.kit.settings import ServiceSettings
from patentflow.matching.engine import RANKING
from patentflow.matching.text import STOP_WORDS, TERMS


class Settings(ServiceSettings):
    """Matching settings; every field is ``PATENTFLOW_<FIELD>``."""

    service_name: str = "matching"
    http_port: int = 8003
    matching_terms: Path = Field(TERMS, description="The tokeniser's domain dictionary (one term per line)")
    matching_stopwords: Path = Field(STOP_WORDS, description="Words that are never index terms")
    matching_ranking: Path = Field(RANKING, description="Ranking weights, IPC levels, candidates, min score (TOML)")
    matching_index_dir: Path | None = Field(
        None, description="Where the engine's indexes live (a cache, rebuilt at start); none: a temporary directory"
    )
    industry_table: Path = Field(INDUSTRY_TABLE, description="IPC subclass -> SEI / GB/T 4754 table (CSV)")
    matches_per_demand: int = Field(20, ge=1, le=200, description="Patents a new demand is matched to at most")
    push_interval_seconds: float = Field(3600, gt=0, description="How often enterprises due a push are pushed")
    expiry_interval_seconds: float = Field(3600, gt=0, description="How often open demands are checked for expiry")
