"""HTTP commands and queries of matching: demands, their ranked and explained matches, a patent's matches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, status

from patentflow.contracts.events.matching_enums import DemandEnding
from patentflow.kit.auth import CurrentPrincipal
from patentflow.kit.http import CommandCall
from patentflow.kit.routing import NumberPath, ServiceRouter
from patentflow.matching import handlers
from patentflow.matching.deps import Deps
from patentflow.matching.models import DemandCreate, DemandEnd

demands = ServiceRouter(prefix="/demands", tags=["demands"])
patents = ServiceRouter(prefix="/patents", tags=["matches"])
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
