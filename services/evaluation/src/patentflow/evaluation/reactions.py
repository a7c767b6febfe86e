"""What evaluation does when the inventory's events arrive: keep the replica, then revalue what they change.

One consumer does both, in that order, so a revaluation always sees the replica with the event applied. A patent
entering the pool is valued and graded; a change of legal status revalues a patent evaluated before. Each
revaluation runs as a command whose Idempotency-Key is the event's id: a redelivered event replays the first answer
and publishes nothing twice. The daily job revalues every evaluated patent (the years maintained, the term left):
it lists the evaluations collection, which holds the pool's patents only.
"""

from __future__ import annotations

from collections.abc import Sequence

from patentflow.evaluation.consumers import PATENT_FACTS, REVALUED_BY
from patentflow.evaluation.deps import EvaluationDeps
from patentflow.evaluation.evaluations import revalue
from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.kit.consumer import ConsumerSpec
from patentflow.kit.decisions import CommandContext

_REVALUED = frozenset(kind.event_type for kind in REVALUED_BY)
SERVICE = "evaluation"


class Reactions:
    """The replica consumer with the revaluations it causes."""

    def __init__(self, deps: EvaluationDeps) -> None:
        self.deps = deps

    def consumer(self) -> ConsumerSpec:
        """The consumer (its group is the replica's, as before)."""
        return ConsumerSpec(PATENT_FACTS.name, PATENT_FACTS.topic_names, self.apply, PATENT_FACTS, self.apply_batch)

    async def apply(self, event: ReceivedEvent) -> None:
        """One event: the replica, then its revaluation."""
        await self.deps.patents.apply(event)
        if event.meta.type in _REVALUED:
            await self.revalue(event.meta.subject, reason=_name(event), key=f"event:{event.meta.id}")

    async def apply_batch(self, groups: Sequence[Sequence[ReceivedEvent]]) -> set[str]:
        """Whole runs: the replica in one write per aggregate, then each revalued patent once, by its last cause."""
        applied = await self.deps.patents.apply_batch(groups)
        for events in groups:
            causes = [e for e in events if e.meta.type in _REVALUED]
            if causes and events[0].meta.subject in applied:
                last = causes[-1]
                await self.revalue(last.meta.subject, reason=_name(last), key=f"event:{last.meta.id}")
        return applied

    async def revalue(self, number: str, *, reason: str, key: str) -> None:
        """Revalue one patent if it is evaluated or in the pool."""
        facts = await self.deps.facts(number)
        if facts is None:
            return
        current = await self.deps.evaluations.get(number)
        if current is None and not facts.in_pool:
            return  # never evaluated and not in the pool: nothing to value
        valuation = self.deps.valuation()
        context = CommandContext(
            principal=SERVICE, command_id=key, correlation_id=key, idempotency_key=key, fingerprint=key
        )
        await self.deps.evaluations.execute(
            number, context, lambda latest: revalue(latest, facts, valuation, reason=reason)
        )

    async def revalue_all(self) -> int:
        """The daily pass over every evaluated patent; returns how many it looked at."""
        today = self.deps.clock.today().isoformat()
        numbers = await self.deps.evaluations.ids({})
        for number in numbers:
            await self.revalue(number, reason="daily", key=f"daily:{today}:{number}")
        return len(numbers)


def _name(event: ReceivedEvent) -> str:
    return event.meta.type.rsplit(".", 2)[-2]
