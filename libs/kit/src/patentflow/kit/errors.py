"""Exceptions a command raises when it must be refused; the HTTP layer turns them into 409 with a reason code."""

from __future__ import annotations

from typing import Any

from patentflow.contracts.reasons import REASONS, Reason, ReasonCode


class RuleViolation(Exception):
    """A command breaks a domain rule; nothing is stored and nothing is published."""

    def __init__(self, code: ReasonCode, detail: str | None = None, **context: Any) -> None:
        self.reason: Reason = REASONS[code]
        self.detail = detail
        self.context = context
        super().__init__(f"{code}: {detail or self.reason.message}")

    def body(self) -> dict[str, Any]:
        """The JSON body of the 409 answer."""
        out: dict[str, Any] = {"reason": self.reason.code.value, "message": self.detail or self.reason.message}
        if self.reason.legal_source:
            out["legal_source"] = self.reason.legal_source
        if self.context:
            out["context"] = self.context
        return out


class NotFound(Exception):
    """The record does not exist, or the caller may not know that it exists (answered alike: 404)."""


class Forbidden(Exception):
    """The caller may see the record but not do this to it (403)."""


class InvalidInput(ValueError):
    """Fields of a command that fail a check the wire model cannot make (one needing the service's clock or
    its records); answered 422 in the same shape as a validation error, each field named."""

    def __init__(self, *problems: tuple[str, str], location: str = "body") -> None:
        self.problems = problems
        self.location = location
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in problems))

    def detail(self) -> list[dict[str, object]]:
        """The ``detail`` of the 422 answer."""
        return [{"loc": [self.location, name], "msg": reason, "type": "value_error"} for name, reason in self.problems]
