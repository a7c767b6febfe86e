"""The SQL of every listing and monitoring view, built from the caller's scope and filters; no I/O.

Each query reads ``P`` (patents: the current table, or a derivation as of a day) joined with ``I`` (institutions),
restricted first by the caller's scope and then by the filters. Counts and facets go through the same restriction,
so a province never sees another province's numbers, and asking for another province's data gives the empty answer
a province without data would get. Values always travel as parameters; only names from fixed tables are spliced.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from patentflow.contracts.access import Role
from patentflow.contracts.events.inventory_enums import IN_FORCE, ReviewState
from patentflow.kit.principal import Principal
from patentflow.projection.answers import Footprint, province
from patentflow.projection.engine import as_of_source, current_sql, institutions_sql

IN_FORCE_SQL = "(" + ", ".join(f"'{s.value}'" for s in sorted(IN_FORCE)) + ")"
POOLED = ReviewState.POOLED.value

# Who may read which kind of answer. Patents: each role its own objects. Monitoring views: the administrative roles
# over their scope, and enterprises the conversion pool (the pool is there to be shown to them).
LISTING_ROLES = frozenset(
    {
        Role.NATIONAL_ADMIN,
        Role.OPERATOR,
        Role.MINISTRY,
        Role.PROVINCE_OFFICE,
        Role.INSTITUTION_ADMIN,
        Role.SCHOOL_REVIEWER,
        Role.INVENTOR,
        Role.ENTERPRISE,
        Role.EXPERT,
        Role.BANK,
        Role.INSURER,
        Role.VALUER,
    }
)
VIEW_ROLES = frozenset(
    {
        Role.NATIONAL_ADMIN,
        Role.OPERATOR,
        Role.MINISTRY,
        Role.PROVINCE_OFFICE,
        Role.INSTITUTION_ADMIN,
        Role.SCHOOL_REVIEWER,
    }
)
POOL_ROLES = VIEW_ROLES | {Role.ENTERPRISE}


INSTITUTION_TYPE_SQL = (
    "CASE WHEN coalesce(i.inst_demonstration, FALSE) THEN 'demonstration' "
    "WHEN coalesce(i.inst_pilot, FALSE) THEN 'pilot' ELSE 'other' END"
)


@dataclass(frozen=True, slots=True)
class Clause:
    """A SQL condition and its parameters, and what its rows depend on (``answers.py``; None: anything)."""

    sql: str
    params: tuple[Any, ...] = ()
    depends: Footprint | None = None

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> Clause:
        """A query over this restriction: it depends on what the restriction does."""
        return Clause(sql, params, self.depends)


def scope_of(principal: Principal) -> Clause:
    """What this caller may read, as a condition on ``p`` (patents) and ``i`` (institutions)."""
    s = principal.scope
    match principal.role:
        case Role.NATIONAL_ADMIN | Role.OPERATOR:
            return Clause("TRUE")
        case Role.MINISTRY:
            return Clause("i.inst_ministry = ?", (s.ministry,))
        case Role.PROVINCE_OFFICE:
            return Clause("p.province = ?", (s.province,))
        case Role.INSTITUTION_ADMIN:
            return Clause("p.institution = ?", (s.institution,))
        case Role.SCHOOL_REVIEWER:
            return Clause("p.institution = ? AND p.school = ?", (s.institution, s.school))
        case Role.INVENTOR:
            return Clause("p.institution = ? AND list_contains(p.inventor_ids, ?)", (s.institution, s.person))
        case Role.ENTERPRISE:
            return Clause(f"p.review_state = '{POOLED}'")
        case Role.BANK | Role.INSURER | Role.VALUER:
            return Clause("list_contains(p.holders, ?)", (s.bank,))  # the patents it holds a pledge or cover on
        case Role.EXPERT:
            return Clause("list_contains(p.holders, ?)", (s.person,))  # the patents it is assigned to review
        case _:
            return Clause("FALSE")


def visible_in_document(principal: Principal, doc: dict[str, Any]) -> bool | None:
    """``scope_of`` decided on a patent's own document where it holds what the scope names (None: ask the engine).

    The same rules as the SQL above; reading one patent by id then costs no query of the engine.
    """
    s, patent = principal.scope, doc.get("patent", {})
    match principal.role:
        case Role.NATIONAL_ADMIN | Role.OPERATOR:
            return True
        case Role.PROVINCE_OFFICE:
            return doc.get("province") == s.province
        case Role.INSTITUTION_ADMIN:
            return doc.get("institution") == s.institution
        case Role.SCHOOL_REVIEWER:
            return doc.get("institution") == s.institution and patent.get("school_id") == s.school
        case Role.INVENTOR:
            return doc.get("institution") == s.institution and s.person in (patent.get("inventor_ids") or ())
        case Role.ENTERPRISE:
            return doc.get("review_state") == POOLED
        case Role.MINISTRY | Role.BANK | Role.INSURER | Role.VALUER | Role.EXPERT:
            return None  # the supervising ministry and the holders are the engine's to know
        case _:
            return False


@dataclass(frozen=True, slots=True)
class Filters:
    """The filters every listing and view takes; None means "any"."""

    province: str | None = None
    institution: str | None = None
    ministry: str | None = None
    sei: str | None = None
    industry: str | None = None
    patent_type: str | None = None
    institution_type: str | None = None  # "pilot", "demonstration" or "other" (INSTITUTION_TYPE_SQL)
    review_state: str | None = None
    legal_status: str | None = None
    state_funded: bool | None = None
    five_year_flagged: bool | None = None
    ipc: str | None = None

    def clause(self) -> Clause:
        """These filters as one condition."""
        parts: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("p.province", self.province),
            ("p.institution", self.institution),
            ("i.inst_ministry", self.ministry),
            ("p.patent_type", self.patent_type),
            ("p.review_state", self.review_state),
            ("p.legal_status", self.legal_status),
            ("p.state_funded", self.state_funded),
            ("p.non_use_flagged", self.five_year_flagged),
        ):
            if value is not None:
                parts.append(f"{column} = ?")
                params.append(value)
        if self.institution_type is not None:
            parts.append(f"{INSTITUTION_TYPE_SQL} = ?")
            params.append(self.institution_type)
        if self.sei is not None:
            parts.append("p.ipc_class IN (SELECT ipc_class FROM live.ref_sei WHERE sei_code = ?)")
            params.append(self.sei)
        if self.industry is not None:
            parts.append(
                "(list_contains(list_transform(p.industry_codes, lambda c: c[1:2]), ?) OR (len(coalesce(p.industry_codes, "
                "[])) = 0 AND p.ipc_class IN (SELECT ipc_class FROM live.ref_gbt WHERE gbt4754 = ?)))"
            )
            params.extend([self.industry[:2], self.industry[:2]])
        if self.ipc is not None:
            parts.append("starts_with(replace(p.ipc_main, ' ', ''), ?)")
            params.append(self.ipc.replace(" ", "").upper())
        return Clause(" AND ".join(parts) or "TRUE", tuple(params))


SCOPE_AND_FILTER_COLUMNS = (
    "application_number", "institution", "province", "school", "inventor_ids", "patent_type", "review_state",
    "legal_status", "state_funded", "non_use_flagged", "ipc_main", "ipc_class", "industry_codes",
)  # fmt: skip


def sources(as_of: date | None, columns: Sequence[str] | None = None) -> tuple[str, str]:
    """The FROM expressions of patents and institutions: current, or derived from the rows effective by ``as_of``."""
    if as_of is None:
        return "live.patents", "live.institutions"
    rows = as_of_source(as_of)
    # An as-of derivation computes only the columns a view reads, plus every one a scope or filter may name.
    wanted = list(dict.fromkeys((*columns, *SCOPE_AND_FILTER_COLUMNS))) if columns else None
    patents = f"({current_sql(rows, wanted)})" if wanted else f"({current_sql(rows)})"
    return patents, f"({institutions_sql(rows)})"


def base(
    principal: Principal,
    filters: Filters,
    as_of: date | None,
    columns: Sequence[str] | None = None,
    joins: str = "",
) -> Clause:
    """``FROM … WHERE …`` of a query: scope, then filters; only patents whose record has arrived."""
    patents, institutions = sources(as_of, columns)
    scope, chosen = scope_of(principal), filters.clause()
    return Clause(
        f"FROM {patents} p LEFT JOIN {institutions} i ON i.credit_code = p.institution {joins} "
        f"WHERE p.application_number IS NOT NULL AND ({scope.sql}) AND ({chosen.sql})",
        scope.params + chosen.params,
        footprint(principal, filters, as_of),
    )


def footprint(principal: Principal, filters: Filters, as_of: date | None) -> Footprint | None:
    """What a restriction's answers depend on: the patents of the one province it keeps to (``p.province = ?`` in
    its scope or filters), else anything. An as-of derivation depends on anything: a patent's province on that day
    may not be its province now, and the writes say only the latter."""
    if as_of is not None:
        return None
    kept = principal.scope.province if principal.role is Role.PROVINCE_OFFICE else filters.province
    return frozenset({province(kept)}) if kept is not None else None


# --- listing -------------------------------------------------------------------------------------------------------

LIST_FIELDS: dict[str, str] = {
    "application_number": "p.application_number",
    "title": "p.title",
    "patent_type": "p.patent_type",
    "institution": "p.institution",
    "institution_name": "i.inst_name",
    "province": "p.province",
    "ministry": "nullif(i.inst_ministry, '')",
    "ipc_main": "p.ipc_main",
    "filing_date": "p.filing_date",
    "grant_date": "p.grant_date",
    "legal_status": "p.legal_status",
    "expiry_date": "p.expiry_date",
    "review_state": "p.review_state",
    "inventoried": "coalesce(p.inventoried, FALSE)",
    "trl": "p.trl",
    "self_grade": "p.self_grade",
    "state_funded": "p.state_funded",
    "five_year_flagged": "coalesce(p.non_use_flagged, FALSE)",
    "encumbrances": "p.encumbrances",
    "grade": "p.grade",
    "high_value": "coalesce(p.high_value, FALSE)",
    "updated_at": "p.updated_at",
}
# Sort keys, each with a value for the patents that lack it, so the keyset cursor has a total order.
SORTS: dict[str, tuple[str, Any]] = {
    "application_number": ("p.pid", 0),
    "filing_date": ("coalesce(p.filing_date, DATE '0001-01-01')", "0001-01-01"),
    "grant_date": ("coalesce(p.grant_date, DATE '0001-01-01')", "0001-01-01"),
    "updated_at": ("p.updated_at", "0001-01-01T00:00:00"),
}
_PATENT_COLUMNS_OF_FIELDS = {
    "application_number",
    "title",
    "patent_type",
    "institution",
    "province",
    "ipc_main",
    "filing_date",
    "grant_date",
    "legal_status",
    "expiry_date",
    "review_state",
    "inventoried",
    "trl",
    "self_grade",
    "state_funded",
}


class BadCursor(ValueError):
    """A cursor this listing did not hand out (or one of another sort)."""


@dataclass(frozen=True, slots=True)
class Page:
    """The SQL of one page and of its total."""

    rows: Clause
    total: Clause
    fields: tuple[str, ...]
    sort: str


def encode_cursor(sort: str, key: Any, pid: int) -> str:
    """An opaque cursor: the sort and the last row's key."""
    text = json.dumps([sort, key if isinstance(key, int | str) or key is None else str(key), pid])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """The key a cursor stands for; :class:`BadCursor` if it is not one of ours for this sort."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, key, pid = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise BadCursor("not a cursor of this listing") from exc
    if name != sort or not isinstance(pid, int):
        raise BadCursor("the cursor belongs to another sort order")
    return key, pid


def page(
    principal: Principal,
    filters: Filters,
    *,
    sort: str = "application_number",
    cursor: str | None = None,
    limit: int = 50,
    fields: Sequence[str] = tuple(LIST_FIELDS),
    as_of: date | None = None,
) -> Page:
    """One page of patents by keyset: ``sort`` is a key of SORTS, "-" in front for descending."""
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    expression, _ = SORTS[name]
    where = base(principal, filters, as_of)
    sql, params = where.sql, list(where.params)
    if cursor is not None:
        key, pid = decode_cursor(cursor, sort)
        sql += f" AND ({expression}, p.pid) {'<' if descending else '>'} (?, ?)"
        params.extend([key, pid])
    direction = "DESC" if descending else "ASC"
    selected = ", ".join(f"{LIST_FIELDS[f]} AS {f}" for f in fields)
    rows = where.query(
        f"SELECT {selected}, {expression} AS _key, p.pid AS _pid {sql} "
        f"ORDER BY {expression} {direction}, p.pid {direction} LIMIT {int(limit) + 1}",
        tuple(params),
    )
    return Page(rows, where.query(f"SELECT count(*) {where.sql}", where.params), tuple(fields), sort)


FACETS: dict[str, str] = {
    "province": "p.province",
    "institution": "p.institution",
    "ministry": "nullif(i.inst_ministry, '')",
    "patent_type": "p.patent_type",
    "review_state": "p.review_state",
    "legal_status": "p.legal_status",
    "trl": "p.trl",
    "self_grade": "p.self_grade",
    "state_funded": "p.state_funded",
    "institution_type": INSTITUTION_TYPE_SQL,
    "ipc_class": "p.ipc_class",
    "grade": "p.grade",
    "high_value": "coalesce(p.high_value, FALSE)",
    "grant_year": "year(p.grant_date)",
    "filing_year": "year(p.filing_date)",
}


# The dimensions a view already answers by: asked again as its second dimension, they would name a column twice.
OWN_DIMENSIONS: dict[str, frozenset[str]] = {
    "legal_status": frozenset({"legal_status"}),
    "grades": frozenset({"grade", "high_value"}),
}


def facet_columns(*dimensions: str | None) -> tuple[str, ...]:
    """The patent columns the dimensions read: an as-of derivation computes only the columns a view names, and a
    view counted by one more dimension (legal status by TRL) needs that one's too."""
    return tuple(c for d in dimensions if d for c in re.findall(r"\bp\.(\w+)", FACETS[d]))


def facet(
    principal: Principal, filters: Filters, by: str, as_of: date | None = None, then: str | None = None
) -> Clause:
    """Counts of the caller's patents by one dimension (``value``), largest first; or by two, ``then`` named after
    its dimension, in the order of both (an IPC class × grant year table)."""
    where = base(principal, filters, as_of)
    if then is None:
        return where.query(
            f"SELECT {FACETS[by]} AS value, count(*) AS patents {where.sql} GROUP BY 1 ORDER BY 2 DESC, 1",
            where.params,
        )
    return where.query(
        f"SELECT {FACETS[by]} AS value, {FACETS[then]} AS {then}, count(*) AS patents {where.sql} "
        "GROUP BY 1, 2 ORDER BY 1, 2",
        where.params,
    )


# --- monitoring views ----------------------------------------------------------------------------------------------

_COVERAGE_COLUMNS = ("application_number", "institution", "province", "patent_type", "ipc_class", "school",
                     "inventor_ids", "grant_date", "legal_status", "review_state", "inventoried", "industry_codes",
                     "state_funded", "non_use_flagged")  # fmt: skip


def coverage(principal: Principal, filters: Filters, group: str, as_of: date | None) -> Clause:
    """Stock (granted, in force), inventoried and pooled patents per institution or per province."""
    where = base(principal, filters, as_of, _COVERAGE_COLUMNS)
    stock = f"p.grant_date IS NOT NULL AND p.legal_status IN {IN_FORCE_SQL}"
    figures = (
        f"count(*) FILTER (WHERE {stock}) AS stock_valid, "
        f"count(*) FILTER (WHERE {stock} AND coalesce(p.inventoried, FALSE)) AS inventoried, "
        f"count(*) FILTER (WHERE {stock} AND p.review_state = '{POOLED}') AS pooled, "
        "count(*) AS recorded, max(p.updated_at) AS changed_at"
    )
    if group == "institution":
        return where.query(
            "SELECT p.institution AS institution, any_value(i.inst_name) AS name, any_value(p.province) AS province, "
            "any_value(nullif(i.inst_ministry, '')) AS ministry, any_value(i.inst_kind) AS kind, "
            f"any_value({INSTITUTION_TYPE_SQL}) AS institution_type, {figures} {where.sql} GROUP BY p.institution "
            "ORDER BY province, institution",
            where.params,
        )
    return where.query(
        f"SELECT p.province AS province, count(DISTINCT p.institution) AS institutions, {figures} "
        f"{where.sql} GROUP BY p.province ORDER BY p.province",
        where.params,
    )


POOL_DIMENSIONS: dict[str, tuple[str, str]] = {
    # dimension: (expression, extra join); industries come from the loaded IPC table, or the declared codes
    "sei": ("coalesce(s.sei_name, '未归类')", "LEFT JOIN live.ref_sei s ON s.ipc_class = p.ipc_class"),
    "industry": (
        "coalesce(p.industry_codes[1][1:2], g.gbt4754, '未归类')",
        "LEFT JOIN (SELECT DISTINCT ipc_class, gbt4754 FROM live.ref_gbt) g ON g.ipc_class = p.ipc_class",
    ),
    "trl": ("p.trl", ""),
    "self_grade": ("p.self_grade", ""),
    "intent": ("unnest(coalesce(p.intents, ['unknown']))", ""),
    "patent_type": ("p.patent_type", ""),
    "province": ("p.province", ""),
    "institution_type": (INSTITUTION_TYPE_SQL, ""),
}


def pool(principal: Principal, filters: Filters, by: Sequence[str], as_of: date | None) -> Clause:
    """The conversion pool counted by up to three dimensions."""
    joins = " ".join(dict.fromkeys(POOL_DIMENSIONS[d][1] for d in by if POOL_DIMENSIONS[d][1]))
    where = base(principal, filters, as_of, (*_COVERAGE_COLUMNS, "trl", "self_grade", "intents"), joins)
    sql = where.sql
    selected = ", ".join(f"{POOL_DIMENSIONS[d][0]} AS {d}" for d in by)
    inner = f"SELECT {selected}, p.updated_at {sql} AND p.review_state = '{POOLED}'"
    names = ", ".join(by)
    return where.query(
        f"SELECT {names}, count(*) AS patents, max(updated_at) AS changed_at FROM ({inner}) "
        f"GROUP BY {names} ORDER BY {names}",
        where.params,
    )


def legal_status(principal: Principal, filters: Filters, by: str | None, as_of: date | None) -> Clause:
    """Patents by legal status (and one more dimension)."""
    where = base(principal, filters, as_of, (*_COVERAGE_COLUMNS, *facet_columns(by)))
    extra = f", {FACETS[by]} AS {by}" if by else ""
    group = "1, 2" if by else "1"
    return where.query(
        f"SELECT p.legal_status AS legal_status{extra}, count(*) AS patents, max(p.updated_at) AS changed_at "
        f"{where.sql} GROUP BY {group} ORDER BY {group}",
        where.params,
    )


def five_year(principal: Principal, filters: Filters, as_of: date | None, limit: int, offset_pid: int) -> Clause:
    """State-funded patents on the five-year watchlist, by application number (keyset on pid)."""
    where = base(principal, filters, as_of, (*_COVERAGE_COLUMNS, "title"))
    return where.query(
        "SELECT p.application_number, p.title, p.institution, i.inst_name AS institution_name, p.province, "
        f"p.grant_date, p.legal_status, p.updated_at AS changed_at, p.pid AS _pid {where.sql} "
        f"AND p.state_funded AND coalesce(p.non_use_flagged, FALSE) AND p.pid > ? ORDER BY p.pid LIMIT {int(limit) + 1}",
        (*where.params, offset_pid),
    )


def five_year_total(principal: Principal, filters: Filters, as_of: date | None) -> Clause:
    """How many state-funded patents are on the watchlist."""
    where = base(principal, filters, as_of, _COVERAGE_COLUMNS)
    return where.query(
        f"SELECT count(*) {where.sql} AND p.state_funded AND coalesce(p.non_use_flagged, FALSE)",
        where.params,
    )


def quarterly(
    principal: Principal,
    filters: Filters,
    events: Sequence[str],
    count: str,
    amount_field: str | None,
    start: date,
    end: date,
    as_of: date | None = None,
) -> Clause:
    """One metric per quarter of effective day: rows of these event names within the caller's patents.

    ``count`` "patents" counts a patent in the quarter of its first such row; "events" every row; "sum" adds up
    ``amount_field`` of the event's data. Late events fall in the quarter of their effective day. As of a day, only
    rows effective by then count, over the patents in scope on that day: a replay of the events cut there.
    """
    where = base(principal, filters, as_of)
    names = ", ".join("?" for _ in events) or "NULL"
    cutoff = " AND e.effective <= ?" if as_of is not None else ""
    rows = (
        f"SELECT e.pid, e.effective, e.time, e.data FROM live.events e WHERE e.name IN ({names}){cutoff} "
        "AND e.pid IN (SELECT p.pid " + where.sql + ")"
    )
    params: tuple[Any, ...] = (*events, *((as_of,) if as_of is not None else ()), *where.params)
    if count == "patents":
        figure, inner = (
            "count(*)",
            f"SELECT pid, min(effective) AS effective, max(time) AS time FROM ({rows}) GROUP BY pid",
        )
    elif count == "sum":
        figure = "coalesce(sum(TRY_CAST(json_extract_string(data, ?) AS DECIMAL(20, 2))), 0)"
        inner = rows
        params = (f"$.{amount_field}", *params)
    else:
        figure, inner = "count(*)", rows
    return where.query(
        f"SELECT year(effective) AS year, quarter(effective) AS quarter, {figure} AS actual, max(time) AS changed_at "
        f"FROM ({inner}) WHERE effective BETWEEN ? AND ? GROUP BY 1, 2 ORDER BY 1, 2",
        (*params, start, end),
    )


def metric_total(
    principal: Principal,
    filters: Filters,
    events: Sequence[str],
    count: str,
    amount_field: str | None,
    start: date,
    end: date,
    as_of: date | None = None,
) -> Clause:
    """The same metric over one whole period: the actual a target is compared with."""
    by_quarter = quarterly(principal, filters, events, count, amount_field, start, end, as_of)
    return by_quarter.query(
        f"SELECT coalesce(sum(actual), 0), max(changed_at) FROM ({by_quarter.sql})", by_quarter.params
    )


# --- evaluation ----------------------------------------------------------------------------------------------------

EVALUATION_GROUPS: dict[str, tuple[str, str]] = {
    "province": ("p.province", ""),
    "institution": ("p.institution", ""),
    "sei": ("coalesce(s.sei_name, '未归类')", "LEFT JOIN live.ref_sei s ON s.ipc_class = p.ipc_class"),
    "industry": POOL_DIMENSIONS["industry"],
}
_EVALUATION_COLUMNS = (*_COVERAGE_COLUMNS, "enterprise_evaluated", "expert_reviewed", "grade", "high_value")


def evaluation_coverage(principal: Principal, filters: Filters, group: str, as_of: date | None) -> Clause:
    """Pool patents, and how many of them enterprises and experts have evaluated, per province, institution or
    industry (市场评价覆盖率)."""
    expression, join = EVALUATION_GROUPS[group]
    where = base(principal, filters, as_of, _EVALUATION_COLUMNS, join)
    return where.query(
        f"SELECT {expression} AS {group}, count(*) AS pooled, "
        "count(*) FILTER (WHERE coalesce(p.enterprise_evaluated, FALSE)) AS enterprise_evaluated, "
        "count(*) FILTER (WHERE coalesce(p.expert_reviewed, FALSE)) AS expert_reviewed, "
        f"max(p.updated_at) AS changed_at {where.sql} AND p.review_state = '{POOLED}' GROUP BY 1 ORDER BY 1",
        where.params,
    )


def matching_coverage(principal: Principal, filters: Filters, group: str, as_of: date | None) -> Clause:
    """Pool patents, and how many of them have an open match with an enterprise's demand, per province, institution
    or industry; each (patent, demand) pair counts by its latest row."""
    expression, join = EVALUATION_GROUPS[group]
    where = base(principal, filters, as_of, _COVERAGE_COLUMNS, join)
    cut = f" AND e.effective <= DATE '{as_of.isoformat()}'" if as_of is not None else ""
    pairs = (
        f"SELECT e.pid, arg_max(e.mt_open, e.ord) AS open FROM live.events e WHERE e.mt_demand IS NOT NULL{cut} "
        "GROUP BY e.pid, e.mt_demand"
    )
    return where.query(
        f"SELECT {expression} AS {group}, count(*) AS pooled, "
        f"count(*) FILTER (WHERE p.pid IN (SELECT m.pid FROM ({pairs}) m WHERE m.open)) AS matched, "
        f"max(p.updated_at) AS changed_at {where.sql} AND p.review_state = '{POOLED}' GROUP BY 1 ORDER BY 1",
        where.params,
    )


FUNNEL_STAGES = ("pushed", "viewed", "interested", "negotiation", "deal")


def funnel(principal: Principal, filters: Filters, as_of: date | None) -> Clause:
    """The match funnel per enterprise province and quarter: the (patent, enterprise) pairs that reached each stage,
    a stage counted in the quarter of its effective day, on the patents the caller may see (a province's office: its
    own patents, whichever province's enterprises took them up)."""
    where = base(principal, filters, as_of, _COVERAGE_COLUMNS)
    cut = f" AND e.effective <= DATE '{as_of.isoformat()}'" if as_of is not None else ""
    pair = "e.pid::VARCHAR || ':' || e.fn_enterprise"
    stages = ", ".join(
        f"count(DISTINCT {pair}) FILTER (WHERE e.fn_stage = '{stage}') AS {stage}" for stage in FUNNEL_STAGES
    )
    return where.query(
        "SELECT e.fn_province AS enterprise_province, "
        "strftime(e.effective, '%Y') || '-Q' || quarter(e.effective) AS quarter, "
        f"{stages}, count(DISTINCT {pair}) FILTER (WHERE e.fn_stage = 'declined') AS declined, "
        f"max(e.time) AS changed_at FROM live.events e WHERE e.fn_stage IS NOT NULL{cut} "
        f"AND e.pid IN (SELECT p.pid {where.sql}) GROUP BY 1, 2 ORDER BY 1, 2",
        where.params,
    )


def declined_reasons(principal: Principal, filters: Filters, as_of: date | None) -> Clause:
    """Why enterprises declined pushed patents (what institutions need to improve): pairs by reason."""
    where = base(principal, filters, as_of, _COVERAGE_COLUMNS)
    cut = f" AND e.effective <= DATE '{as_of.isoformat()}'" if as_of is not None else ""
    return where.query(
        "SELECT coalesce(e.fn_reason, 'unstated') AS reason, count(DISTINCT e.pid::VARCHAR || ':' || e.fn_enterprise) "
        f"AS declined, max(e.time) AS changed_at FROM live.events e WHERE e.fn_stage = 'declined'{cut} "
        f"AND e.pid IN (SELECT p.pid {where.sql}) GROUP BY 1 ORDER BY 2 DESC, 1",
        where.params,
    )


def grades(principal: Principal, filters: Filters, by: str | None, as_of: date | None) -> Clause:
    """Patents by grade (none: not graded yet), and how many are high-value, optionally by one more dimension."""
    where = base(principal, filters, as_of, (*_EVALUATION_COLUMNS, *facet_columns(by)))
    extra = f", {FACETS[by]} AS {by}" if by else ""
    group = "1, 2" if by else "1"
    return where.query(
        f"SELECT p.grade AS grade{extra}, count(*) AS patents, "
        "count(*) FILTER (WHERE coalesce(p.high_value, FALSE)) AS high_value, max(p.updated_at) AS changed_at "
        f"{where.sql} AND (p.grade IS NOT NULL OR p.review_state = '{POOLED}') GROUP BY {group} ORDER BY {group}",
        where.params,
    )


def answers(principal: Principal, filters: Filters, by: str, as_of: date | None) -> Clause:
    """Enterprises' latest answers on the caller's patents counted by prospect or cooperation intent: each
    enterprise once per patent, by its latest revision; no enterprise is named."""
    column = {"prospect": "ev_prospect", "intent": "ev_intent"}[by]
    where = base(principal, filters, as_of, _EVALUATION_COLUMNS)
    cut = f" AND e.effective <= DATE '{as_of.isoformat()}'" if as_of is not None else ""
    latest = (
        f"SELECT e.pid, arg_max(e.{column}, e.ord) AS answer FROM live.events e WHERE e.ev_enterprise IS NOT NULL{cut} "
        "GROUP BY e.pid, e.ev_enterprise"
    )
    return where.query(
        f"SELECT a.answer AS {by}, count(*) AS answers, count(DISTINCT a.pid) AS patents FROM ({latest}) a "
        f"WHERE a.pid IN (SELECT p.pid {where.sql}) GROUP BY 1 ORDER BY 1",
        where.params,
    )
