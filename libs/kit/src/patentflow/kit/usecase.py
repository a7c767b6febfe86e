"""The one shape of a command on an existing aggregate: load, check access, decide and save atomically.

A service's ``handlers.py`` holds one function per use case (a *handler*); each calls :func:`run` (or, to create
an aggregate, ``AggregateStore.execute`` after its own access check) and the domain's pure decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.decisions import Aggregate, CommandContext, Decision, Document, Outcome
from patentflow.kit.errors import Forbidden, NotFound
from patentflow.kit.principal import Principal

Rule = Callable[[Principal, Document], bool]  # (caller, aggregate state) -> allowed


@dataclass(frozen=True, slots=True)
class Actor:
    """Who runs a use case: the verified caller, and the context its events are traced with."""

    principal: Principal
    context: CommandContext

    @property
    def by(self) -> str:
        """The subject events name as the one who acted."""
        return self.principal.sub


def visible(current: Aggregate | None, principal: Principal, may_read: Rule, missing: str) -> Aggregate:
    """The aggregate if the caller may know it exists; otherwise 404, exactly as for one that does not exist."""
    if current is None or not may_read(principal, current.state):
        raise NotFound(missing)
    return current


async def run(
    store: AggregateStore,
    aggregate_id: str,
    actor: Actor,
    *,
    may_read: Rule,
    may_act: Rule,
    decide: Callable[[Aggregate], Decision],
    missing: str,
    refused: str = "you may see this record but not do this",
) -> Outcome:
    """Load, check access (404 if hidden, 403 if visible but not allowed), decide and save atomically.

    Access is checked again on the state the decision is made on: a concurrent change may have moved it.
    """
    current = visible(await store.get(aggregate_id), actor.principal, may_read, missing)
    if not may_act(actor.principal, current.state):
        raise Forbidden(refused)

    def decide_visible(latest: Aggregate | None) -> Decision:
        fresh = visible(latest, actor.principal, may_read, missing)
        if not may_act(actor.principal, fresh.state):
            raise Forbidden(refused)
        return decide(fresh)

    return await store.execute(aggregate_id, actor.context, decide_visible)
