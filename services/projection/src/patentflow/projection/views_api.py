"""The monitoring views: coverage, pool, legal status, five-year watchlist, quarterly figures against targets."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from patentflow.kit.auth import CurrentPrincipal
from patentflow.kit.errors import InvalidInput
from patentflow.kit.ratelimit import BUSY, TOO_MANY
from patentflow.kit.routing import FORBIDDEN, ServiceRouter
from patentflow.projection import queries, views
from patentflow.projection.deps import Deps
from patentflow.projection.exports import file_response
from patentflow.projection.filters import RATE_LIMITED, AsOf, CommonFilters, Format, allowed, checked_as_of

router = ServiceRouter(prefix="/views", tags=["monitoring views"], dependencies=[RATE_LIMITED])
RESPONSES: dict[int | str, dict[str, Any]] = {
    **TOO_MANY,
    **BUSY,
    **FORBIDDEN,
    200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}},
}


class View(BaseModel):
    """A view's rows, the day they hold for and when the freshest of them last changed."""

    view: str
    as_of: date | None = Field(description="The day the figures hold for; none: now, with every event so far")
    rows: list[dict[str, Any]]


def _answer(name: str, rows: list[dict[str, Any]], kind: str, as_of: date | None) -> View | Response:
    if kind == "json":
        return View(view=name, as_of=as_of, rows=rows)
    return file_response(views.flat(rows), kind, name if as_of is None else f"{name}-{as_of.isoformat()}")


@router.get(
    "/coverage",
    response_model=View,
    summary="Inventory coverage against the deadlines, per institution or province (盘点覆盖率)",
    responses=RESPONSES,
)
async def coverage(
    principal: CurrentPrincipal,
    deps: Deps,
    filters: CommonFilters,
    group: Literal["institution", "province"] = "province",
    as_of: AsOf = None,
    format: Format = "json",
) -> Any:
    allowed(principal, queries.VIEW_ROLES)
    today = deps.clock.today()
    day = checked_as_of(as_of, today)
    rows = await views.coverage(deps.engine, deps.targets, principal, filters, group, day, today)
    return _answer(f"coverage-by-{group}", rows, format, day)


PoolBy = Annotated[
    str,
    Query(
        max_length=100,
        description=f"Up to three comma-separated dimensions of {', '.join(queries.POOL_DIMENSIONS)}",
    ),
]


@router.get(
    "/pool",
    response_model=View,
    summary="The conversion pool by industry, TRL, self-assessed grade, intent … (转化资源库分类展示)",
    responses=RESPONSES,
)
async def pool(
    principal: CurrentPrincipal,
    deps: Deps,
    filters: CommonFilters,
    by: PoolBy = "sei",
    as_of: AsOf = None,
    format: Format = "json",
) -> Any:
    allowed(principal, queries.POOL_ROLES)
    chosen = list(dict.fromkeys(d.strip() for d in by.split(",") if d.strip()))
    unknown = [d for d in chosen if d not in queries.POOL_DIMENSIONS]
    if unknown or not 1 <= len(chosen) <= 3:
        raise InvalidInput(("by", f"one to three of {list(queries.POOL_DIMENSIONS)}"), location="query")
    day = checked_as_of(as_of, deps.clock.today())
    rows = await views.pool(deps.engine, principal, filters, chosen, day)
    return _answer("pool-by-" + "-".join(chosen), rows, format, day)


@router.get("/legal-status", response_model=View, summary="Patents by legal status", responses=RESPONSES)
async def legal_status(
    principal: CurrentPrincipal,
    deps: Deps,
    filters: CommonFilters,
    by: Annotated[Literal[tuple(queries.FACETS)] | None, Query(description="A second dimension")] = None,  # type: ignore[valid-type]
    as_of: AsOf = None,
    format: Format = "json",
) -> Any:
    allowed(principal, queries.VIEW_ROLES)
    _another_dimension(by, "legal_status")
    day = checked_as_of(as_of, deps.clock.today())
    rows = await views.legal_status(deps.engine, principal, filters, by, day)
    return _answer("legal-status", rows, format, day)


@router.get(
    "/evaluation-coverage",
    response_model=View,
    summary="Pool patents evaluated by enterprises and experts, per province, institution or industry (市场评价覆盖率)",
    responses=RESPONSES,
)
async def evaluation_coverage(
    principal: CurrentPrincipal,
    deps: Deps,
    filters: CommonFilters,
    group: Literal["province", "institution", "sei", "industry"] = "province",
    as_of: AsOf = None,
    format: Format = "json",
) -> Any:
    allowed(principal, queries.VIEW_ROLES)
    day = checked_as_of(as_of, deps.clock.today())
    rows = await views.evaluation_coverage(deps.engine, principal, filters, group, day)
    return _answer(f"evaluation-coverage-by-{group}", rows, format, day)


@router.get(
    "/matching-coverage",
    response_model=View,
    summary="Pool patents with an open match to an enterprise's demand, per province, institution or industry",
    responses=RESPONSES,
)
async def matching_coverage(
    principal: CurrentPrincipal,
    deps: Deps,
    filters: CommonFilters,
    group: Literal["province", "institution", "sei", "industry"] = "province",
    as_of: AsOf = None,
    format: Format = "json",
) -> Any:
    allowed(principal, queries.VIEW_ROLES)
    day = checked_as_of(as_of, deps.clock.today())
    rows = await views.matching_coverage(deps.engine, principal, filters, group, day)
    return _answer(f"matching-coverage-by-{group}", rows, format, day)


@router.get(
    "/funnel",
    response_model=View,
    summary="The match funnel (pushed → viewed → interested → negotiation → deal) per province and quarter",
    responses=RESPONSES,
)
async def funnel(
    principal: CurrentPrincipal, deps: Deps, filters: CommonFilters, as_of: AsOf = None, format: Format = "json"
) -> Any:
    allowed(principal, queries.VIEW_ROLES)
    day = checked_as_of(as_of, deps.clock.today())
    return _answer("funnel", await views.funnel(deps.engine, principal, filters, day), format, day)


@router.get(
    "/declined-reasons",
    response_model=View,
    summary="Why enterprises declined pushed patents, by reason (what institutions need to improve)",
    responses=RESPONSES,
)
async def declined_reasons(
    principal: CurrentPrincipal, deps: Deps, filters: CommonFilters, as_of: AsOf = None, format: Format = "json"
) -> Any:
    allowed(principal, queries.VIEW_ROLES)
    day = checked_as_of(as_of, deps.clock.today())
    return _answer("declined-reasons", await views.declined_reasons(deps.engine, principal, filters, day), format, day)


@router.get("/grades", response_model=View, summary="Patents by grade, and high-value patents", responses=RESPONSES)
async def grades(
    principal: CurrentPrincipal,
    deps: Deps,
    filters: CommonFilters,
    by: Annotated[Literal[tuple(queries.FACETS)] | None, Query(description="A second dimension")] = None,  # type: ignore[valid-type]
    as_of: AsOf = None,
    format: Format = "json",
) -> Any:
    allowed(principal, queries.VIEW_ROLES)
    _another_dimension(by, "grades")
    day = checked_as_of(as_of, deps.clock.today())
    rows = await views.grades(deps.engine, principal, filters, by, day)
    return _answer("grades", rows, format, day)


@router.get(
    "/evaluation-answers",
    response_model=View,
    summary="Enterprises' latest answers by industrialisation prospect or cooperation intent (no enterprise named)",
    responses=RESPONSES,
)
async def evaluation_answers(
    principal: CurrentPrincipal,
    deps: Deps,
    filters: CommonFilters,
    by: Literal["prospect", "intent"] = "prospect",
    as_of: AsOf = None,
    format: Format = "json",
) -> Any:
    allowed(principal, queries.VIEW_ROLES)
    day = checked_as_of(as_of, deps.clock.today())
    rows = await views.answers(deps.engine, principal, filters, by, day)
    return _answer(f"evaluation-answers-by-{by}", rows, format, day)


class Watchlist(BaseModel):
    """A page of the five-year watchlist."""

    as_of: date | None
    total: int
    rows: list[dict[str, Any]]
    next_cursor: str | None


@router.get(
    "/five-year",
    response_model=Watchlist,
    summary="State-funded patents unused five years after grant, not justified (五年未实施)",
    responses=RESPONSES,
)
async def five_year(
    principal: CurrentPrincipal,
    deps: Deps,
    filters: CommonFilters,
    as_of: AsOf = None,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,19}$", description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    format: Format = "json",
) -> Any:
    allowed(principal, queries.VIEW_ROLES)
    day = checked_as_of(as_of, deps.clock.today())
    after = int(cursor) if cursor else 0
    if format != "json":
        # A file holds the whole watchlist from the cursor on, not one page of it.
        everything: list[dict[str, Any]] = []
        position: int | None = after
        while position is not None:
            rows, position, _ = await views.five_year(deps.engine, principal, filters, day, 10_000, position)
            everything += rows
        name = "five-year-watchlist" + ("" if day is None else f"-{day.isoformat()}")
        return file_response(views.flat(everything), format, name)
    rows, last, total = await views.five_year(deps.engine, principal, filters, day, limit, after)
    return Watchlist(as_of=day, total=total, rows=rows, next_cursor=None if last is None else str(last))


def _quarter(text: str, end: bool) -> date:
    year, quarter = int(text[:4]), int(text[-1])
    if not end:
        return date(year, 3 * quarter - 2, 1)
    following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return following - timedelta(days=1)


Quarter = Annotated[str, Query(pattern=r"^20\d{2}Q[1-4]$", description="A quarter, e.g. 2026Q1")]


@router.get(
    "/quarterly",
    response_model=dict[str, Any],
    summary="Quarterly figures and region targets against actuals (按季度统计)",
    responses=RESPONSES,
)
async def quarterly(
    principal: CurrentPrincipal,
    deps: Deps,
    filters: CommonFilters,
    start: Annotated[Quarter, Query(alias="from")] = "2024Q1",
    end: Annotated[Quarter, Query(alias="to")] = "2025Q4",
    metric: Annotated[str | None, Query(max_length=300, description="Comma-separated metrics; default all")] = None,
    as_of: AsOf = None,
    format: Format = "json",
) -> Any:
    allowed(principal, queries.VIEW_ROLES)
    day = checked_as_of(as_of, deps.clock.today())
    names = [m.strip() for m in metric.split(",")] if metric else list(deps.targets.metrics)
    unknown = [m for m in names if m not in deps.targets.metrics]
    if unknown:
        raise InvalidInput(
            ("metric", f"unknown metrics {unknown}; choose from {list(deps.targets.metrics)}"), location="query"
        )
    first, last = _quarter(start, end=False), _quarter(end, end=True)
    if first > last or (last.year - first.year) > 20:
        raise InvalidInput(("to", "must be a quarter at or after 'from', within 20 years"), location="query")
    answer = await views.quarterly(
        deps.engine, deps.targets, set(deps.known_events), principal, filters, names, first, last, day
    )
    if format == "json":
        return answer
    name = f"quarterly-{start}-{end}" + ("" if day is None else f"-{day.isoformat()}")
    return file_response(views.flat(views.quarterly_table(answer)), format, name)


def _another_dimension(by: str | None, view: str) -> None:
    """A second dimension must be another than the view's own (its column would be named twice, one lost)."""
    if by in queries.OWN_DIMENSIONS[view]:
        raise InvalidInput(
            ("by", f"{by} is what this view counts by already; choose another dimension"), location="query"
        )
