"""The monitoring views and listings: run the queries of ``queries.py`` on the engine and shape their answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from patentflow.contracts.access import Role
from patentflow.kit.principal import Principal
from patentflow.projection import queries
from patentflow.projection.engine import Engine
from patentflow.projection.queries import Clause, Filters
from patentflow.projection.reference import Targets

Row = dict[str, Any]


async def rows_of(engine: Engine, clause: Clause) -> list[Row]:
    """The rows of a query as dictionaries; the engine's times are UTC, and say so."""
    names, rows = await engine.query(clause.sql, clause.params, clause.depends)
    return [{n: _utc(v) for n, v in zip(names, row, strict=True)} for row in rows]


def _utc(value: Any) -> Any:
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value


async def scalar(engine: Engine, clause: Clause) -> Any:
    """The single value of a query."""
    _, rows = await engine.query(clause.sql, clause.params, clause.depends)
    return rows[0][0]


async def listing(engine: Engine, page: queries.Page, limit: int) -> tuple[list[Row], str | None, int]:
    """A page of patents, the cursor of the next one (None at the end) and the total."""
    found = await rows_of(engine, page.rows)
    total = int(await scalar(engine, page.total))
    more = len(found) > limit
    found = found[:limit]
    cursor = queries.encode_cursor(page.sort, found[-1]["_key"], found[-1]["_pid"]) if more and found else None
    for row in found:
        del row["_key"], row["_pid"]
    return found, cursor, total


async def coverage(
    engine: Engine,
    targets: Targets,
    principal: Principal,
    filters: Filters,
    group: str,
    as_of: date | None,
    today: date,
) -> list[Row]:
    """Coverage per institution or province, each row with the deadlines it is measured against.

    An institution is judged against its own target (pilot and demonstration institutions one, the others another);
    a province mixes both, so its row counts its institutions that met each deadline, and it has met a deadline
    when every institution of it with stock has.
    """
    found = await rows_of(engine, queries.coverage(principal, filters, group, as_of))
    day = as_of or today
    for row in found:
        stock = row["stock_valid"]
        row["coverage"] = round(row["inventoried"] / stock, 4) if stock else None
    if group == "institution":
        for row in found:
            for milestone in targets.milestones:
                # Pilot and demonstration institutions share the stricter target (both 100 % by 2024-06-30).
                target = milestone.other if row["institution_type"] == "other" else milestone.pilot
                met = None if row["coverage"] is None else row["coverage"] >= target
                key = milestone.deadline.isoformat()
                row[f"target_{key}"] = target
                row[f"status_{key}"] = _status(met, day >= milestone.deadline)
        return found
    institutions = await coverage(engine, targets, principal, filters, "institution", as_of, today)
    for row in found:
        own = [i for i in institutions if i["province"] == row["province"] and i["coverage"] is not None]
        for milestone in targets.milestones:
            key = milestone.deadline.isoformat()
            statuses = [i[f"status_{key}"] for i in own]
            row[f"institutions_met_{key}"] = statuses.count("met")
            row[f"institutions_judged_{key}"] = len(statuses)
            met = None if not statuses else all(status == "met" for status in statuses)
            row[f"status_{key}"] = _status(met, day >= milestone.deadline)
    return found


def _status(met: bool | None, due: bool) -> str | None:
    if met is None:
        return None
    if met:
        return "met"
    return "missed" if due else "pending"


async def pool(
    engine: Engine, principal: Principal, filters: Filters, by: Sequence[str], as_of: date | None
) -> list[Row]:
    """The conversion pool by the chosen dimensions."""
    return await rows_of(engine, queries.pool(principal, filters, by, as_of))


async def legal_status(
    engine: Engine, principal: Principal, filters: Filters, by: str | None, as_of: date | None
) -> list[Row]:
    """Patents by legal status."""
    return await rows_of(engine, queries.legal_status(principal, filters, by, as_of))


async def five_year(
    engine: Engine, principal: Principal, filters: Filters, as_of: date | None, limit: int, after: int
) -> tuple[list[Row], int | None, int]:
    """The watchlist's page, the pid to continue after, and its total."""
    found = await rows_of(engine, queries.five_year(principal, filters, as_of, limit, after))
    total = int(await scalar(engine, queries.five_year_total(principal, filters, as_of)))
    more = len(found) > limit
    found = found[:limit]
    last = found[-1]["_pid"] if more and found else None
    for row in found:
        del row["_pid"]
    return found, last, total


def _quarters(start: date, end: date) -> list[tuple[int, int]]:
    out = []
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while (year, quarter) <= (end.year, (end.month - 1) // 3 + 1):
        out.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


async def quarterly(
    engine: Engine,
    targets: Targets,
    known_events: set[str],
    principal: Principal,
    filters: Filters,
    metrics: Sequence[str],
    start: date,
    end: date,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Every quarter's figure of each metric, and the targets of the regions in the caller's scope against actuals;
    as of a day, what a replay of the events cut at that day gives."""
    figures: list[Row] = []
    for name in metrics:
        metric = targets.metrics[name]
        measured = any(event in known_events for event in metric.events)
        clause = queries.quarterly(principal, filters, metric.events, metric.count, metric.field, start, end, as_of)
        by_quarter = {(r["year"], r["quarter"]): r for r in await rows_of(engine, clause)}
        for year, quarter in _quarters(start, end):
            found = by_quarter.get((year, quarter), {})
            figures.append(
                {
                    "metric": name,
                    "quarter": f"{year}Q{quarter}",
                    "actual": _number(found.get("actual", 0)),
                    "measured": measured,
                    "changed_at": found.get("changed_at"),
                }
            )
    compared = []
    for target in targets.targets:
        region = _region_filters(principal, filters, target.region)
        if region is None:
            continue  # not a region of the caller's scope: its figures are not the caller's to see
        compared.append(await _against(engine, targets, known_events, principal, region, target, as_of))
    return {"as_of": as_of, "figures": figures, "targets": compared}


def quarterly_table(answer: dict[str, Any]) -> list[Row]:
    """The quarterly answer as one table for a file: each quarter's figure, then each target against its actual."""
    figures = [{"row": "figure", **figure} for figure in answer["figures"]]
    compared = [{"row": "target", **target} for target in answer["targets"]]
    return figures + compared


def _region_filters(principal: Principal, filters: Filters, region: str) -> Filters | None:
    nationwide = principal.role in (Role.NATIONAL_ADMIN, Role.OPERATOR)
    if region == "national":
        return filters if nationwide and filters.province is None else None
    if nationwide or (principal.role is Role.PROVINCE_OFFICE and principal.scope.province == region):
        if filters.province not in (None, region):
            return None
        return Filters(**{**_as_dict(filters), "province": region})
    return None


def _as_dict(filters: Filters) -> dict[str, Any]:
    return {name: getattr(filters, name) for name in filters.__slots__}


async def _against(
    engine: Engine,
    targets: Targets,
    known_events: set[str],
    principal: Principal,
    region: Filters,
    target: Any,
    as_of: date | None,
) -> Row:
    if target.kind == "share_of_stock":
        day = target.by if as_of is None else min(target.by, as_of)
        rows = await rows_of(engine, queries.coverage(principal, region, "province", day))
        stock = sum(r["stock_valid"] for r in rows)
        actual: float | None = round(sum(r["inventoried"] for r in rows) / stock, 4) if stock else None
        changed = max((r["changed_at"] for r in rows if r["changed_at"]), default=None)
        measured = True
    else:
        metric = targets.metrics[target.metric]
        clause = queries.metric_total(
            principal, region, metric.events, metric.count, metric.field, target.start, target.by, as_of
        )
        _, found = await engine.query(clause.sql, clause.params, clause.depends)
        actual, changed = _number(found[0][0]), found[0][1]
        measured = any(event in known_events for event in metric.events)
    return {
        "region": target.region,
        "metric": target.metric,
        "kind": target.kind,
        "from": target.start,
        "by": target.by,
        "target": target.value,
        "actual": actual,
        "progress": round(actual / target.value, 4) if actual is not None and target.value else None,
        "measured": measured,
        "changed_at": changed,
        "source": target.source,
    }


def _number(value: Any) -> float | int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    number = float(value)
    return int(number) if number.is_integer() else number


def flat(rows: Sequence[Row]) -> list[Row]:
    """Rows with only scalar cells, for CSV and spreadsheets: lists joined with ';', dates as ISO text."""
    out = []
    for row in rows:
        cells: Row = {}
        for key, value in row.items():
            if isinstance(value, list | tuple):
                cells[key] = ";".join(str(v) for v in value)
            elif isinstance(value, datetime | date):
                cells[key] = value.isoformat()
            else:
                cells[key] = value
        out.append(cells)
    return out


async def evaluation_coverage(
    engine: Engine, principal: Principal, filters: Filters, group: str, as_of: date | None
) -> list[Row]:
    """Pool patents evaluated by enterprises and by experts, with their shares of the pool."""
    rows = await rows_of(engine, queries.evaluation_coverage(principal, filters, group, as_of))
    for row in rows:
        pooled = row["pooled"] or 0
        row["enterprise_share"] = round(row["enterprise_evaluated"] / pooled, 4) if pooled else None
        row["expert_share"] = round(row["expert_reviewed"] / pooled, 4) if pooled else None
    return rows


async def matching_coverage(
    engine: Engine, principal: Principal, filters: Filters, group: str, as_of: date | None
) -> list[Row]:
    """Pool patents with an open match, with their share of the pool."""
    rows = await rows_of(engine, queries.matching_coverage(principal, filters, group, as_of))
    for row in rows:
        pooled = row["pooled"] or 0
        row["matched_share"] = round(row["matched"] / pooled, 4) if pooled else None
    return rows


async def funnel(engine: Engine, principal: Principal, filters: Filters, as_of: date | None) -> list[Row]:
    """The funnel with each stage's conversion from the one before."""
    rows = await rows_of(engine, queries.funnel(principal, filters, as_of))
    for row in rows:
        for before, after in zip(queries.FUNNEL_STAGES, queries.FUNNEL_STAGES[1:], strict=False):
            row[f"{after}_rate"] = round(row[after] / row[before], 4) if row[before] else None
    return rows


async def declined_reasons(engine: Engine, principal: Principal, filters: Filters, as_of: date | None) -> list[Row]:
    """Declined pushes by reason."""
    return await rows_of(engine, queries.declined_reasons(principal, filters, as_of))


async def grades(
    engine: Engine, principal: Principal, filters: Filters, by: str | None, as_of: date | None
) -> list[Row]:
    """The grade distribution (and high-value patents)."""
    return await rows_of(engine, queries.grades(principal, filters, by, as_of))


async def answers(engine: Engine, principal: Principal, filters: Filters, by: str, as_of: date | None) -> list[Row]:
    """Enterprises' latest answers counted by prospect or cooperation intent."""
    return await rows_of(engine, queries.answers(principal, filters, by, as_of))
