"""A pool patent's evaluation in process: registry, assignment, enterprise and expert evaluation, feedback, grade,
high-value flags; and every rule refusing with its reason code, nothing stored and nothing published."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events import EVENT_TYPES
from patentflow.contracts.events.evaluation import (
    EnterpriseEvaluationSubmitted,
    EnterpriseRegistered,
    EvaluationAssigned,
    EvaluationFeedbackIssued,
    ExpertAssigned,
    ExpertRegistered,
    ExpertReviewSubmitted,
    GradeChanged,
    HighValueFlagsChanged,
    ValueAssessed,
)
from patentflow.evaluation.app import create_app
from patentflow.evaluation.config import Settings
from patentflow.testing.inprocess import InProcess, MemoryRuntime, running, settings_for

from .scenario import (
    BEIJING_FIRM,
    BEIJING_OFFICE,
    HUNAN_FIRM,
    HUNAN_FIRM_2,
    HUNAN_OFFICE,
    INSTITUTION,
    INSTITUTION_ADMIN,
    NATIONAL,
    NOT_POOLED,
    OTHER_ADMIN,
    POOLED,
    enterprise_body,
    expert,
    expert_body,
    firm,
    patents_arrive,
)


@pytest.fixture
async def service() -> AsyncIterator[InProcess]:
    settings = settings_for(Settings)
    async with running(create_app(settings, runtime=MemoryRuntime(settings))) as running_service:
        await patents_arrive(running_service)
        yield running_service


def evaluation_events(service: InProcess) -> list[DomainEvent]:
    """Every event of the evaluation service published so far."""
    kinds = [k for k in EVENT_TYPES.values() if k.topic.owner.value == "evaluation"]
    return [e for kind in kinds for e in service.published(kind)]


async def registered(service: InProcess) -> None:
    """Two Hunan enterprises and one of Beijing; one expert with a conflict, one without."""
    answer = await service.http.post(
        "/enterprises", json=enterprise_body(HUNAN_FIRM, "430000"), headers=firm(HUNAN_FIRM)
    )
    assert answer.status_code == 201, answer.text
    answer = await service.http.post("/enterprises", json=enterprise_body(HUNAN_FIRM_2, "430000"), headers=HUNAN_OFFICE)
    assert answer.status_code == 201, answer.text
    answer = await service.http.post(
        "/enterprises", json=enterprise_body(BEIJING_FIRM, "110000", "北京示范科技有限公司"), headers=BEIJING_OFFICE
    )
    assert answer.status_code == 201, answer.text
    for expert_id, conflicts in (("e-free", []), ("e-conflicted", [INSTITUTION])):
        answer = await service.http.post("/experts", json=expert_body(expert_id, conflicts), headers=HUNAN_OFFICE)
        assert answer.status_code == 201, answer.text


async def test_a_pool_patent_is_assigned_evaluated_fed_back_and_graded(service: InProcess) -> None:
    await registered(service)
    first_grade = service.published(GradeChanged)
    assert [(g.application_number, g.old_grade) for g in first_grade] == [(POOLED, None)]  # graded on pool entry

    answer = await service.http.post(
        f"/patents/{POOLED}/assignments", json={"enterprise": HUNAN_FIRM}, headers=HUNAN_OFFICE
    )
    assert answer.status_code == 201, answer.text
    evaluation = {"enterprise": HUNAN_FIRM, "prospect": 5, "cooperation_intent": "licence",
                  "improvement_needs": "需提高循环寿命", "willingness_to_pay": "500000"}  # fmt: skip
    answer = await service.http.post(
        f"/patents/{POOLED}/enterprise-evaluations", json=evaluation, headers=firm(HUNAN_FIRM)
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["revision"] == 1

    submitted = service.published(EnterpriseEvaluationSubmitted)
    assert [(e.enterprise, e.prospect.value, e.cooperation_intent.value) for e in submitted] == [
        (HUNAN_FIRM, 5, "licence")
    ]
    feedback = service.published(EvaluationFeedbackIssued)
    assert [(f.institution, f.from_id, f.improvement_needs) for f in feedback] == [
        (INSTITUTION, HUNAN_FIRM, "需提高循环寿命")
    ]
    assessed = service.published(ValueAssessed)[-1]
    assert {s.indicator for s in assessed.scores} >= {"economic.market_prospect", "technical.maturity", "legal.status"}
    assert next(s for s in assessed.scores if s.indicator == "economic.market_prospect").score == 100.0

    # The institution reads its feedback; another institution learns nothing.
    answer = await service.http.get(f"/patents/{POOLED}/feedback", headers=INSTITUTION_ADMIN)
    assert answer.status_code == 200
    assert [(f["from_id"], f["cooperation_intent"]) for f in answer.json()["feedback"]] == [(HUNAN_FIRM, "licence")]
    assert (await service.http.get(f"/patents/{POOLED}/feedback", headers=OTHER_ADMIN)).status_code == 404
    assert (await service.http.get(f"/patents/{POOLED}/feedback", headers=firm(HUNAN_FIRM))).status_code == 404

    # An amendment keeps the history and counts once.
    amended = {**evaluation, "prospect": 2, "cooperation_intent": "none", "not_interested_reason": "price"}
    amended.pop("willingness_to_pay")
    answer = await service.http.post(
        f"/patents/{POOLED}/enterprise-evaluations", json=amended, headers=firm(HUNAN_FIRM)
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["revision"] == 2
    whole = (await service.http.get(f"/patents/{POOLED}/evaluation", headers=INSTITUTION_ADMIN)).json()
    assert [(e["enterprise"], e["revision"], e["prospect"]) for e in whole["enterprise_evaluations"]] == [
        (HUNAN_FIRM, 2, 2)
    ]

    # The expert without a conflict is assigned and reviews.
    answer = await service.http.post(f"/patents/{POOLED}/experts", json={"expert_id": "e-free"}, headers=HUNAN_OFFICE)
    assert answer.status_code == 201, answer.text
    review = {"scores": {"technical.advancement": 90, "legal.stability": 80}, "opinion": "技术先进，权利稳定"}
    answer = await service.http.post(f"/patents/{POOLED}/expert-reviews", json=review, headers=expert("e-free"))
    assert answer.status_code == 201, answer.text
    assert [r.expert_id for r in service.published(ExpertReviewSubmitted)] == ["e-free"]
    assert [a.expert_id for a in service.published(ExpertAssigned)] == ["e-free"]

    # Grade events carry the old and new grade, one per change and none when the grade stays.
    grades = service.published(GradeChanged)
    assert all(g.old_grade != g.new_grade for g in grades)
    assert [g.old_grade for g in grades[1:]] == [g.new_grade for g in grades[:-1]]
    flags = service.published(HighValueFlagsChanged)
    assert flags
    assert flags[0].flags["sei"] is True  # H01M: new energy vehicles in the SEI table
    assert flags[0].high_value is True


async def test_the_enterprise_sees_its_own_answers_only(service: InProcess) -> None:
    await registered(service)
    for code in (HUNAN_FIRM, HUNAN_FIRM_2):
        await service.http.post(f"/patents/{POOLED}/assignments", json={"enterprise": code}, headers=HUNAN_OFFICE)
        body = {"enterprise": code, "prospect": 4, "cooperation_intent": "transfer"}
        assert (
            await service.http.post(f"/patents/{POOLED}/enterprise-evaluations", json=body, headers=firm(code))
        ).status_code == 201
    mine = (await service.http.get(f"/patents/{POOLED}/evaluation", headers=firm(HUNAN_FIRM))).json()
    assert [e["enterprise"] for e in mine["enterprise_evaluations"]] == [HUNAN_FIRM]
    assert "assigned" not in mine
    assert (await service.http.get(f"/patents/{POOLED}/evaluation", headers=firm(BEIJING_FIRM))).status_code == 404


async def refused(service: InProcess, path: str, body: dict[str, Any], headers: dict[str, str], status: int) -> Any:
    """Send a command that must be refused; assert the status, that nothing was published, return the detail."""
    before = len(evaluation_events(service))
    answer = await service.http.post(path, json=body, headers=headers)
    assert answer.status_code == status, answer.text
    assert len(evaluation_events(service)) == before
    return answer.json()["detail"]


async def test_each_rule_refuses_with_its_reason_and_stores_nothing(service: InProcess) -> None:
    await registered(service)
    before = (await service.http.get(f"/patents/{POOLED}/evaluation", headers=NATIONAL)).json()

    # A provincial office assigns to enterprises of its own province only.
    body = await refused(service, f"/patents/{POOLED}/assignments", {"enterprise": BEIJING_FIRM}, HUNAN_OFFICE, 409)
    assert body["reason"] == "ENTERPRISE_OF_ANOTHER_PROVINCE"
    assert "legal_source" in body
    # Only pool patents are evaluated.
    body = await refused(service, f"/patents/{NOT_POOLED}/assignments", {"enterprise": HUNAN_FIRM}, HUNAN_OFFICE, 409)
    assert body["reason"] == "NOT_IN_POOL"
    # An unknown enterprise.
    from .scenario import code

    stranger = code("91430100MA4L00099")
    body = await refused(service, f"/patents/{POOLED}/assignments", {"enterprise": stranger}, HUNAN_OFFICE, 409)
    assert body["reason"] == "UNKNOWN_ENTERPRISE"

    await service.http.post(f"/patents/{POOLED}/assignments", json={"enterprise": HUNAN_FIRM}, headers=HUNAN_OFFICE)
    body = await refused(service, f"/patents/{POOLED}/assignments", {"enterprise": HUNAN_FIRM}, HUNAN_OFFICE, 409)
    assert body["reason"] == "ALREADY_ASSIGNED"

    answer = {"enterprise": HUNAN_FIRM, "prospect": 4, "cooperation_intent": "licence"}
    # An enterprise acts for itself only.
    await refused(service, f"/patents/{POOLED}/enterprise-evaluations", answer, firm(HUNAN_FIRM_2), 403)
    # An enterprise evaluates what was assigned to it.
    not_assigned = {**answer, "enterprise": HUNAN_FIRM_2}
    body = await refused(service, f"/patents/{POOLED}/enterprise-evaluations", not_assigned, firm(HUNAN_FIRM_2), 409)
    assert body["reason"] == "NOT_ASSIGNED"
    # Out of the pool: refused whoever asks.
    body = await refused(service, f"/patents/{NOT_POOLED}/enterprise-evaluations", answer, firm(HUNAN_FIRM), 409)
    assert body["reason"] == "NOT_IN_POOL"
    # Bad input: an out-of-range prospect, a missing reason.
    body = await refused(
        service, f"/patents/{POOLED}/enterprise-evaluations", {**answer, "prospect": 7}, firm(HUNAN_FIRM), 422
    )
    assert body[0]["loc"][-1] == "prospect"
    no_reason = {**answer, "cooperation_intent": "none"}
    body = await refused(service, f"/patents/{POOLED}/enterprise-evaluations", no_reason, firm(HUNAN_FIRM), 422)
    assert body[0]["loc"][-1] == "not_interested_reason"

    # Experts: a conflicted one, then the same one twice.
    body = await refused(service, f"/patents/{POOLED}/experts", {"expert_id": "e-conflicted"}, HUNAN_OFFICE, 409)
    assert body["reason"] == "EXPERT_CONFLICTED"
    await service.http.post(f"/patents/{POOLED}/experts", json={"expert_id": "e-free"}, headers=HUNAN_OFFICE)
    body = await refused(service, f"/patents/{POOLED}/experts", {"expert_id": "e-free"}, HUNAN_OFFICE, 409)
    assert body["reason"] == "ALREADY_ASSIGNED"
    # Unknown indicator and an out-of-range score: 422 naming them.
    bad = {"scores": {"technical.charisma": 50, "legal.stability": 101}, "opinion": "x"}
    body = await refused(service, f"/patents/{POOLED}/expert-reviews", bad, expert("e-free"), 422)
    assert {d["loc"][-1] for d in body} == {"scores.technical.charisma", "scores.legal.stability"}
    # An expert not assigned.
    body = await refused(service, f"/patents/{POOLED}/expert-reviews", {"scores": {"legal.stability": 50}, "opinion": "x"},
                         expert("e-conflicted"), 409)  # fmt: skip
    assert body["reason"] == "NOT_ASSIGNED"

    after = (await service.http.get(f"/patents/{POOLED}/evaluation", headers=NATIONAL)).json()
    assert [a["enterprise"] for a in after["assigned"]] == [HUNAN_FIRM]
    assert [e["expert_id"] for e in after["experts"]] == ["e-free"]
    assert after["enterprise_evaluations"] == before["enterprise_evaluations"] == []
    assert after["expert_reviews"] == []


async def test_registry_rules(service: InProcess) -> None:
    await registered(service)
    body = await refused(service, "/enterprises", enterprise_body(HUNAN_FIRM, "430000"), firm(HUNAN_FIRM), 409)
    assert body["reason"] == "ENTERPRISE_ALREADY_REGISTERED"
    from .scenario import code

    other = code("91430100MA4L00077")
    await refused(service, "/enterprises", enterprise_body(other, "430000"), firm(HUNAN_FIRM), 403)  # not itself
    await refused(service, "/enterprises", enterprise_body(other, "430000"), BEIJING_OFFICE, 403)  # another province
    bad = {**enterprise_body(other, "430000"), "credit_code": other[:-1] + ("0" if other[-1] != "0" else "1")}
    body = await refused(service, "/enterprises", bad, HUNAN_OFFICE, 422)
    assert body[0]["loc"][-1] == "credit_code"
    no_such = {**enterprise_body(other, "430000"), "industry_codes": ["C6511"]}  # division 65 is in section I
    body = await refused(service, "/enterprises", no_such, HUNAN_OFFICE, 422)
    assert body[0]["loc"][-2:] == ["industry_codes", 0]
    # An enterprise is read by itself and its office only.
    assert (await service.http.get(f"/enterprises/{HUNAN_FIRM}", headers=firm(HUNAN_FIRM))).status_code == 200
    assert (await service.http.get(f"/enterprises/{HUNAN_FIRM}", headers=firm(HUNAN_FIRM_2))).status_code == 404
    assert (await service.http.get(f"/enterprises/{HUNAN_FIRM}", headers=BEIJING_OFFICE)).status_code == 404
    assert [e.credit_code for e in service.published(EnterpriseRegistered)] == [HUNAN_FIRM, HUNAN_FIRM_2, BEIJING_FIRM]
    assert [e.expert_id for e in service.published(ExpertRegistered)] == ["e-free", "e-conflicted"]
    # The expert declares a new conflict itself.
    answer = await service.http.patch(
        "/experts/e-free", json={"conflicts": [INSTITUTION], "available": True}, headers=expert("e-free")
    )
    assert answer.status_code == 200, answer.text
    body = await refused(service, f"/patents/{POOLED}/experts", {"expert_id": "e-free"}, HUNAN_OFFICE, 409)
    assert body["reason"] == "EXPERT_CONFLICTED"
    assert not service.published(EvaluationAssigned)
