"""The read-model API: the integrated patent view, filtered to what the caller's scope may see."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel

from patentflow.contracts.identifiers import normalize_application_number
from patentflow.kit.auth import CurrentPrincipal
from patentflow.kit.errors import NotFound
from patentflow.kit.mongo import Document
from patentflow.kit.routing import APPLICATION_NUMBER_PATTERN, ServiceRouter, Skip
from patentflow.projection.deps import Deps

router = ServiceRouter(prefix="/patents", tags=["read models"])


class PatentRead(BaseModel):
    """One patent in the integrated view."""

    application_number: str
    institution: str
    province: str
    patent: dict[str, Any]
    inventory: dict[str, Any] | None = None
    review_state: str | None = None
    legal_status: str | None = None
    expiry_date: str | None = None
    non_use_flagged: bool = False
    sequences: dict[str, int]


class PatentPage(BaseModel):
    """A page of the integrated view."""

    total: int
    items: list[PatentRead]


def _read(doc: Document) -> PatentRead:
    return PatentRead(
        application_number=doc["_id"],
        institution=doc["institution"],
        province=doc["province"],
        patent=doc["patent"],
        inventory=doc.get("inventory"),
        review_state=doc.get("review_state"),
        legal_status=doc.get("legal_status"),
        expiry_date=doc.get("expiry_date"),
        non_use_flagged=doc.get("non_use_flagged", False),
        sequences=doc.get("seq", {}),
    )


@router.get("/{number}", response_model=PatentRead, summary="One patent's integrated view")
async def get_patent(
    number: Annotated[
        str,
        Path(
            description="Application number with its check digit, e.g. 201310699744.2",
            examples=["201310699744.2"],
            json_schema_extra={"pattern": APPLICATION_NUMBER_PATTERN},
        ),
    ],
    principal: CurrentPrincipal,
    deps: Deps,
) -> PatentRead:
    try:
        number = normalize_application_number(number)
    except ValueError as exc:
        raise NotFound("no such patent") from exc
    doc = await deps.patents.get(number)
    if doc is None or not principal.may_see(institution=doc["institution"], province=doc["province"]):
        raise NotFound("no such patent")  # the same answer whether it is missing or not yours
    return _read(doc)


@router.get("", response_model=PatentPage, summary="Patents the caller may see")
async def list_patents(
    principal: CurrentPrincipal,
    deps: Deps,
    province: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    institution: str | None = None,
    skip: Skip = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> PatentPage:
    scope = principal.listing_filter(institution_field="institution", province_field="province")
    if scope is None:
        return PatentPage(total=0, items=[])
    query: Document = dict(scope)
    for name, value in (("province", province), ("institution", institution)):
        if value is not None:
            if name in scope and scope[name] != value:
                return PatentPage(total=0, items=[])
            query[name] = value
    total, docs = await deps.patents.page(query, skip=skip, limit=limit)
    return PatentPage(total=total, items=[_read(d) for d in docs])
