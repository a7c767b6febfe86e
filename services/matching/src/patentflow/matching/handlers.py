"""Matching's use cases, one function each: load, check access, decide with the domain, save.

A handler takes the service's dependencies, the acting caller and the command's values; it knows no HTTP. Every
store access is by id: a demand, a patent's matches, the replicas' documents. A decision that leaves work behind
(a demand to match after publication, its matches to withdraw after its end) marks it ``pending`` on the demand,
and the handler clears the mark when the work is done; ``recover`` finishes what a crash interrupted.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from typing import Any

import structlog

from patentflow.contracts.events.evaluation_enums import NotInterestedReason
from patentflow.contracts.events.matching import DemandPublished, MatchmakingHeld, MatchReasons, PushItem
from patentflow.contracts.events.matching_enums import (
    DemandEnding,
    MatchTrigger,
    MatchWithdrawal,
    NegotiationOutcome,
    PushAnswer,
)
from patentflow.contracts.reasons import ReasonCode
from patentflow.kit import usecase
from patentflow.kit.decisions import Aggregate, CommandContext, Outcome
from patentflow.kit.errors import Forbidden, NotFound, RuleViolation
from patentflow.kit.principal import Principal
from patentflow.kit.usecase import Actor
from patentflow.matching import access, demands, matches, pool, sessions, subscriptions
from patentflow.matching.deps import MatchingDeps
from patentflow.matching.engine import Match, shared_level
from patentflow.matching.matches import Found

NO_DEMAND = "no such demand"
NO_PATENT = "no such patent"
SERVICE = "matching"
Answer = dict[str, Any]
log = structlog.get_logger(__name__)


def demand_id_for(principal: Principal, idempotency_key: str | None) -> str:
    """A new demand's id: from the caller and its Idempotency-Key (so a retry finds the same demand), or random."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    return hashlib.sha256(f"{principal.sub}\0{idempotency_key}".encode()).hexdigest()[:32]


def _internal(key: str) -> CommandContext:
    return CommandContext(principal=SERVICE, command_id=key, correlation_id=key)


# --- demands ------------------------------------------------------------------------------------------------------


async def publish_demand(deps: MatchingDeps, actor: Actor, values: dict[str, Any]) -> Outcome:
    """Publish a demand for a registered enterprise, then rank the pool for it; the answer holds its matches."""
    enterprise = values["enterprise"]
    registered = await deps.enterprises.get(enterprise)
    if registered is None or "province" not in registered:
        raise RuleViolation(ReasonCode.UNKNOWN_ENTERPRISE, enterprise=enterprise)
    province = registered["province"]
    if not access.may_publish(actor.principal, enterprise, province):
        raise Forbidden("an enterprise publishes its own demands, or its province's office for it")
    today = deps.clock.today()
    demand_id = demand_id_for(actor.principal, actor.context.idempotency_key)
    event = DemandPublished(demand_id=demand_id, province=province, published_on=today, published_by=actor.by,
                            collected_by_office=actor.principal.role.value == "province_office", **values)  # fmt: skip
    outcome = await deps.demands.execute(
        demand_id, actor.context, lambda current: demands.publish(current, event, today=today)
    )
    await deps.subscriptions.execute(
        enterprise, _internal(f"demand:{demand_id}"),
        lambda current: subscriptions.add_demand(current, province, demand_id),
    )  # fmt: skip
    await match_demand(deps, demand_id)
    ranked = await _ranked(deps, demand_id, deps.matches_per_demand)
    return Outcome({**outcome.response, "matches": ranked}, replayed=outcome.replayed)


async def match_demand(deps: MatchingDeps, demand_id: str) -> list[Match]:
    """Rank the pool for an open demand, record the matches on their patents, then on the demand."""
    current = await deps.demands.get(demand_id)
    if current is None or current.state["status"] != demands.OPEN:
        return []
    entry = demands.entry(demand_id, current.state)
    deps.engine.put_demand(entry)
    deps.engine.commit()
    ranked = [m for m in deps.engine.rank(entry, deps.matches_per_demand) if deps.engine.ranking.accepts(m)]
    for match in ranked:
        pair = Found(match, current.state["enterprise"], current.state["province"])
        await _record_found(deps, match.number, [pair], MatchTrigger.NEW_DEMAND)
    await deps.demands.execute(
        demand_id,
        _internal(f"matched:{demand_id}"),
        lambda latest: demands.record_matched(_exists(latest), [m.number for m in ranked], done="match"),
    )
    return ranked


async def end_demand(deps: MatchingDeps, actor: Actor, demand_id: str, ending: DemandEnding) -> Answer:
    """Close or withdraw a demand; its open matches are withdrawn."""
    today = deps.clock.today()
    outcome = await usecase.run(
        deps.demands,
        demand_id,
        actor,
        may_read=access.may_read_demand,
        may_act=access.may_end_demand,
        decide=lambda current: demands.end(current, ending, today=today, by=actor.by),
        missing=NO_DEMAND,
    )
    await withdraw_demand(deps, demand_id)
    after = await deps.demands.get(demand_id)
    return demands.answer(demand_id, after.version, after.state) if after else outcome.response


async def withdraw_demand(deps: MatchingDeps, demand_id: str) -> int:
    """Take an ended demand out of the engine and withdraw its open matches; returns the patents looked at."""
    deps.engine.drop_demand(demand_id)
    deps.engine.commit()
    current = await deps.demands.get(demand_id)
    if current is None or current.state["pending"] != "withdraw":
        return 0
    today, withdrawn = deps.clock.today(), 0
    for number in current.state["matched"]:
        if await deps.matches.get(number) is None:
            continue
        await _withdraw_pair(deps, number, demand_id, today)
        withdrawn += 1
    await deps.demands.execute(
        demand_id,
        _internal(f"withdrawn:{demand_id}"),
        lambda latest: demands.record_matched(_exists(latest), [], done="withdraw"),
    )
    return withdrawn


async def _withdraw_pair(deps: MatchingDeps, number: str, demand_id: str, today: date) -> None:
    await deps.matches.execute(
        number, _internal(f"withdraw:{demand_id}:{number}"),
        lambda latest: matches.withdraw(latest, number, MatchWithdrawal.DEMAND_ENDED, today=today, demand_id=demand_id),
    )  # fmt: skip


async def demand(deps: MatchingDeps, principal: Principal, demand_id: str) -> Answer:
    """One demand, to those who may see it."""
    found = usecase.visible(await deps.demands.get(demand_id), principal, access.may_read_demand, NO_DEMAND)
    return demands.answer(demand_id, found.version, found.state)


async def demand_matches(deps: MatchingDeps, principal: Principal, demand_id: str, limit: int) -> Answer:
    """A demand's open matches, best first, each with its score, reasons and the patent's title."""
    usecase.visible(await deps.demands.get(demand_id), principal, access.may_read_demand, NO_DEMAND)
    return {"demand_id": demand_id, "matches": await _ranked(deps, demand_id, limit)}


async def _ranked(deps: MatchingDeps, demand_id: str, limit: int) -> list[Answer]:
    current = await deps.demands.get(demand_id)
    listed: list[Answer] = []
    for number in current.state["matched"] if current else ():
        held = await deps.matches.get(number)
        pair = held.state["demands"].get(demand_id) if held else None
        if pair is None or pair["status"] != matches.OPEN:
            continue
        patent = await deps.patents.get(number) or {}
        listed.append({"application_number": number, "title": patent.get("title"), "province": patent.get("province"),
                       "score": pair["score"], "reasons": pair["reasons"], "found_on": pair["found_on"]})  # fmt: skip
    listed.sort(key=lambda m: (-m["score"], m["application_number"]))
    return listed[:limit]


async def expire_demands(deps: MatchingDeps) -> int:
    """The daily check: open demands past their deadline expire and their matches are withdrawn."""
    today = deps.clock.today()
    expired = 0
    for demand_id in await deps.demands.ids({"state.status": demands.OPEN}):
        outcome = await deps.demands.execute(
            demand_id, _internal(f"expire:{today}:{demand_id}"),
            lambda latest: demands.expire(_exists(latest), today=today),
        )  # fmt: skip
        if outcome.response["status"] == DemandEnding.EXPIRED.value:
            await withdraw_demand(deps, demand_id)
            expired += 1
    return expired


# --- patents ------------------------------------------------------------------------------------------------------


async def match_pooled(deps: MatchingDeps, number: str) -> int:
    """A patent in the engine's pool: match it against the open demands; returns the matches found."""
    if not deps.engine.has_patent(number):
        return 0
    pairs = []
    for match in deps.engine.demands_for(number):
        current = await deps.demands.get(match.demand_id)
        if current is not None and current.state["status"] == demands.OPEN:
            pairs.append(Found(match, current.state["enterprise"], current.state["province"]))
    if not pairs:
        return 0
    await _record_found(deps, number, pairs, MatchTrigger.POOLED)
    for pair in pairs:
        await deps.demands.execute(
            pair.match.demand_id, _internal(f"matched:{pair.match.demand_id}:{number}"),
            lambda latest: demands.record_matched(_exists(latest), [number]),
        )  # fmt: skip
    return len(pairs)


async def withdraw_patent(deps: MatchingDeps, number: str, reason: MatchWithdrawal) -> None:
    """A patent left the pool or force: its open matches are withdrawn."""
    if await deps.matches.get(number) is None:
        return
    today = deps.clock.today()
    await deps.matches.execute(
        number, _internal(f"withdraw:{number}:{reason.value}"),
        lambda latest: matches.withdraw(latest, number, reason, today=today),
    )  # fmt: skip


async def patent_matches(deps: MatchingDeps, principal: Principal, number: str) -> Answer:
    """A patent's open matches for its institution and the authorities: the demand, whose it is, score, reasons (the
    institution may approach the enterprise: that is what publishing a demand is for)."""
    patent = await deps.patents.get(number)
    if patent is None or not access.may_read_patent_matches(
        principal, patent.get("institution"), patent.get("province")
    ):
        raise NotFound(NO_PATENT)
    held = await deps.matches.get(number)
    listed = []
    for demand_id, pair in sorted((held.state["demands"] if held else {}).items()):
        if pair["status"] != matches.OPEN:
            continue
        current = await deps.demands.get(demand_id)
        title = current.state["title"] if current else None
        listed.append({"demand_id": demand_id, "title": title, "enterprise": pair["enterprise"],
                       "province": pair["province"], "score": pair["score"],
                       "reasons": pair["reasons"], "found_on": pair["found_on"]})  # fmt: skip
    listed.sort(key=lambda m: (-m["score"], m["demand_id"]))
    return {"application_number": number, "in_pool": deps.engine.has_patent(number), "matches": listed}


async def _record_found(deps: MatchingDeps, number: str, pairs: list[Found], trigger: MatchTrigger) -> None:
    today, version = deps.clock.today(), deps.engine.ranking.version
    await deps.matches.execute(
        number, _internal(f"found:{number}"),
        lambda latest: matches.found(latest, number, pairs, trigger=trigger, version=version, today=today),
    )  # fmt: skip


def _exists(current: Aggregate | None) -> Aggregate:
    if current is None:  # read by id a moment ago: only a store that lost it answers this
        raise NotFound(NO_DEMAND)
    return current


# --- start-up -----------------------------------------------------------------------------------------------------


async def recover(deps: MatchingDeps) -> None:
    """At start: rebuild the engine from the store (the pool by id from its index, the open demands), then finish
    the follow-up work a crash interrupted. The one scan of the demands at start (thousands, not a million)."""
    for doc in await deps.pool_index.members():
        deps.engine.put_patent(pool.entry(doc, deps.divisions))
    pending = []
    async for doc in deps.demands.collection.find({}, {"state": 1}):
        state = doc["state"]
        if state["status"] == demands.OPEN:
            deps.engine.put_demand(demands.entry(doc["_id"], state))
        if state.get("pending"):
            pending.append((doc["_id"], state["pending"]))
    deps.engine.commit()
    for demand_id, work in pending:
        if work == "match":
            await match_demand(deps, demand_id)
        else:
            await withdraw_demand(deps, demand_id)
    log.info("matching engine rebuilt", patents=len(deps.engine), demands=deps.engine.demands, resumed=len(pending))


# --- pushes, answers, negotiations --------------------------------------------------------------------------------


async def _province_of(deps: MatchingDeps, code: str) -> str:
    registered = await deps.enterprises.get(code)
    if registered is None or "province" not in registered:
        raise RuleViolation(ReasonCode.UNKNOWN_ENTERPRISE, enterprise=code)
    return str(registered["province"])


async def set_preferences(deps: MatchingDeps, actor: Actor, code: str, preferences: dict[str, Any]) -> Answer:
    """Replace an enterprise's push preferences: itself, its province's office, a national administrator."""
    province = await _province_of(deps, code)
    if not access.may_publish(actor.principal, code, province):
        raise Forbidden("an enterprise sets its own preferences, or its province's office for it")
    outcome = await deps.subscriptions.execute(
        code, actor.context, lambda current: subscriptions.set_preferences(current, province, preferences)
    )
    return {**outcome.response, "enterprise": code}


async def push_enterprise(deps: MatchingDeps, code: str, *, key: str) -> Answer:
    """Push an enterprise the open matches of its open demands it was not pushed before and its preferences allow,
    best first: each patent's ``PatentPushed``, then the batch on its province's push topic."""
    current = await deps.subscriptions.get(code)
    if current is None:
        return {"enterprise": code, "pushed": []}
    state, today = current.state, deps.clock.today()
    prefs, skip = state["preferences"], subscriptions.pushed_numbers(state)
    items: dict[str, PushItem] = {}
    for demand_id in state["demands"]:
        demand = await deps.demands.get(demand_id)
        if demand is None or demand.state["status"] != demands.OPEN:
            continue
        for number in demand.state["matched"]:
            if number in skip or number in items:
                continue
            held = await deps.matches.get(number)
            pair = held.state["demands"].get(demand_id) if held else None
            patent = await deps.patents.get(number)
            if pair is None or pair["status"] != matches.OPEN or patent is None:
                continue
            if prefs["regions"] and patent["province"] not in prefs["regions"]:
                continue
            symbols = [s for s in (patent.get("ipc_main"), *patent.get("ipc_secondary", ())) if s]
            if prefs["ipc_fields"] and shared_level(prefs["ipc_fields"], symbols)[0] in (None, "class"):
                continue
            items[number] = PushItem(application_number=number, title=patent["title"],
                                     institution=patent["institution"], patent_province=patent["province"],
                                     demand_id=demand_id, score=pair["score"],
                                     reasons=MatchReasons(**pair["reasons"]))  # fmt: skip
    chosen = sorted(items.values(), key=lambda i: (-i.score, i.application_number))[: prefs["max_per_push"]]
    if not chosen:
        return {"enterprise": code, "pushed": []}
    batch_id = hashlib.sha256(f"{code}\0{key}".encode()).hexdigest()[:16]
    for item in chosen:
        await deps.matches.execute(
            item.application_number, _internal(f"push:{batch_id}:{item.application_number}"),
            lambda latest, i=item: matches.pushed(latest, i.application_number, code, state["province"],  # type: ignore[misc]
                                                  i.demand_id, batch_id, today=today),
        )  # fmt: skip
    outcome = await deps.subscriptions.execute(
        code, _internal(f"push:{batch_id}"),
        lambda latest: subscriptions.push(_exists(latest), code, batch_id, chosen, today=today),
    )  # fmt: skip
    return {**outcome.response, "batch_id": batch_id}


async def push_now(deps: MatchingDeps, actor: Actor, code: str) -> Answer:
    """A push asked for by hand (the enterprise, its office, an administrator), whatever its frequency."""
    province = await _province_of(deps, code)
    if not access.may_publish(actor.principal, code, province):
        raise Forbidden("an enterprise asks for its own push, or its province's office for it")
    return await push_enterprise(deps, code, key=actor.context.idempotency_key or actor.context.command_id)


async def push_due(deps: MatchingDeps) -> int:
    """The daily push: every enterprise whose frequency says so; returns how many were pushed something."""
    today, pushed = deps.clock.today(), 0
    for code in await deps.subscriptions.ids({}):
        current = await deps.subscriptions.get(code)
        if current is not None and subscriptions.due(current.state, today):
            pushed += bool((await push_enterprise(deps, code, key=f"daily:{today}"))["pushed"])
    return pushed


async def inbox(deps: MatchingDeps, principal: Principal, code: str) -> Answer:
    """The enterprise's pushed patents, latest first, with their answers."""
    current = await deps.subscriptions.get(code)
    if current is None or not access.may_read_demand(
        principal, {"enterprise": code, "province": current.state["province"]}
    ):
        raise NotFound("no such enterprise")
    items = []
    for entry in reversed(current.state["inbox"]):
        patent = await deps.patents.get(entry["application_number"]) or {}
        items.append({**entry, "title": patent.get("title"), "patent_province": patent.get("province")})
    return {**subscriptions.answer(code, current.state), "items": items}


async def answer_patent(
    deps: MatchingDeps, actor: Actor, number: str, code: str, given: PushAnswer, reason: NotInterestedReason | None,
    note: str | None,
) -> Answer:  # fmt: skip
    """The enterprise's answer to a patent pushed or matched to it (the enterprise itself only)."""
    if not access.acts_for_enterprise(actor.principal, code):
        raise Forbidden("an enterprise answers for itself")
    province, today = await _province_of(deps, code), deps.clock.today()
    if await deps.matches.get(number) is None:
        raise RuleViolation(ReasonCode.NOT_PUSHED, enterprise=code)
    outcome = await deps.matches.execute(
        number, actor.context,
        lambda latest: matches.answered(latest, number, code, province, given, reason, note, today=today),
    )  # fmt: skip
    await deps.subscriptions.execute(
        code, _internal(f"answer:{number}:{code}:{given.value}"),
        lambda latest: subscriptions.record_answer(latest, province, number, given),
    )  # fmt: skip
    return outcome.response


async def end_negotiation(
    deps: MatchingDeps, actor: Actor, number: str, code: str, outcome: NegotiationOutcome, reference: str | None
) -> Answer:
    """End a negotiation: the enterprise, the patent's institution, or a national administrator."""
    patent = await deps.patents.get(number)
    if patent is None:
        raise NotFound(NO_PATENT)
    if not (
        access.acts_for_enterprise(actor.principal, code) or actor.principal.acts_for_institution(patent["institution"])
    ):
        raise Forbidden("the enterprise or the patent's institution ends its negotiation")
    today = deps.clock.today()
    done = await deps.matches.execute(
        number, actor.context,
        lambda latest: matches.end_negotiation(latest, number, code, outcome, reference, today=today),
    )  # fmt: skip
    return done.response


async def record_session(deps: MatchingDeps, actor: Actor, values: dict[str, Any]) -> Outcome:
    """A matchmaking session held by a province's office (or a national administrator)."""
    if not access.may_organise(actor.principal, values["province"]):
        raise Forbidden("a province's office records the sessions it organised")
    session_id = demand_id_for(actor.principal, actor.context.idempotency_key)
    event = MatchmakingHeld(session_id=session_id, recorded_by=actor.by, **values)
    return await deps.sessions.execute(session_id, actor.context, lambda current: sessions.record(current, event))
