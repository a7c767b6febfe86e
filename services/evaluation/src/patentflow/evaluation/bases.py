"""Rules of patent navigation service bases (专利导航服务基地, seed 002); no I/O.

A base (``_id`` "<province>-<industry>": one industry, one base, so the id is the rule) is filed by its province's
office; a delisted base's industry may be filed again ("优进劣出滚动升级"). It submits a
self-evaluation every year by the end of November (``DUE``), is rated 优秀 / 合格 / 不合格 with indicator scores, must
rectify an 不合格 by a deadline and is delisted (摘牌) when it does not; it publishes navigation results to the
registered enterprises of its industry. State::

    {name, province, industry, sei_code, host_name, host_credit_code, status, filed_on,
     reports: [{year, submitted_on, late}], overdue: [year], ratings: [{year, rating, scores}], rectify_by}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from patentflow.contracts.events.evaluation import (
    BaseDelisted,
    BaseFiled,
    BaseRated,
    BaseRectified,
    NavigationResultPublished,
    SelfEvaluationOverdue,
    SelfEvaluationSubmitted,
)
from patentflow.contracts.events.evaluation_enums import BaseRating, BaseStatus
from patentflow.contracts.reasons import ReasonCode
from patentflow.kit.decisions import Aggregate, Decision, Document
from patentflow.kit.errors import InvalidInput, RuleViolation

# Performance indicators the rating rests on (seed 002 五(三): 导航报告质量, 数据库建设水平, 导航成果运用成效, 条件保障).
INDICATORS = ("report_quality", "database", "application", "support")


@dataclass(frozen=True, slots=True)
class BaseRules:
    """The numbers the seed leaves to configuration."""

    due_month: int = 11  # self-evaluation by the end of November (seed 002 五(二))
    due_day: int = 30
    rectification_days: int = 90  # 限期整改: the seed names no period [unconfirmed]; configurable

    def deadline(self, year: int) -> date:
        """The self-evaluation deadline of a year."""
        return date(year, self.due_month, self.due_day)


def answer(base_id: str, version: int, state: Document) -> Document:
    """The answer about one base."""
    return {"base_id": base_id, "version": version, **state}


def _active(current: Aggregate) -> Document:
    if current.state["status"] == BaseStatus.DELISTED.value:
        raise RuleViolation(ReasonCode.BASE_DELISTED, base_id=current.id)
    return current.state


def base_id_of(province: str, industry: str) -> str:
    """The id of a province's base for an industry."""
    return f"{province}-{industry}"


def file(current: Aggregate | None, event: BaseFiled) -> Decision:
    """File the province's base for an industry; again only after the earlier one was delisted."""
    if current is not None and current.state["status"] != BaseStatus.DELISTED.value:
        raise RuleViolation(ReasonCode.INDUSTRY_HAS_A_BASE, industry=event.industry, province=event.province)
    state = {**event.model_dump(mode="json", exclude={"base_id", "filed_by"}), "status": BaseStatus.FILED.value,
             "reports": [], "overdue": [], "ratings": [], "rectify_by": None}  # fmt: skip
    return Decision(state, [event], answer(event.base_id, (current.version + 1) if current else 1, state))


def submit_self_evaluation(
    current: Aggregate, year: int, summary: str, rules: BaseRules, *, today: date, by: str
) -> Decision:
    """The year's self-evaluation, once; after the deadline it is recorded as late."""
    state = _active(current)
    if year > today.year:
        raise InvalidInput(("year", f"a report on {year} cannot be submitted in {today.year}"))
    if any(r["year"] == year for r in state["reports"]):
        raise RuleViolation(ReasonCode.REPORT_ALREADY_SUBMITTED, year=year)
    late = today > rules.deadline(year)
    event = SelfEvaluationSubmitted(base_id=current.id, year=year, summary=summary, submitted_on=today, late=late,
                                    submitted_by=by)  # fmt: skip
    state = {**state, "reports": [*state["reports"], {"year": year, "submitted_on": today.isoformat(), "late": late}]}
    return Decision(state, [event], answer(current.id, current.version + 1, state))


def rate(
    current: Aggregate, year: int, rating: BaseRating, scores: Mapping[str, float], rules: BaseRules, *, today: date,
    by: str,
) -> Decision:  # fmt: skip
    """The office's yearly rating; 不合格 orders a rectification by a deadline."""
    state = _active(current)
    unknown = sorted(set(scores) - set(INDICATORS))
    out_of_range = sorted(k for k, v in scores.items() if not 0 <= v <= 100)
    if unknown or out_of_range:
        raise InvalidInput(
            *[(f"scores.{k}", f"not a performance indicator; they are {list(INDICATORS)}") for k in unknown],
            *[(f"scores.{k}", "a score is between 0 and 100") for k in out_of_range],
        )
    if any(r["year"] == year for r in state["ratings"]):
        raise RuleViolation(ReasonCode.ALREADY_RATED, year=year)
    rectify_by = today + timedelta(days=rules.rectification_days) if rating is BaseRating.UNQUALIFIED else None
    event = BaseRated(base_id=current.id, year=year, rating=rating, scores=dict(scores), rectify_by=rectify_by,
                      rated_by=by)  # fmt: skip
    state = {
        **state,
        "ratings": [*state["ratings"], {"year": year, "rating": rating.value, "scores": dict(scores)}],
        "status": BaseStatus.RECTIFYING.value if rectify_by else state["status"],
        "rectify_by": rectify_by.isoformat() if rectify_by else state["rectify_by"],
    }
    return Decision(state, [event], answer(current.id, current.version + 1, state))


def accept_rectification(current: Aggregate, *, today: date, by: str) -> Decision:
    """The office accepts the rectification, within the deadline only."""
    state = _active(current)
    if state["status"] != BaseStatus.RECTIFYING.value:
        raise RuleViolation(ReasonCode.NOT_RECTIFYING, base_id=current.id)
    if today > date.fromisoformat(state["rectify_by"]):
        raise RuleViolation(ReasonCode.RECTIFICATION_OVERDUE, rectify_by=state["rectify_by"])
    event = BaseRectified(base_id=current.id, rectified_on=today, accepted_by=by)
    state = {**state, "status": BaseStatus.FILED.value, "rectify_by": None}
    return Decision(state, [event], answer(current.id, current.version + 1, state))


def publish_result(
    current: Aggregate, title: str, summary: str, recipients: Sequence[str], *, today: date, by: str
) -> Decision:
    """Publish a navigation report to the registered enterprises of the base's industry."""
    state = _active(current)
    event = NavigationResultPublished(base_id=current.id, title=title, summary=summary, industry=state["industry"],
                                      recipients=tuple(sorted(recipients)), published_on=today, published_by=by)  # fmt: skip
    return Decision(
        state, [event], {**answer(current.id, current.version, state), "recipients": list(event.recipients)}
    )


def daily(current: Aggregate, rules: BaseRules, *, today: date) -> Decision:
    """What the day brings: an overdue self-evaluation is flagged once; an unrectified base past its deadline is
    delisted."""
    state: dict[str, Any] = current.state
    if state["status"] == BaseStatus.DELISTED.value:
        return Decision(state, [], answer(current.id, current.version, state))
    events: list[Any] = []
    filed = date.fromisoformat(state["filed_on"])
    for year in (today.year - 1, today.year):
        due = rules.deadline(year)
        reported = any(r["year"] == year for r in state["reports"])
        if today > due and due >= filed and not reported and year not in state["overdue"]:
            events.append(SelfEvaluationOverdue(base_id=current.id, year=year, deadline=due))
            state = {**state, "overdue": [*state["overdue"], year]}
    if state["status"] == BaseStatus.RECTIFYING.value and today > date.fromisoformat(state["rectify_by"]):
        events.append(BaseDelisted(base_id=current.id, delisted_on=today,
                                   reason=f"不合格 and not rectified by {state['rectify_by']}"))  # fmt: skip
        state = {**state, "status": BaseStatus.DELISTED.value}
    return Decision(state, events, answer(current.id, current.version + (1 if events else 0), state))
