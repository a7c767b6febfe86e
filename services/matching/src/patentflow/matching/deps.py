"""The matching service's composition root: its typed dependencies, built once from the runtime, reached by routes."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends

from patentflow.contracts.industries import load_industries
from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.clock import Clock
from patentflow.kit.periodic import PeriodicJob
from patentflow.kit.readmodel import SequencedView
from patentflow.kit.runtime import Runtime, Service, dependency
from patentflow.matching.config import Settings
from patentflow.matching.consumers import COLLECTION, ENTERPRISE_COLLECTION, ENTERPRISE_FACTS, PATENT_FACTS
from patentflow.matching.engine import Engine, Ranking
from patentflow.matching.pooled import COLLECTION as POOL_COLLECTION
from patentflow.matching.pooled import PoolIndex
from patentflow.matching.text import Tokeniser


@dataclass(frozen=True, kw_only=True)
class MatchingDeps:
    """Everything matching's use cases and consumers need."""

    patents: SequencedView  # the replica of inventory's patent facts
    enterprises: SequencedView  # the replica of the enterprise registry
    demands: AggregateStore  # by demand id
    matches: AggregateStore  # one per matched patent, by application number
    subscriptions: AggregateStore  # an enterprise's preferences, demands, inbox and declines, by credit code
    sessions: AggregateStore  # matchmaking sessions, by id
    engine: Engine  # the indexes: a cache of the two above, rebuilt at start
    pool_index: PoolIndex  # the pool's numbers by id, for that rebuild
    divisions: dict[str, str]  # IPC subclass -> GB/T 4754 division
    matches_per_demand: int
    clock: Clock


@functools.cache
def _tokeniser(terms: Path, industry_table: Path, stop_words: Path) -> Tokeniser:
    return Tokeniser(terms, industry_table, stop_words)  # loading the dictionary takes a moment: once per process


def build(runtime: Runtime) -> Service[MatchingDeps]:
    """The dependencies from the runtime (no I/O but reading the reference files), and what the kit runs for them."""
    from patentflow.matching.handlers import expire_demands, push_due, recover  # use cases need the deps type
    from patentflow.matching.reactions import Reactions

    settings = runtime.settings
    assert isinstance(settings, Settings), "the matching service runs with its own settings"
    engine = Engine(
        _tokeniser(settings.matching_terms, settings.industry_table, settings.matching_stopwords),
        Ranking.load(settings.matching_ranking),
        settings.matching_index_dir,
    )
    deps = MatchingDeps(
        patents=SequencedView(runtime.collection(COLLECTION), PATENT_FACTS, runtime.writes),
        enterprises=SequencedView(runtime.collection(ENTERPRISE_COLLECTION), ENTERPRISE_FACTS, runtime.writes),
        demands=runtime.aggregate_store("demands"),
        matches=runtime.aggregate_store("matches"),
        subscriptions=runtime.aggregate_store("subscriptions"),
        sessions=runtime.aggregate_store("sessions"),
        engine=engine,
        pool_index=PoolIndex(runtime.collection(POOL_COLLECTION), runtime.collection(COLLECTION)),
        divisions={row["ipc_class"]: row["gbt4754"] for row in load_industries(settings.industry_table)},
        matches_per_demand=settings.matches_per_demand,
        clock=runtime.clock,
    )
    reactions = Reactions(deps)

    async def start() -> None:
        await recover(deps)

    return Service(
        deps,
        consumers=[reactions.consumer(), deps.enterprises.consumer()],
        outbox=[deps.demands, deps.matches, deps.subscriptions, deps.sessions],
        jobs=[
            PeriodicJob("expire-demands", settings.expiry_interval_seconds, lambda: expire_demands(deps)),
            PeriodicJob("push", settings.push_interval_seconds, lambda: push_due(deps), wait_first=True),
        ],
        start=start,
    )


Deps = Annotated[MatchingDeps, Depends(dependency(MatchingDeps))]
