"""An aggregate's events never go back in time, whatever the clock of the instance that writes them says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from patentflow.contracts.events import InstitutionRegistered, SchoolAdded
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.decisions import Aggregate, CommandContext, Decision
from patentflow.testing.memory import MemoryMongo

CODE = "12100000400000624" + credit_code_check_char("12100000400000624")
CTX = CommandContext(principal="national", command_id="c", correlation_id="c")


async def test_a_later_write_with_a_clock_behind_is_stamped_after_the_one_before() -> None:
    times = iter([datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC), datetime(2026, 5, 1, 11, 59, 58, tzinfo=UTC)])
    store = AggregateStore(MemoryMongo()["kit"]["institutions"], "inventory", clock=lambda: next(times))
    registered = InstitutionRegistered(credit_code=CODE, name="示范大学", kind="university",  # type: ignore[arg-type]
                                       province="110000", registered_by="n")  # fmt: skip
    school = SchoolAdded(credit_code=CODE, school_id="cs", name="计算机学院", added_by="n")

    def first(current: Aggregate | None) -> Decision:
        return Decision({"n": 1}, [registered], {})

    def second(current: Aggregate | None) -> Decision:
        assert current is not None
        return Decision({"n": 2}, [school], {})

    await store.execute(CODE, CTX, first)
    await store.execute(CODE, CTX, second)
    doc = await store.collection.find_one({"_id": CODE})
    assert doc is not None
    stamped = [entry["time"].astimezone(UTC) for entry in doc["outbox"]]
    # The second instance's clock is two seconds behind: its event is stamped a millisecond after the first one's.
    assert stamped[1] - stamped[0] == timedelta(milliseconds=1)
    assert [entry["sequence"] for entry in doc["outbox"]] == [1, 2]
