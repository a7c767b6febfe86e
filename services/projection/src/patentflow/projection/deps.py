"""The projection's composition root: its views, built once from the runtime, reached by routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from patentflow.contracts.events import EVENT_TYPES
from patentflow.contracts.industries import load_industries
from patentflow.kit.clock import Clock
from patentflow.kit.consumer import ConsumerSpec
from patentflow.kit.kafka import connection_options
from patentflow.kit.ratelimit import InFlight, TokenBuckets
from patentflow.kit.runtime import Runtime, Service, dependency, group_name
from patentflow.projection.config import Settings
from patentflow.projection.engine import Engine
from patentflow.projection.facts import FACTS
from patentflow.projection.generations import Generations
from patentflow.projection.patents import PatentView
from patentflow.projection.reference import Targets, load_targets

READ_PATHS = ("/patents", "/views")  # the read API's requests, counted and shed together


@dataclass(frozen=True, kw_only=True)
class ProjectionDeps:
    """Everything the read-model API and the consumers need."""

    patents: PatentView  # one patent's integrated view, folded from the engine's rows of its events
    generations: Generations  # the query engine serving now, and its rebuilds
    targets: Targets
    reads: TokenBuckets
    under_way: InFlight  # read requests being answered (READ_PATHS): one more than its limit is shed with 503
    clock: Clock
    known_events: frozenset[str]  # names of the event types this platform version has
    engine_group: str  # the engine's consumer group, rewound to the engine's file at start

    @property
    def engine(self) -> Engine:
        """The query engine serving now."""
        return self.generations.handle.current

    async def start(self) -> None:
        """The engine's current tables, from its rows on disk; its consumer group resumes where they end."""
        await self.engine.start()
        await self.generations.rewind(self.engine_group)

    async def stop(self) -> None:
        """Close the engine (a rebuild under way is abandoned)."""
        await self.generations.stop()


def build(runtime: Runtime) -> Service[ProjectionDeps]:
    """The projection's views from the runtime, and the consumers that keep them. Its one I/O: opening the engine's
    file, whose consumer group (recorded in it) names the engine's consumer."""
    settings = runtime.settings
    assert isinstance(settings, Settings), "the projection runs with its own settings"
    industries = load_industries(settings.industry_table)

    def open_engine(path: object) -> Engine:
        return Engine(path, industries=industries, threads=settings.engine_threads)  # type: ignore[arg-type]

    def kafka() -> dict[str, object]:
        return {"bootstrap_servers": settings.kafka_bootstrap_servers, **connection_options(settings)}

    generations = Generations(settings.engine_dir, settings.engine_instance, FACTS.topic_names, open_engine, kafka)
    consumer_name = (
        f"{FACTS.name}-{settings.engine_instance}-{generations.handle.current.group.removeprefix('engine-')}"
    )
    deps = ProjectionDeps(
        patents=PatentView(lambda: generations.handle.current),
        generations=generations,
        targets=load_targets(settings.targets_file),
        reads=TokenBuckets(settings.read_rate_per_second, settings.read_burst),
        under_way=InFlight(settings.read_in_flight, READ_PATHS),
        clock=runtime.clock,
        known_events=frozenset(kind.__name__ for kind in EVENT_TYPES.values()),
        engine_group=group_name(settings, consumer_name),
    )
    handle = generations.handle
    engine = ConsumerSpec(
        consumer_name,
        FACTS.topic_names,
        handle.apply_one,
        FACTS,
        handle.apply_batch,
    )
    return Service(deps, consumers=[engine], start=deps.start, stop=deps.stop, in_flight=deps.under_way)


Deps = Annotated[ProjectionDeps, Depends(dependency(ProjectionDeps))]
