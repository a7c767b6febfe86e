"""HTTP commands and queries of evaluation: the enterprise registry, the expert library, a pool patent's evaluation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, status

from patentflow.contracts.events.evaluation import BaseFiled, ExpertRegistered
from patentflow.evaluation import handlers
from patentflow.evaluation.bases import base_id_of
from patentflow.evaluation.deps import Deps
from patentflow.evaluation.models import (
    AssessmentCreate,
    AssignEnterprise,
    AssignExpert,
    BaseCreate,
    EnterpriseBody,
    EnterpriseCreate,
    EnterpriseEvaluationCreate,
    ExpertCreate,
    ExpertReviewCreate,
    ExpertUpdate,
    OverseasFamilyCreate,
    RatingCreate,
    ResultCreate,
    SelfEvaluationCreate,
)
from patentflow.kit.auth import CurrentPrincipal
from patentflow.kit.http import CommandCall
from patentflow.kit.routing import CodePath, NumberPath, ServiceRouter

registry = ServiceRouter(tags=["enterprises and experts"])
patents = ServiceRouter(prefix="/patents", tags=["evaluation"])
navigation = ServiceRouter(prefix="/bases", tags=["navigation service bases"])
BaseId = Annotated[str, Path(pattern=r"^\d{6}-\d{2,4}$", description="<province>-<industry>, e.g. 150000-32")]
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


@navigation.post("", status_code=status.HTTP_201_CREATED, summary="File a navigation service base (备案)")
async def file_base(body: BaseCreate, call: CommandCall, deps: Deps) -> Answer:
    actor = call.actor(body)
    event = BaseFiled(
        base_id=base_id_of(body.province, body.industry),
        **body.model_dump(),
        filed_on=deps.clock.today(),
        filed_by=actor.by,
    )
    return call.answer(await handlers.file_base(deps, actor, event))


@navigation.get("/{base_id}", summary="A navigation service base")
async def get_base(base_id: BaseId, principal: CurrentPrincipal, deps: Deps) -> Answer:
    return await handlers.base(deps, principal, base_id)


@navigation.post(
    "/{base_id}/self-evaluations", status_code=status.HTTP_201_CREATED, summary="The yearly self-evaluation"
)
async def self_evaluation(base_id: BaseId, body: SelfEvaluationCreate, call: CommandCall, deps: Deps) -> Answer:
    outcome = await handlers.submit_self_evaluation(deps, call.actor(body), base_id, body.year, body.summary)
    return call.answer(outcome)


@navigation.post("/{base_id}/ratings", status_code=status.HTTP_201_CREATED, summary="The yearly performance rating")
async def rating(base_id: BaseId, body: RatingCreate, call: CommandCall, deps: Deps) -> Answer:
    outcome = await handlers.rate_base(deps, call.actor(body), base_id, body.year, body.rating, body.scores)
    return call.answer(outcome)


@navigation.post("/{base_id}/rectification", summary="Accept the rectification of an 不合格 base")
async def rectification(base_id: BaseId, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.accept_rectification(deps, call.actor(), base_id))


@navigation.post("/{base_id}/results", status_code=status.HTTP_201_CREATED, summary="Publish a navigation result")
async def result(base_id: BaseId, body: ResultCreate, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.publish_result(deps, call.actor(body), base_id, body.title, body.summary))
