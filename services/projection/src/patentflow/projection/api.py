"""The read API of patents: one patent (by id, from the store), its timeline, listings and facets (the engine)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, Field

from patentflow.contracts.identifiers import normalize_application_number
from patentflow.contracts.topics import EVALUATIONS, MATCHES
from patentflow.kit.auth import CurrentPrincipal
from patentflow.kit.errors import InvalidInput, NotFound
from patentflow.kit.mongo import Document
from patentflow.kit.ratelimit import BUSY, TOO_MANY
from patentflow.kit.routing import APPLICATION_NUMBER_PATTERN, FORBIDDEN, ServiceRouter
from patentflow.projection import queries, views
from patentflow.projection.answers import one_patent
from patentflow.projection.deps import Deps
from patentflow.projection.facts import pid_of
from patentflow.projection.filters import RATE_LIMITED, AsOf, CommonFilters, allowed, checked_as_of

router = ServiceRouter(prefix="/patents", tags=["read models"], dependencies=[RATE_LIMITED])
RESPONSES: dict[int | str, dict[str, Any]] = {**TOO_MANY, **BUSY, **FORBIDDEN}
LIMITS: dict[int | str, dict[str, Any]] = {**TOO_MANY, **BUSY}

Number = Annotated[
    str,
    Path(
        description="Application number with its check digit, e.g. 201310699744.2",
        examples=["201310699744.2"],
        json_schema_extra={"pattern": APPLICATION_NUMBER_PATTERN},
    ),
]


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
    evaluation: dict[str, Any] | None = Field(
        None, description="Counts of the enterprises' latest answers by prospect and intent, experts, grade, flags"
    )
    matching: dict[str, Any] | None = Field(
        None, description="Open matches with enterprises' demands (how many, the best score), pushes, answers by kind"
    )
    sequences: dict[str, int]


class PatentPage(BaseModel):
    """A page of patents: the items, the cursor of the next page (none at the end) and how many match."""

    items: list[dict[str, Any]]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; absent on the last one")
    total: int


class Facet(BaseModel):
    """Counts of the caller's patents by one dimension, or by two (``then``: each count names its value too)."""

    by: str
    then: str | None = None
    counts: list[dict[str, Any]]


class TimelineEntry(BaseModel):
    """One event about the patent."""

    event_id: str
    type: str
    source: str
    sequence: int
    time: str
    effective: str
    actor: str | None
    data: dict[str, Any]


class Timeline(BaseModel):
    """Every event any service published about the patent, in the order recorded, and its current encumbrances."""

    application_number: str
    encumbrances: list[str]
    events: list[TimelineEntry]


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
        evaluation=_evaluation(doc.get("evaluation")),
        matching=_matching(doc.get("matching")),
        sequences=doc.get("seq", {}),
    )


def _matching(stored: Document | None) -> Document | None:
    # Counts only, like the evaluations' answers: which enterprise it matched, was pushed to or answered is for the
    # matching service to tell those who may know.
    if stored is None:
        return None
    scores = list((stored.get("open") or {}).values())
    answers: dict[str, int] = {}
    for given in (stored.get("answers") or {}).values():
        answers[given] = answers.get(given, 0) + 1
    return {"open_matches": len(scores), "best_score": max(scores, default=None),
            "pushed": len(stored.get("pushed") or {}), "answers": dict(sorted(answers.items()))}  # fmt: skip


def _evaluation(stored: Document | None) -> Document | None:
    # Counts only: an enterprise reading a pool patent must not learn another enterprise's answer.
    if not stored:
        return None
    answers = list((stored.get("enterprises") or {}).values())
    by_prospect: dict[str, int] = {}
    by_intent: dict[str, int] = {}
    for answer in answers:
        by_prospect[str(answer["prospect"])] = by_prospect.get(str(answer["prospect"]), 0) + 1
        by_intent[answer["intent"]] = by_intent.get(answer["intent"], 0) + 1
    return {
        "enterprise_evaluations": len(answers),
        "by_prospect": dict(sorted(by_prospect.items())),
        "by_intent": dict(sorted(by_intent.items())),
        "expert_reviews": len(stored.get("experts") or []),
        "grade": stored.get("grade"),
        "high_value": stored.get("high_value"),
        "high_value_categories": stored.get("hv_flags") or [],
    }


def _shown(principal: Any, topic: str, data: Document) -> bool:
    """Whether the caller sees an event's content: evaluations are the patent's administrators' to read, and each
    enterprise's or expert's own; another enterprise sees that they happened, not what was answered."""
    if topic not in (EVALUATIONS.name, MATCHES.name) or principal.role in queries.VIEW_ROLES:
        return True
    own = {principal.scope.enterprise, principal.scope.person} - {None}
    return bool(own & {data.get("enterprise"), data.get("expert_id"), data.get("from_id")})


def _number(number: str) -> str:
    try:
        return normalize_application_number(number)
    except ValueError as exc:
        raise NotFound("no such patent") from exc


SortKey = Literal[
    "application_number",
    "-application_number",
    "filing_date",
    "-filing_date",
    "grant_date",
    "-grant_date",
    "updated_at",
    "-updated_at",
]


@router.get("", response_model=PatentPage, summary="Patents the caller may see, by cursor", responses=RESPONSES)
async def list_patents(
    principal: CurrentPrincipal,
    deps: Deps,
    filters: CommonFilters,
    as_of: AsOf = None,
    sort: Annotated[SortKey, Query(description="Sort key; '-' in front for descending")] = "application_number",
    cursor: Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    fields: Annotated[
        str | None, Query(max_length=500, description=f"Comma-separated fields of {', '.join(queries.LIST_FIELDS)}")
    ] = None,
) -> PatentPage:
    allowed(principal, queries.LISTING_ROLES)
    chosen = _fields(fields)
    day = checked_as_of(as_of, deps.clock.today())
    try:
        page = queries.page(principal, filters, sort=sort, cursor=cursor, limit=limit, fields=chosen, as_of=day)
    except queries.BadCursor as exc:
        raise InvalidInput(("cursor", str(exc)), location="query") from exc
    items, next_cursor, total = await views.listing(deps.engine, page, limit)
    return PatentPage(items=items, next_cursor=next_cursor, total=total)


def _fields(fields: str | None) -> tuple[str, ...]:
    if not fields:
        return tuple(queries.LIST_FIELDS)
    chosen = tuple(dict.fromkeys(f.strip() for f in fields.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in queries.LIST_FIELDS]
    if unknown or not chosen:
        raise InvalidInput(
            ("fields", f"unknown fields {unknown}; choose from {list(queries.LIST_FIELDS)}"), location="query"
        )
    return chosen


@router.get(
    "/facets",
    response_model=Facet,
    summary="Counts of the caller's patents by one dimension, or by two",
    responses=RESPONSES,
)
async def facets(
    principal: CurrentPrincipal,
    deps: Deps,
    filters: CommonFilters,
    by: Annotated[Literal[tuple(queries.FACETS)], Query(description="The dimension")],  # type: ignore[valid-type]
    then: Annotated[
        Literal[tuple(queries.FACETS)] | None,  # type: ignore[valid-type]
        Query(description="A second dimension: counts by both, e.g. by=ipc_class&then=grant_year"),
    ] = None,
    as_of: AsOf = None,
) -> Facet:
    allowed(principal, queries.LISTING_ROLES)
    if then == by:
        raise InvalidInput(("then", "a second dimension other than by"), location="query")
    day = checked_as_of(as_of, deps.clock.today())
    counts = await views.rows_of(deps.engine, queries.facet(principal, filters, by, day, then))
    return Facet(by=by, then=then, counts=counts)


@router.get("/{number}", response_model=PatentRead, summary="One patent's integrated view", responses=LIMITS)
async def get_patent(number: Number, principal: CurrentPrincipal, deps: Deps) -> PatentRead:
    doc = await deps.patents.get(_number(number))
    if doc is None:
        raise NotFound("no such patent")
    seen = queries.visible_in_document(principal, doc)
    if not (seen if seen is not None else await _visible(deps, principal, doc["_id"])):
        raise NotFound("no such patent")  # the same answer whether it is missing or not yours
    return _read(doc)


async def _visible(deps: Any, principal: Any, number: str) -> bool:
    # The engine decides, with the same scope as the listings (a ministry's, a bank's …).
    where = queries.base(principal, queries.Filters(), None)
    pid = pid_of(number)
    # One patent's row and its institution's facts (a write of those touches everything): kept until either changes.
    clause = queries.Clause(f"SELECT count(*) {where.sql} AND p.pid = ?", (*where.params, pid), one_patent(pid))
    return bool(await views.scalar(deps.engine, clause))


@router.get("/{number}/timeline", response_model=Timeline, summary="Every event about one patent", responses=LIMITS)
async def timeline(number: Number, principal: CurrentPrincipal, deps: Deps) -> Timeline:
    normalized = _number(number)
    if not await _visible(deps, principal, normalized):
        raise NotFound("no such patent")
    pid = pid_of(normalized)
    _, rows = await deps.engine.query(
        "SELECT id, type, source, seq, time, effective, actor, data, topic FROM live.events WHERE pid = ? ORDER BY ord, id",
        (pid,),
        one_patent(pid),
    )
    _, encumbered = await deps.engine.query(
        "SELECT encumbrances FROM live.patents WHERE pid = ?", (pid,), one_patent(pid)
    )
    entries = [
        TimelineEntry(
            event_id=r[0],
            type=r[1],
            source=r[2],
            sequence=r[3],
            time=r[4].isoformat() + "Z",
            effective=r[5].isoformat(),
            actor=r[6] if _shown(principal, r[8], data := json.loads(r[7])) else None,
            data=data if _shown(principal, r[8], data) else {},
        )
        for r in rows
    ]
    return Timeline(
        application_number=normalized, encumbrances=list(encumbered[0][0]) if encumbered else [], events=entries
    )
