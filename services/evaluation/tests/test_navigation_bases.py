"""Navigation service bases: filing one per industry, the yearly self-evaluation due by the end of November (overdue
flagged by the daily check), ratings, rectification within its deadline or delisting, results pushed to the
registered enterprises of the base's industry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from patentflow.contracts.access import Role
from patentflow.contracts.events.evaluation import (
    BaseDelisted,
    BaseFiled,
    BaseRated,
    NavigationResultPublished,
    SelfEvaluationOverdue,
    SelfEvaluationSubmitted,
)
from patentflow.evaluation.app import create_app
from patentflow.evaluation.config import Settings
from patentflow.evaluation.deps import EvaluationDeps
from patentflow.evaluation.handlers import bases_daily
from patentflow.testing.calendar import Calendar
from patentflow.testing.inprocess import InProcess, MemoryRuntime, auth, eventually, running, settings_for

from .scenario import code, enterprise_body

OFFICE = auth(Role.PROVINCE_OFFICE, province="150000")  # Inner Mongolia
OTHER_OFFICE = auth(Role.PROVINCE_OFFICE, province="430000")
HOST = code("12150000460012345")
AS_HOST = auth(Role.INSTITUTION_ADMIN, institution=HOST)
BASE = {"name": "内蒙古自治区新材料产业专利导航服务基地", "province": "150000", "industry": "32",
        "host_name": "内蒙古示范研究院", "host_credit_code": HOST}  # fmt: skip
BASE_ID = "150000-32"
IN_INDUSTRY, OUTSIDE = code("91150100MA0N00001"), code("91150100MA0N00002")


@pytest.fixture
async def setup() -> AsyncIterator[tuple[InProcess, Calendar]]:
    calendar = Calendar(date(2025, 3, 1))
    settings = settings_for(Settings, revalue_interval_seconds=3600, rectification_days=60)
    async with running(create_app(settings, runtime=MemoryRuntime(settings, clock=calendar))) as service:
        answer = await service.http.post("/bases", json=BASE, headers=OFFICE)
        assert answer.status_code == 201, answer.text
        yield service, calendar


async def daily(service: InProcess) -> int:
    """The daily check, run now, its events published."""
    checked = await bases_daily(service.deps(EvaluationDeps))
    await service.settled()
    return checked


async def test_one_base_per_industry_filed_by_its_own_office(setup: tuple[InProcess, Calendar]) -> None:
    service, _ = setup
    assert [(b.base_id, b.filed_on) for b in service.published(BaseFiled)] == [(BASE_ID, date(2025, 3, 1))]
    again = await service.http.post("/bases", json={**BASE, "host_name": "另一主体"}, headers=OFFICE)
    assert again.status_code == 409
    assert again.json()["detail"]["reason"] == "INDUSTRY_HAS_A_BASE"
    assert (await service.http.post("/bases", json={**BASE, "industry": "27"}, headers=OTHER_OFFICE)).status_code == 403
    assert len(service.published(BaseFiled)) == 1
    assert (await service.http.get(f"/bases/{BASE_ID}", headers=AS_HOST)).json()["status"] == "filed"
    assert (
        await service.http.get(
            f"/bases/{BASE_ID}", headers=auth(Role.INSTITUTION_ADMIN, institution=code("12100000400000624"))
        )
    ).status_code == 404


async def test_a_missing_self_evaluation_is_flagged_once_after_november(setup: tuple[InProcess, Calendar]) -> None:
    service, calendar = setup
    calendar.days.append(date(2025, 11, 30))
    await daily(service)
    assert not service.published(SelfEvaluationOverdue)  # due by the end of the day
    calendar.days.append(date(2025, 12, 1))
    await daily(service)
    await daily(service)  # the same day again changes nothing
    calendar.days.append(date(2025, 12, 2))
    await daily(service)
    assert [(o.year, o.deadline) for o in service.published(SelfEvaluationOverdue)] == [(2025, date(2025, 11, 30))]
    late = await service.http.post(
        f"/bases/{BASE_ID}/self-evaluations", json={"year": 2025, "summary": "年度自评"}, headers=AS_HOST
    )
    assert late.status_code == 201, late.text
    assert [(s.year, s.late) for s in service.published(SelfEvaluationSubmitted)] == [(2025, True)]
    twice = await service.http.post(
        f"/bases/{BASE_ID}/self-evaluations", json={"year": 2025, "summary": "再交"}, headers=AS_HOST
    )
    assert twice.json()["detail"]["reason"] == "REPORT_ALREADY_SUBMITTED"


async def test_an_unqualified_base_rectifies_in_time_or_is_delisted(setup: tuple[InProcess, Calendar]) -> None:
    service, calendar = setup
    on_time = await service.http.post(
        f"/bases/{BASE_ID}/self-evaluations", json={"year": 2025, "summary": "自评"}, headers=AS_HOST
    )
    assert on_time.status_code == 201
    scores = {"report_quality": 40, "database": 50, "application": 30, "support": 60}
    body = {"year": 2025, "rating": "unqualified", "scores": scores}
    assert (
        await service.http.post(f"/bases/{BASE_ID}/ratings", json=body, headers=AS_HOST)
    ).status_code == 403  # the office rates
    bad = await service.http.post(f"/bases/{BASE_ID}/ratings", json={**body, "scores": {"charm": 50}}, headers=OFFICE)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "scores.charm"
    rated = await service.http.post(f"/bases/{BASE_ID}/ratings", json=body, headers=OFFICE)
    assert rated.status_code == 201, rated.text
    assert [(r.rating.value, r.rectify_by) for r in service.published(BaseRated)] == [
        ("unqualified", date(2025, 4, 30))
    ]
    calendar.days.append(date(2025, 4, 30))
    await daily(service)
    assert not service.published(BaseDelisted)  # the deadline's own day still counts
    calendar.days.append(date(2025, 5, 1))
    late = await service.http.post(f"/bases/{BASE_ID}/rectification", headers=OFFICE)
    assert late.json()["detail"]["reason"] == "RECTIFICATION_OVERDUE"
    await daily(service)
    assert [d.delisted_on for d in service.published(BaseDelisted)] == [date(2025, 5, 1)]
    after = await service.http.post(
        f"/bases/{BASE_ID}/self-evaluations", json={"year": 2024, "summary": "补交"}, headers=AS_HOST
    )
    assert after.json()["detail"]["reason"] == "BASE_DELISTED"
    refiled = await service.http.post("/bases", json={**BASE, "host_name": "新建设主体"}, headers=OFFICE)  # 优进劣出
    assert refiled.status_code == 201, refiled.text


async def test_a_result_is_pushed_to_the_registered_enterprises_of_the_industry(
    setup: tuple[InProcess, Calendar],
) -> None:
    service, _ = setup
    for firm, industry in ((IN_INDUSTRY, "3240"), (OUTSIDE, "65")):
        body = {**enterprise_body(firm, "150000"), "industry_codes": [industry]}
        assert (await service.http.post("/enterprises", json=body, headers=OFFICE)).status_code == 201

    async def indexed() -> bool:
        return await service.deps(EvaluationDeps).industries.enterprises_of("32") == [IN_INDUSTRY]

    await eventually(indexed, what="the industry index")
    answer = await service.http.post(
        f"/bases/{BASE_ID}/results",
        json={"title": "稀土新材料专利导航报告", "summary": "关键技术布局分析"},
        headers=AS_HOST,
    )
    assert answer.status_code == 201, answer.text
    assert [(r.industry, r.recipients) for r in service.published(NavigationResultPublished)] == [
        ("32", (IN_INDUSTRY,))
    ]
    # The enterprise moves to another industry: later results are not pushed to it.
    moved = {**enterprise_body(IN_INDUSTRY, "150000"), "industry_codes": ["65"]}
    moved.pop("credit_code")
    assert (await service.http.put(f"/enterprises/{IN_INDUSTRY}", json=moved, headers=OFFICE)).status_code == 200

    async def left() -> bool:
        return await service.deps(EvaluationDeps).industries.enterprises_of("32") == []

    await eventually(left, what="the enterprise out of the industry")
