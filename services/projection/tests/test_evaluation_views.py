"""The evaluation service's events in the projection: evaluation coverage, grades, answers counted without naming an
enterprise, the patent view's counts and the timeline's redaction; exact figures, any delivery order, repeats."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

from patentflow.contracts.access import Role
from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events.evaluation import (
    EnterpriseEvaluationSubmitted,
    EvaluationAssigned,
    ExpertAssigned,
    ExpertReviewSubmitted,
    GradeChanged,
    HighValueFlagsChanged,
)
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.projection.app import create_app
from patentflow.projection.config import Settings
from patentflow.projection.engine import Engine
from patentflow.testing.events import received
from patentflow.testing.inprocess import InProcess, MemoryRuntime, auth, eventually, running, settings_for
from patentflow.testing.samples import number

from .history import A, at, history, published, shuffled_with_repeats

F1 = "91430100MA4L00001" + credit_code_check_char("91430100MA4L00001")
F2 = "91110108MA0100003" + credit_code_check_char("91110108MA0100003")
P1, P2 = number(2019, 1), number(2019, 2)  # the two pool patents of institution A


def evaluation_history() -> list[tuple[DomainEvent, int, datetime, str]]:
    """Two enterprises evaluate P1 (F1 amends its answer), an expert reviews it; P1 and P2 are graded."""
    out: list[tuple[DomainEvent, int, datetime, str]] = []
    seq: dict[str, int] = {}

    def add(event: DomainEvent, when: datetime) -> None:
        subject = event.subject()
        seq[subject] = seq.get(subject, 0) + 1
        out.append((event, seq[subject], when, f"ev-{subject}-{seq[subject]}"))

    def answered(firm: str, revision: int, prospect: int, intent: str) -> EnterpriseEvaluationSubmitted:
        return EnterpriseEvaluationSubmitted.model_validate(
            {
                "application_number": P1,
                "enterprise": firm,
                "revision": revision,
                "prospect": prospect,
                "cooperation_intent": intent,
                "not_interested_reason": "price" if intent == "none" else None,
                "evaluated_by": firm,
            }
        )

    flags = {"sei": True, "overseas_family": False, "maintained_10y": False, "high_pledge": False, "award": False}
    add(GradeChanged(application_number=P1, old_grade=None, new_grade=3, composite=55.0, tree_version="t", reason="pool"),
        at(date(2024, 5, 13)))  # fmt: skip
    add(HighValueFlagsChanged.model_validate({"application_number": P1, "plan_period": "14th-fyp", "flags": flags,
        "high_value": True, "as_of": date(2024, 5, 13), "reason": "pool"}), at(date(2024, 5, 13)))  # fmt: skip
    add(GradeChanged(application_number=P2, old_grade=None, new_grade=4, composite=35.0, tree_version="t", reason="pool"),
        at(date(2024, 5, 13)))  # fmt: skip
    for firm in (F1, F2):
        add(EvaluationAssigned(application_number=P1, enterprise=firm, province="430000", assigned_by="office"),
            at(date(2024, 6, 1)))  # fmt: skip
    add(answered(F1, 1, 5, "licence"), at(date(2024, 6, 2)))
    add(answered(F2, 1, 3, "none"), at(date(2024, 6, 3)))
    add(answered(F1, 2, 4, "transfer"), at(date(2024, 7, 1)))  # the amendment counts, the first answer not
    add(ExpertAssigned(application_number=P1, expert_id="e.wang", assigned_by="office"), at(date(2024, 7, 2)))
    add(ExpertReviewSubmitted(application_number=P1, expert_id="e.wang", revision=1, tree_version="t",
                              scores={"technical.advancement": 80}, opinion="好", reviewed_by="e.wang"),
        at(date(2024, 7, 3)))  # fmt: skip
    add(GradeChanged(application_number=P1, old_grade=3, new_grade=2, composite=66.0, tree_version="t", reason="review"),
        at(date(2024, 7, 3)))  # fmt: skip
    return out


def every_event() -> list[ReceivedEvent]:
    return history() + [received(e, s, time=t, event_id=i) for e, s, t, i in evaluation_history()]


async def figures(engine: Engine, day: date | None = None) -> dict[str, Any]:
    from patentflow.kit.principal import Principal
    from patentflow.projection import queries, views

    national = Principal(sub="n", role=Role.NATIONAL_ADMIN, scope={})  # type: ignore[arg-type]
    f = queries.Filters()
    return {
        "coverage": await views.evaluation_coverage(engine, national, f, "institution", day),
        "grades": await views.grades(engine, national, f, None, day),
        "prospect": await views.answers(engine, national, f, "prospect", day),
        "intent": await views.answers(engine, national, f, "intent", day),
    }


def without_times(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "changed_at"} for row in rows]


async def test_evaluation_figures_are_exact_in_any_order_with_repeats() -> None:
    engine = Engine(None)
    await engine.start()
    await engine.apply(every_event())
    first = await figures(engine)
    assert without_times(first["coverage"]) == [
        {
            "institution": A,
            "pooled": 2,
            "enterprise_evaluated": 1,
            "expert_reviewed": 1,
            "enterprise_share": 0.5,
            "expert_share": 0.5,
        },
    ]
    assert without_times(first["grades"]) == [  # B's pool patent left the pool ungraded: not counted
        {"grade": 2, "patents": 1, "high_value": 1},
        {"grade": 4, "patents": 1, "high_value": 0},
    ]
    assert first["prospect"] == [
        {"prospect": 3, "answers": 1, "patents": 1},
        {"prospect": 4, "answers": 1, "patents": 1},
    ]
    assert first["intent"] == [
        {"intent": "none", "answers": 1, "patents": 1},
        {"intent": "transfer", "answers": 1, "patents": 1},
    ]
    for seed in (1, 2, 3):
        other = Engine(None)
        await other.start()
        for batch in shuffled_with_repeats(every_event(), seed):
            await other.apply(batch)
        again = await figures(other)
        assert {k: without_times(v) for k, v in again.items()} == {k: without_times(v) for k, v in first.items()}
    # As of a day between the first answers and the amendment: F1's first answer counts.
    early = await figures(engine, date(2024, 6, 15))
    assert early["intent"] == [
        {"intent": "licence", "answers": 1, "patents": 1},
        {"intent": "none", "answers": 1, "patents": 1},
    ]
    assert without_times(early["grades"])[0]["grade"] == 3


@contextlib.asynccontextmanager
async def loaded() -> AsyncIterator[InProcess]:
    settings = settings_for(Settings, engine_dir=None)
    async with running(create_app(settings, runtime=MemoryRuntime(settings))) as service:
        for event, sequence, when, event_id in [*published(), *evaluation_history()]:
            await service.publish(event, sequence=sequence, time=when, event_id=event_id)

        async def all_there() -> bool:
            doc = await service.app.state.deps.patents.get(P1)
            return bool(doc and doc.get("evaluation", {}).get("grade") == 2 and doc["evaluation"].get("experts"))

        await eventually(all_there, what="the evaluation events in the patent view")
        yield service


async def test_the_patent_view_counts_answers_and_the_timeline_hides_other_enterprises_answers() -> None:
    async with loaded() as service:
        national = auth(Role.NATIONAL_ADMIN)
        view = (await service.http.get(f"/patents/{P1}", headers=national)).json()
        assert view["evaluation"] == {
            "enterprise_evaluations": 2, "by_prospect": {"3": 1, "4": 1}, "by_intent": {"none": 1, "transfer": 1},
            "expert_reviews": 1, "grade": 2, "high_value": True, "high_value_categories": ["sei"],
        }  # fmt: skip
        firm = auth(Role.ENTERPRISE, enterprise=F1)
        as_firm = (await service.http.get(f"/patents/{P1}", headers=firm)).json()
        assert as_firm["evaluation"]["by_intent"] == {"none": 1, "transfer": 1}  # counts, no names

        async def timeline(headers: dict[str, str]) -> list[dict[str, Any]]:
            answer = await service.http.get(f"/patents/{P1}/timeline", headers=headers)
            assert answer.status_code == 200, answer.text
            return [e for e in answer.json()["events"] if e["source"].endswith("evaluation")]

        everything = await timeline(national)
        assert sum(1 for e in everything if e["data"].get("enterprise") == F2) == 2
        seen_by_f1 = await timeline(firm)
        assert len(seen_by_f1) == len(everything)  # it sees that they happened …
        assert not [e for e in seen_by_f1 if e["data"].get("enterprise") == F2 or e["actor"] == F2]  # … not F2's answer
        assert [
            e["data"]["revision"] for e in seen_by_f1 if e["data"].get("enterprise") == F1 and "revision" in e["data"]
        ] == [1, 2]

        coverage = (
            await service.http.get("/views/evaluation-coverage", params={"group": "province"}, headers=national)
        ).json()
        assert [(r["province"], r["pooled"], r["enterprise_evaluated"]) for r in coverage["rows"]] == [("110000", 2, 1)]
        hunan = auth(Role.PROVINCE_OFFICE, province="430000")
        theirs = (await service.http.get("/views/evaluation-coverage", headers=hunan)).json()
        assert theirs["rows"] == []  # Hunan has no pool patent here, and sees none of Beijing's
        assert (await service.http.get("/views/evaluation-answers", headers=firm)).status_code == 403
        assert (await service.http.get("/views/grades", params={"format": "csv"}, headers=national)).status_code == 200
