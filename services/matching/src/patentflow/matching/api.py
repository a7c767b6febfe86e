"""HTTP commands and queries of matching: demands, their ranked and explained matches, a patent's matches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, status

from patentflow.contracts.events.matching_enums import DemandEnding
from patentflow.kit.auth import CurrentPrincipal
from patentflow.kit.http import CommandCall
from patentflow.kit.routing import CodePath, NumberPath, ServiceRouter
from patentflow.matching import handlers
from patentflow.matching.deps import Deps
from patentflow.matching.models import (
    AnswerCreate,
    DemandCreate,
    DemandEnd,
    NegotiationEnd,
    Preferences,
    SessionCreate,
)

demands = ServiceRouter(prefix="/demands", tags=["demands"])
patents = ServiceRouter(prefix="/patents", tags=["matches"])
pushes = ServiceRouter(prefix="/enterprises", tags=["pushes"])
sessions = ServiceRouter(prefix="/sessions", tags=["matchmaking sessions"])
DemandId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The demand's id")]
Answer = dict[str, Any]
IDEMPOTENT = "Send an Idempotency-Key to repeat safely: the same key and body return the first answer."


@demands.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Publish a demand; the answer holds its ranked, explained matches",
    description=IDEMPOTENT,
)
async def publish(body: DemandCreate, call: CommandCall, deps: Deps) -> Answer:
    values = body.model_dump()
    values.update({k: tuple(values[k]) for k in ("ipc_fields", "industry_codes", "products", "regions")})
    return call.answer(await handlers.publish_demand(deps, call.actor(body), values))


@demands.get("/{demand_id}", summary="A demand")
async def get_demand(demand_id: DemandId, principal: CurrentPrincipal, deps: Deps) -> Answer:
    return await handlers.demand(deps, principal, demand_id)


@demands.get("/{demand_id}/matches", summary="A demand's open matches, best first, with score and reasons")
async def get_matches(
    demand_id: DemandId,
    principal: CurrentPrincipal,
    deps: Deps,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Answer:
    return await handlers.demand_matches(deps, principal, demand_id, limit)


@demands.post("/{demand_id}/end", summary="Close or withdraw a demand (its matches are withdrawn)")
async def end(demand_id: DemandId, body: DemandEnd, call: CommandCall, deps: Deps) -> Answer:
    return await handlers.end_demand(deps, call.actor(body), demand_id, DemandEnding(body.ending))


@patents.get("/{number}/matches", summary="A patent's open matches, for its institution and the authorities")
async def patent_matches(number: NumberPath, principal: CurrentPrincipal, deps: Deps) -> Answer:
    return await handlers.patent_matches(deps, principal, number)


@patents.post("/{number}/answers", summary="An enterprise's answer: viewed, interested (a negotiation opens), declined")
async def answer(number: NumberPath, body: AnswerCreate, call: CommandCall, deps: Deps) -> Answer:
    return await handlers.answer_patent(
        deps, call.actor(body), number, body.enterprise, body.answer, body.declined_reason, body.note
    )


@patents.post("/{number}/negotiations/{code}/end", summary="A negotiation ends in a deal or is abandoned")
async def end_negotiation(
    number: NumberPath, code: CodePath, body: NegotiationEnd, call: CommandCall, deps: Deps
) -> Answer:
    return await handlers.end_negotiation(deps, call.actor(body), number, code, body.outcome, body.deal_reference)


@pushes.put("/{code}/preferences", summary="What an enterprise is pushed, and how often")
async def preferences(code: CodePath, body: Preferences, call: CommandCall, deps: Deps) -> Answer:
    return await handlers.set_preferences(deps, call.actor(body), code, body.model_dump(mode="json"))


@pushes.post("/{code}/push", summary="Push the enterprise its new matches now (the daily push keeps its frequency)")
async def push(code: CodePath, call: CommandCall, deps: Deps) -> Answer:
    return await handlers.push_now(deps, call.actor(), code)


@pushes.get("/{code}/inbox", summary="The patents pushed to an enterprise, latest first, with its answers")
async def get_inbox(code: CodePath, principal: CurrentPrincipal, deps: Deps) -> Answer:
    return await handlers.inbox(deps, principal, code)


@sessions.post(
    "", status_code=status.HTTP_201_CREATED, summary="Record a matchmaking session held", description=IDEMPOTENT
)
async def record_session(body: SessionCreate, call: CommandCall, deps: Deps) -> Answer:
    values = body.model_dump()
    values.update(participants=tuple(values["participants"]), presented=tuple(values["presented"]),
                  results=tuple(values["results"]))  # fmt: skip
    return call.answer(await handlers.record_session(deps, call.actor(body), values))
