"""HTTP commands and queries of evaluation: the enterprise registry, the expert library, a pool patent's evaluation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, status

from patentflow.contracts.events.evaluation import ExpertRegistered
from patentflow.evaluation import handlers
from patentflow.evaluation.deps import Deps
from patentflow.evaluation.models import (
    AssessmentCreate,
    AssignEnterprise,
    AssignExpert,
    EnterpriseBody,
    EnterpriseCreate,
    EnterpriseEvaluationCreate,
    ExpertCreate,
    ExpertReviewCreate,
    ExpertUpdate,
    OverseasFamilyCreate,
)
from patentflow.kit.auth import CurrentPrincipal
from patentflow.kit.http import CommandCall
from patentflow.kit.routing import CodePath, NumberPath, ServiceRouter

registry = ServiceRouter(tags=["enterprises and experts"])
patents = ServiceRouter(prefix="/patents", tags=["evaluation"])
ExpertId = Annotated[str, Path(min_length=1, max_length=50, pattern=r"^[\w@.-]+$", description="Expert id")]
Answer = dict[str, Any]
IDEMPOTENT = "Send an Idempotency-Key to repeat safely: the same key and body return the first answer."


@registry.post(
    "/enterprises", status_code=status.HTTP_201_CREATED, summary="Register an enterprise", description=IDEMPOTENT
)
async def register_enterprise(body: EnterpriseCreate, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.register_enterprise(deps, call.actor(body), body.credit_code, body.profile()))


@registry.get("/enterprises/{code}", summary="An enterprise's profile")
async def get_enterprise(code: CodePath, principal: CurrentPrincipal, deps: Deps) -> Answer:
    return await handlers.enterprise(deps, principal, code)


@registry.put("/enterprises/{code}", summary="Replace an enterprise's profile", description=IDEMPOTENT)
async def update_enterprise(code: CodePath, body: EnterpriseBody, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.update_enterprise(deps, call.actor(body), code, body.profile()))


@registry.post(
    "/experts", status_code=status.HTTP_201_CREATED, summary="Add an expert to the library", description=IDEMPOTENT
)
async def register_expert(body: ExpertCreate, call: CommandCall, deps: Deps) -> Answer:
    actor = call.actor(body)
    event = ExpertRegistered(**body.model_dump(), registered_by=actor.by)
    return call.answer(await handlers.register_expert(deps, actor, event))


@registry.get("/experts/{expert_id}", summary="An expert of the library")
async def get_expert(expert_id: ExpertId, principal: CurrentPrincipal, deps: Deps) -> Answer:
    return await handlers.expert(deps, principal, expert_id)


@registry.patch("/experts/{expert_id}", summary="Change an expert's conflicts and availability", description=IDEMPOTENT)
async def update_expert(expert_id: ExpertId, body: ExpertUpdate, call: CommandCall, deps: Deps) -> Answer:
    outcome = await handlers.update_expert(deps, call.actor(body), expert_id, tuple(body.conflicts), body.available)
    return call.answer(outcome)


@patents.post(
    "/{number}/assignments", status_code=status.HTTP_201_CREATED, summary="Put a pool patent to an enterprise"
)
async def assign_enterprise(number: NumberPath, body: AssignEnterprise, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.assign_enterprise(deps, call.actor(body), number, body.enterprise))


@patents.post(
    "/{number}/enterprise-evaluations", status_code=status.HTTP_201_CREATED, summary="An enterprise's evaluation"
)
async def evaluate(number: NumberPath, body: EnterpriseEvaluationCreate, call: CommandCall, deps: Deps) -> Answer:
    outcome = await handlers.evaluate_as_enterprise(deps, call.actor(body), number, body.enterprise, body.answer())
    return call.answer(outcome)


@patents.post("/{number}/experts", status_code=status.HTTP_201_CREATED, summary="Assign an expert")
async def assign_expert(number: NumberPath, body: AssignExpert, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.assign_expert(deps, call.actor(body), number, body.expert_id))


@patents.post("/{number}/expert-reviews", status_code=status.HTTP_201_CREATED, summary="An assigned expert's review")
async def review(number: NumberPath, body: ExpertReviewCreate, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.review_as_expert(deps, call.actor(body), number, body.scores, body.opinion))


@patents.post("/{number}/overseas-family", summary="Record whether granted family members exist abroad")
async def overseas_family(number: NumberPath, body: OverseasFamilyCreate, call: CommandCall, deps: Deps) -> Answer:
    outcome = await handlers.record_overseas_family(
        deps, call.actor(body), number, body.has_overseas_family, tuple(body.family_members)
    )
    return call.answer(outcome)


@patents.post("/{number}/assessments", status_code=status.HTTP_201_CREATED, summary="Assess the value for a scenario")
async def assess(number: NumberPath, body: AssessmentCreate, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.assess(deps, call.actor(body), number, body.scenario))


@patents.get("/{number}/evaluation", summary="A patent's evaluation, grade and high-value flags")
async def get_evaluation(number: NumberPath, principal: CurrentPrincipal, deps: Deps) -> Answer:
    return await handlers.evaluation(deps, principal, number)


@patents.get("/{number}/feedback", summary="Feedback on one of the institution's patents")
async def get_feedback(number: NumberPath, principal: CurrentPrincipal, deps: Deps) -> Answer:
    return await handlers.feedback(deps, principal, number)
