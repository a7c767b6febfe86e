"""Evaluation's use cases, one function each: load, check access, decide with the domain, save.

A handler takes the service's dependencies, the acting caller and the command's values; it knows no HTTP. Routes and
tests call the same functions. Reading another aggregate to decide (the enterprise, the expert, the replica's patent)
is by id; the decision is saved on one aggregate, atomically with its events.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from patentflow.contracts.access import Role
from patentflow.contracts.events.evaluation import BaseFiled, EnterpriseProfile, ExpertRegistered
from patentflow.contracts.events.evaluation_enums import BaseRating, EvaluationScenario
from patentflow.evaluation import access, bases, evaluations, registry
from patentflow.evaluation.deps import EvaluationDeps
from patentflow.evaluation.evaluations import EnterpriseAnswer, PatentFacts
from patentflow.kit import usecase
from patentflow.kit.decisions import Aggregate, CommandContext, Decision, Outcome
from patentflow.kit.errors import Forbidden, NotFound
from patentflow.kit.principal import Principal
from patentflow.kit.usecase import Actor

NO_ENTERPRISE = "no such enterprise"
NO_EXPERT = "no such expert"
NO_PATENT = "no such patent"
Answer = dict[str, Any]


# --- the enterprise registry --------------------------------------------------------------------------------------


async def register_enterprise(deps: EvaluationDeps, actor: Actor, code: str, profile: EnterpriseProfile) -> Outcome:
    """Register an enterprise: itself, its province's office, or a national administrator."""
    if not access.may_register_enterprise(actor.principal, code, profile.province):
        raise Forbidden("an enterprise registers itself, or its provincial office registers it")
    return await deps.enterprises.execute(
        code, actor.context, lambda current: registry.register_enterprise(current, code, profile, by=actor.by)
    )


async def update_enterprise(deps: EvaluationDeps, actor: Actor, code: str, profile: EnterpriseProfile) -> Outcome:
    """Replace an enterprise's profile."""
    return await usecase.run(
        deps.enterprises,
        code,
        actor,
        may_read=lambda p, s: access.may_read_enterprise(p, s, code),
        may_act=lambda p, s: access.may_register_enterprise(p, code, s["profile"]["province"]),
        decide=lambda current: registry.update_enterprise(current, profile, by=actor.by),
        missing=NO_ENTERPRISE,
    )


async def enterprise(deps: EvaluationDeps, principal: Principal, code: str) -> Answer:
    """One enterprise, to those who may see it."""
    found = usecase.visible(
        await deps.enterprises.get(code), principal, lambda p, s: access.may_read_enterprise(p, s, code), NO_ENTERPRISE
    )
    return registry.enterprise_answer(code, found.version, found.state)


# --- the expert library -------------------------------------------------------------------------------------------


async def register_expert(deps: EvaluationDeps, actor: Actor, expert: ExpertRegistered) -> Outcome:
    """Add an expert: a province office for its province, or a national administrator."""
    if not access.may_register_expert(actor.principal, expert.province):
        raise Forbidden("a provincial office recommends the experts of its province")
    return await deps.experts.execute(
        expert.expert_id, actor.context, lambda current: registry.register_expert(current, expert)
    )


async def update_expert(
    deps: EvaluationDeps, actor: Actor, expert_id: str, conflicts: tuple[str, ...], available: bool
) -> Outcome:
    """Replace an expert's declared conflicts and availability."""
    return await usecase.run(
        deps.experts,
        expert_id,
        actor,
        may_read=lambda p, s: access.may_read_expert(p, s, expert_id),
        may_act=lambda p, s: access.may_update_expert(p, s, expert_id),
        decide=lambda current: registry.update_expert(current, conflicts, available, by=actor.by),
        missing=NO_EXPERT,
    )


async def expert(deps: EvaluationDeps, principal: Principal, expert_id: str) -> Answer:
    """One expert of the library."""
    found = usecase.visible(
        await deps.experts.get(expert_id), principal, lambda p, s: access.may_read_expert(p, s, expert_id), NO_EXPERT
    )
    return registry.expert_answer(expert_id, found.version, found.state)


# --- one patent's evaluation --------------------------------------------------------------------------------------


async def assign_enterprise(deps: EvaluationDeps, actor: Actor, number: str, code: str) -> Outcome:
    """A provincial office puts a pool patent to an enterprise of its province."""
    if not access.may_assign(actor.principal):
        raise Forbidden("provincial offices organise enterprise evaluations")
    facts, found = await deps.facts(number), await deps.enterprises.get(code)
    province = access.office_province(actor.principal)
    return await deps.evaluations.execute(
        number,
        actor.context,
        lambda current: evaluations.assign_enterprise(
            current, facts, number, found, code, office_province=province, by=actor.by
        ),
    )


async def evaluate_as_enterprise(
    deps: EvaluationDeps, actor: Actor, number: str, code: str, answer: EnterpriseAnswer
) -> Outcome:
    """An enterprise evaluates a patent assigned to it, for itself only."""
    if not access.acts_for_enterprise(actor.principal, code):
        raise Forbidden("an enterprise evaluates for itself only")
    facts, valuation = await deps.facts(number), deps.valuation()
    return await deps.evaluations.execute(
        number,
        actor.context,
        lambda current: evaluations.evaluate_as_enterprise(
            current, facts, number, code, answer, valuation, by=actor.by
        ),
    )


async def assign_expert(deps: EvaluationDeps, actor: Actor, number: str, expert_id: str) -> Outcome:
    """Assign an expert with no declared conflict with the patent's institution."""
    if not access.may_assign(actor.principal):
        raise Forbidden("provincial offices assign experts")
    facts, found = await deps.facts(number), await deps.experts.get(expert_id)
    return await deps.evaluations.execute(
        number,
        actor.context,
        lambda current: evaluations.assign_expert(current, facts, number, found, expert_id, by=actor.by),
    )


async def review_as_expert(
    deps: EvaluationDeps, actor: Actor, number: str, scores: dict[str, float], opinion: str
) -> Outcome:
    """An assigned expert's review, for the caller's own expert account."""
    expert_id = actor.principal.scope.person
    if actor.principal.role is not Role.EXPERT or expert_id is None:
        raise Forbidden("experts review the patents they are assigned to")
    facts, valuation = await deps.facts(number), deps.valuation()
    return await deps.evaluations.execute(
        number,
        actor.context,
        lambda current: evaluations.review_as_expert(
            current, facts, number, expert_id, scores, opinion, valuation, by=actor.by
        ),
    )


async def _owned(deps: EvaluationDeps, principal: Principal, number: str, rule: Any) -> PatentFacts:
    facts = await deps.facts(number)
    if facts is None or not rule(principal, facts):
        raise NotFound(NO_PATENT)
    return facts


async def record_overseas_family(
    deps: EvaluationDeps, actor: Actor, number: str, has_family: bool, members: tuple[str, ...]
) -> Outcome:
    """The institution (or the integrator bringing family data) records the overseas family."""
    await _owned(deps, actor.principal, number, lambda p, f: access.may_record_family(p, f.institution))
    facts, valuation = await deps.facts(number), deps.valuation()
    return await deps.evaluations.execute(
        number,
        actor.context,
        lambda current: evaluations.record_overseas_family(
            current, facts, number, has_family, members, valuation, by=actor.by
        ),
    )


async def assess(deps: EvaluationDeps, actor: Actor, number: str, scenario: EvaluationScenario) -> Outcome:
    """A value assessment for one scenario, published as ValueAssessed."""
    facts = await _owned(deps, actor.principal, number, lambda p, f: access.may_assess(p, f.institution, f.province))
    valuation = deps.valuation()
    return await deps.evaluations.execute(
        number,
        actor.context,
        lambda current: evaluations.assess(current, facts, number, scenario, valuation, by=actor.by),
    )


async def evaluation(deps: EvaluationDeps, principal: Principal, number: str) -> Answer:
    """A patent's evaluation: in whole to its institution, its office and the administrators; an enterprise sees its
    own answers and an assigned expert its own reviews, with the grade; nobody else learns anything."""
    facts = await deps.facts(number)
    current = await deps.evaluations.get(number)
    if facts is None or current is None:
        raise NotFound(NO_PATENT)
    state = evaluations.state_of(current)
    base = {"application_number": number, "grade": state["grade"], "flags": state["flags"],
            "assessment": state["assessment"]}  # fmt: skip
    if access.may_read_evaluation(principal, facts.institution, facts.province):
        latest = evaluations.latest_enterprise_evaluations(state)
        return {
            **base,
            "assigned": state["assigned"],
            "enterprise_evaluations": list(latest.values()),
            "experts": state["experts"],
            "expert_reviews": list(evaluations.latest_expert_reviews(state).values()),
            "overseas_family": state["overseas_family"],
        }
    code = principal.scope.enterprise
    if (
        code is not None
        and access.acts_for_enterprise(principal, code)
        and any(a["enterprise"] == code for a in state["assigned"])
    ):
        mine = [e for e in state["enterprise_evaluations"] if e["enterprise"] == code]
        return {**base, "enterprise_evaluations": mine}
    person = principal.scope.person
    if (
        person is not None
        and access.is_expert(principal, person)
        and any(e["expert_id"] == person for e in state["experts"])
    ):
        mine = [evaluations.review_read(r) for r in state["expert_reviews"] if r["expert_id"] == person]
        return {**base, "expert_reviews": mine}
    raise NotFound(NO_PATENT)


async def feedback(deps: EvaluationDeps, principal: Principal, number: str) -> Answer:
    """The feedback on one of the institution's patents (its own only)."""
    facts = await _owned(deps, principal, number, lambda p, f: access.may_read_feedback(p, f.institution))
    current = await deps.evaluations.get(number)
    state = evaluations.state_of(current)
    return {"application_number": number, "institution": facts.institution, "feedback": evaluations.feedback_of(state)}


# --- navigation service bases -------------------------------------------------------------------------------------

NO_BASE = "no such navigation base"


async def file_base(deps: EvaluationDeps, actor: Actor, event: BaseFiled) -> Outcome:
    """The province's office files a base for an industry."""
    if not access.may_file_base(actor.principal, event.province):
        raise Forbidden("a provincial office files the bases of its province")
    return await deps.bases.execute(event.base_id, actor.context, lambda current: bases.file(current, event))


async def _on_base(deps: EvaluationDeps, actor: Actor, base_id: str, may_act: Any, decide: Any) -> Outcome:
    return await usecase.run(
        deps.bases, base_id, actor, may_read=access.may_read_base, may_act=may_act, decide=decide, missing=NO_BASE
    )


async def submit_self_evaluation(deps: EvaluationDeps, actor: Actor, base_id: str, year: int, summary: str) -> Outcome:
    """The host's yearly self-evaluation."""
    today = deps.clock.today()
    return await _on_base(deps, actor, base_id, access.may_report_for_base, lambda current: bases.submit_self_evaluation(
        current, year, summary, deps.base_rules, today=today, by=actor.by))  # fmt: skip


async def rate_base(
    deps: EvaluationDeps, actor: Actor, base_id: str, year: int, rating: BaseRating, scores: dict[str, float]
) -> Outcome:
    """The office's yearly rating."""
    today = deps.clock.today()
    return await _on_base(deps, actor, base_id, access.may_rate_base, lambda current: bases.rate(
        current, year, rating, scores, deps.base_rules, today=today, by=actor.by))  # fmt: skip


async def accept_rectification(deps: EvaluationDeps, actor: Actor, base_id: str) -> Outcome:
    """The office accepts a rectification within its deadline."""
    today = deps.clock.today()
    return await _on_base(deps, actor, base_id, access.may_rate_base,
                          lambda current: bases.accept_rectification(current, today=today, by=actor.by))  # fmt: skip


async def publish_result(deps: EvaluationDeps, actor: Actor, base_id: str, title: str, summary: str) -> Outcome:
    """A navigation report, pushed to the registered enterprises of the base's industry."""
    found = usecase.visible(await deps.bases.get(base_id), actor.principal, access.may_read_base, NO_BASE)
    recipients = await deps.industries.enterprises_of(found.state["industry"])
    today = deps.clock.today()
    return await _on_base(deps, actor, base_id, access.may_report_for_base, lambda current: bases.publish_result(
        current, title, summary, recipients, today=today, by=actor.by))  # fmt: skip


async def base(deps: EvaluationDeps, principal: Principal, base_id: str) -> Answer:
    """One base."""
    found = usecase.visible(await deps.bases.get(base_id), principal, access.may_read_base, NO_BASE)
    return bases.answer(base_id, found.version, found.state)


async def bases_daily(deps: EvaluationDeps) -> int:
    """The daily check of every base (a few hundred at most, listed whole)."""
    today = deps.clock.today()
    ids = await deps.bases.ids({})
    for base_id in ids:
        context = CommandContext(principal="evaluation", command_id=f"daily:{today}:{base_id}",
                                 correlation_id=f"daily:{today}")  # fmt: skip
        await deps.bases.execute(base_id, context, lambda current: _daily(current, deps.base_rules, today))
    return len(ids)


def _daily(current: Aggregate | None, rules: bases.BaseRules, today: date) -> Decision:
    if current is None:  # the id was listed, so it exists: only a store that lost it answers this
        raise NotFound(NO_BASE)
    return bases.daily(current, rules, today=today)
