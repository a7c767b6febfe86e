"""The evaluation service's composition root: its typed dependencies, built once from the runtime, reached by routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from patentflow.contracts.industries import load_industries, sei_of
from patentflow.evaluation.bases import BaseRules
from patentflow.evaluation.config import Settings
from patentflow.evaluation.consumers import COLLECTION, PATENT_FACTS
from patentflow.evaluation.evaluations import PatentFacts, Valuation
from patentflow.evaluation.highvalue import HighValueRules, load_rules
from patentflow.evaluation.industries import COLLECTION as INDUSTRY_COLLECTION
from patentflow.evaluation.industries import IndustryIndex
from patentflow.evaluation.scoring import ValueTree, load_tree
from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.clock import Clock
from patentflow.kit.periodic import PeriodicJob
from patentflow.kit.readmodel import SequencedView
from patentflow.kit.runtime import Runtime, Service, dependency


@dataclass(frozen=True, kw_only=True)
class EvaluationDeps:
    """Everything evaluation's use cases and consumers need."""

    patents: SequencedView  # the replica of inventory's patent facts
    enterprises: AggregateStore  # the registry, by credit code
    experts: AggregateStore  # the library, by expert id
    evaluations: AggregateStore  # one per evaluated patent, by application number
    bases: AggregateStore  # navigation service bases, by "<province>-<industry>"
    industries: IndustryIndex  # registered enterprises by industry division
    tree: ValueTree
    boundaries: tuple[float, ...]
    rules: HighValueRules
    base_rules: BaseRules
    clock: Clock

    def valuation(self) -> Valuation:
        """The reference data and today's date, for one decision."""
        return Valuation(self.tree, self.boundaries, self.rules, self.clock.today())

    async def facts(self, number: str) -> PatentFacts | None:
        """What the replica knows of a patent (None: nothing yet)."""
        doc = await self.patents.get(number)
        return PatentFacts.from_replica(doc) if doc is not None else None


def build(runtime: Runtime) -> Service[EvaluationDeps]:
    """The dependencies from the runtime (no I/O but reading the reference files), and what the kit runs for them."""
    from patentflow.evaluation.handlers import bases_daily  # use cases and reactions need the deps type
    from patentflow.evaluation.reactions import Reactions

    settings = runtime.settings
    assert isinstance(settings, Settings), "the evaluation service runs with its own settings"
    sei = frozenset(sei_of(load_industries(settings.industry_table)))
    deps = EvaluationDeps(
        patents=SequencedView(runtime.collection(COLLECTION), PATENT_FACTS, runtime.writes),
        enterprises=runtime.aggregate_store("enterprises"),
        experts=runtime.aggregate_store("experts"),
        evaluations=runtime.aggregate_store("evaluations"),
        bases=runtime.aggregate_store("bases"),
        industries=IndustryIndex(runtime.collection(INDUSTRY_COLLECTION)),
        base_rules=BaseRules(
            settings.self_evaluation_due_month, settings.self_evaluation_due_day, settings.rectification_days
        ),
        tree=load_tree(settings.value_tree),
        boundaries=tuple(settings.grade_boundaries),
        rules=load_rules(settings.high_value_period, sei, settings.high_value_rules, settings.award_list),
        clock=runtime.clock,
    )
    reactions = Reactions(deps)
    jobs = [
        PeriodicJob("daily-revalue", settings.revalue_interval_seconds, reactions.revalue_all, wait_first=True),
        PeriodicJob("daily-bases", settings.revalue_interval_seconds, lambda: bases_daily(deps)),
    ]
    return Service(
        deps,
        consumers=[reactions.consumer(), deps.industries.consumer()],
        outbox=[deps.enterprises, deps.experts, deps.evaluations, deps.bases],
        jobs=jobs,
    )


Deps = Annotated[EvaluationDeps, Depends(dependency(EvaluationDeps))]
