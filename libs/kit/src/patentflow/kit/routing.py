"""The router every service's API is built on: authenticated routes (the gate in ``kit.auth`` has already refused a
missing token before anything was read), and every status a route can answer documented in its OpenAPI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.params import Depends as DependsParam
from pydantic import BaseModel, Field

from patentflow.contracts.identifiers import normalize_application_number, normalize_credit_code
from patentflow.kit.auth import current_principal

COMMANDS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Problem(BaseModel):
    """An error answer."""

    detail: str = Field(description="What is wrong")


class Refusal(BaseModel):
    """Why a rule refuses a command."""

    reason: str = Field(description="Stable reason code (contracts/…/reasons.py)")
    message: str = Field(description="What the rule says, for people")
    legal_source: str | None = Field(None, description="The statute or programme clause the rule follows")
    context: dict[str, Any] | None = Field(None, description="The values the rule looked at")


class RefusalAnswer(BaseModel):
    """The 409 answer."""

    detail: Refusal


UNAUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No bearer token, or an invalid or expired one"}
}
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "You may see this record but not do this"}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such record, or not one you may see (answered alike)"}
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": RefusalAnswer, "description": "A rule refuses the command; nothing was stored"}
}
MALFORMED_FORM: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The multipart form is malformed (an upload that is no form)"}
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "The body is larger than this service accepts"}
}


class ServiceRouter(APIRouter):
    """An ``APIRouter`` whose routes authenticate first and document the statuses they can answer.

    Commands (POST, PUT, PATCH, DELETE) may also answer 403, 409 and 413; a path with parameters 404. A route adds
    any further status through ``responses`` (for example 403 on a query only some roles may ask).
    """

    def __init__(
        self, *, prefix: str = "", tags: Sequence[str] = (), dependencies: Sequence[DependsParam] = ()
    ) -> None:
        super().__init__(
            prefix=prefix,
            tags=list(tags),
            dependencies=[Depends(current_principal), *dependencies],
        )

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        """Add the documented statuses, then the route."""
        methods = {m.upper() for m in kwargs.get("methods") or ("GET",)}
        documented: dict[int | str, dict[str, Any]] = {**UNAUTHENTICATED}
        if "{" in self.prefix + path:
            documented.update(NOT_FOUND)
        if methods & COMMANDS:
            documented.update({**FORBIDDEN, **CONFLICT, **TOO_LARGE})
        kwargs["responses"] = {**documented, **(kwargs.get("responses") or {})}
        super().add_api_route(path, endpoint, **kwargs)


MAX_SKIP = 10_000_000  # the store sees this number: bounded like every integer a request brings
Skip = Annotated[int, Query(ge=0, le=MAX_SKIP, description="Items to skip (at most 10 000 000)")]


# What a path parameter looks like, for the OpenAPI document: it is validated further (check digits) by the route.
APPLICATION_NUMBER_PATTERN = r"^\s*(?:[Zz][Ll]|[Cc][Nn])?\s*[0-9][0-9 ]{7,15}\.?\s*[0-9Xx]\s*$"
CREDIT_CODE_PATTERN = r"^\s*[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{18}\s*$"


def application_number(
    number: Annotated[
        str,
        Path(
            description="Application number with its check digit, e.g. 201310699744.2 (ZL/CN prefixes accepted)",
            examples=["201310699744.2"],
            json_schema_extra={"pattern": APPLICATION_NUMBER_PATTERN},
        ),
    ],
) -> str:
    """The ``{number}`` of a path, normalised; 422 naming it when its check digit is wrong."""
    try:
        return normalize_application_number(number)
    except ValueError as exc:
        raise HTTPException(422, [{"loc": ["path", "number"], "msg": str(exc), "type": "value_error"}]) from exc


def credit_code(
    code: Annotated[
        str,
        Path(
            description="Unified social credit code with its check character, e.g. 12100000400000624D",
            examples=["12100000400000624D"],
            json_schema_extra={"pattern": CREDIT_CODE_PATTERN},
        ),
    ],
) -> str:
    """The ``{code}`` of a path, normalised; 422 naming it when its check character is wrong."""
    try:
        return normalize_credit_code(code)
    except ValueError as exc:
        raise HTTPException(422, [{"loc": ["path", "code"], "msg": str(exc), "type": "value_error"}]) from exc


NumberPath = Annotated[str, Depends(application_number)]
CodePath = Annotated[str, Depends(credit_code)]
