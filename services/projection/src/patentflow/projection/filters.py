"""The query parameters every listing and view shares: filters, as-of day, output format; and who may ask."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from patentflow.contracts.access import Role
from patentflow.contracts.events.common import PatentType
from patentflow.contracts.events.inventory_enums import LegalStatus, ReviewState
from patentflow.kit.auth import CurrentPrincipal
from patentflow.kit.errors import Forbidden, InvalidInput
from patentflow.kit.principal import Principal
from patentflow.kit.ratelimit import TokenBuckets, limited_by
from patentflow.kit.routing import CREDIT_CODE_PATTERN
from patentflow.projection.queries import Filters


def _reads(request: Request) -> TokenBuckets | None:
    deps = getattr(request.app.state, "deps", None)
    return getattr(deps, "reads", None)


RATE_LIMITED = limited_by(_reads)  # (the in-flight limit comes before routing: ``deps.READ_PATHS``)


def common_filters(
    province: Annotated[str | None, Query(pattern=r"^\d{6}$", description="GB/T 2260 province code")] = None,
    institution: Annotated[
        str | None, Query(pattern=CREDIT_CODE_PATTERN, description="Institution credit code")
    ] = None,
    ministry: Annotated[str | None, Query(max_length=50, description="Supervising ministry, e.g. MoE")] = None,
    sei: Annotated[str | None, Query(pattern=r"^\d{1,4}$", description="Strategic emerging industry code")] = None,
    industry: Annotated[str | None, Query(pattern=r"^\d{2,4}$", description="GB/T 4754 division (2 digits)")] = None,
    patent_type: PatentType | None = None,
    institution_type: Annotated[
        Literal["pilot", "demonstration", "other"] | None,
        Query(description="A national IP pilot (试点) or demonstration (示范) institution, or another one"),
    ] = None,
    review_state: ReviewState | None = None,
    legal_status: LegalStatus | None = None,
    state_funded: bool | None = None,
    five_year_flagged: bool | None = None,
    ipc: Annotated[str | None, Query(pattern=r"^[A-Ha-h](\d{2}([A-Za-z](\s?\d{1,4}(/\d{0,6})?)?)?)?$")] = None,
) -> Filters:
    """The filters of the query string."""
    return Filters(
        province=province,
        institution=institution.strip().upper() if institution else None,
        ministry=ministry,
        sei=sei,
        industry=industry,
        patent_type=patent_type.value if patent_type else None,
        institution_type=institution_type,
        review_state=review_state.value if review_state else None,
        legal_status=legal_status.value if legal_status else None,
        state_funded=state_funded,
        five_year_flagged=five_year_flagged,
        ipc=ipc.replace(" ", "").upper() if ipc else None,
    )


CommonFilters = Annotated[Filters, Depends(common_filters)]
AsOf = Annotated[
    date | None,
    Query(description="Answer as of the end of this day: a replay of the events effective on or before it"),
]
Format = Annotated[Literal["json", "csv", "xlsx"], Query(description="json, or a download as CSV or .xlsx")]


def checked_as_of(as_of: date | None, today: date) -> date | None:
    """A past or present day; a future one is refused (nothing is known of it yet)."""
    if as_of is not None and as_of > today:
        raise InvalidInput(("as_of", f"must not be after today ({today.isoformat()})"), location="query")
    return as_of


def allowed(principal: Principal, roles: frozenset[Role]) -> Principal:
    """The caller, if its role may read this kind of answer (403 names no data, so it leaks none)."""
    if principal.role not in roles:
        raise Forbidden(f"the {principal.role.value} role has no access to this view")
    return principal


__all__ = ["RATE_LIMITED", "AsOf", "CommonFilters", "CurrentPrincipal", "Format", "allowed", "checked_as_of"]
