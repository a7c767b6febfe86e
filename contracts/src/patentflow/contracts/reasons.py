"""Stable reason codes for refused commands (HTTP 409), each with its legal source where one applies."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReasonCode(StrEnum):
    """Machine-readable reason a command was refused; stable across releases."""

    PATENT_ALREADY_RECORDED = "PATENT_ALREADY_RECORDED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    CONCURRENT_MODIFICATION = "CONCURRENT_MODIFICATION"


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason code with its human text and, where the rule comes from law or policy, the source."""

    code: ReasonCode
    message: str
    legal_source: str | None = None


REASONS: dict[ReasonCode, Reason] = {
    r.code: r
    for r in (
        Reason(ReasonCode.PATENT_ALREADY_RECORDED, "this application number is already recorded"),
        Reason(ReasonCode.IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key was used before with a different request"),
        Reason(ReasonCode.CONCURRENT_MODIFICATION, "the record changed while the command ran; retry it"),
    )
}
