"""Settings of the evaluation service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from patentflow.contracts.industries import INDUSTRY_TABLE
from patentflow.evaluation.highvalue import AWARD_LIST, HIGH_VALUE_RULES
from patentflow.evaluation.scoring import DEFAULT_BOUNDARIES, VALUE_TREE, check_boundaries
from patentflow.kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Evaluation settings; every field is ``PATENTFLOW_<FIELD>``."""

    service_name: str = "evaluation"
    http_port: int = 8002
    value_tree: Path = Field(VALUE_TREE, description="The indicator tree and weight profiles (TOML), versioned")
    grade_boundaries: tuple[float, float, float, float] = Field(
        DEFAULT_BOUNDARIES, description="Composite boundaries of the five tiers, falling, e.g. [80,60,40,20]"
    )
    high_value_period: str = Field("14th-fyp", description="Plan period whose high-value categories apply")
    high_value_rules: Path = Field(HIGH_VALUE_RULES, description="High-value categories by plan period (TOML)")
    award_list: Path = Field(AWARD_LIST, description="Patents on the award lists (CSV)")
    industry_table: Path = Field(INDUSTRY_TABLE, description="IPC subclass -> SEI / GB/T 4754 table (CSV)")
    self_evaluation_due_month: int = Field(11, ge=1, le=12, description="Navigation bases report by this month's …")
    self_evaluation_due_day: int = Field(30, ge=1, le=31, description="… day (seed 002: by the end of November)")
    rectification_days: int = Field(
        90, ge=1, le=730, description="Days an 不合格 base has to rectify (the seed names none: unconfirmed)"
    )
    revalue_interval_seconds: float = Field(86_400, gt=0, description="How often every evaluated patent is revalued")

    @field_validator("grade_boundaries")
    @classmethod
    def _falling(cls, value: tuple[float, float, float, float]) -> tuple[float, ...]:
        return check_boundaries(value)
