"""A later service's events reach the timeline and the encumbrances by declaration only: no projection code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import ClassVar

import pytest
from pydantic import Field

from patentflow.contracts import topics
from patentflow.contracts.access import Role, Scope
from patentflow.contracts.envelope import REGISTRY, TYPE_PREFIX, DomainEvent
from patentflow.kit.principal import Principal
from patentflow.projection import queries, views
from patentflow.projection.engine import Engine
from patentflow.projection.queries import Filters
from patentflow.testing.events import received
from patentflow.testing.inprocess import auth
from patentflow.testing.samples import number

from .history import history

BANK = "91430000MA4L0000X1"


@pytest.fixture
def pledge_events() -> Iterator[tuple[type[DomainEvent], type[DomainEvent]]]:
    """Defined here, not at import: a test-only event type must not be registered while other tests run."""

    class PledgeRegisteredForTest(DomainEvent):
        """What the pledge service will declare: about patents, putting a burden on them, held by a bank."""

        event_type: ClassVar[str] = TYPE_PREFIX + "pledge.PledgeRegisteredForTest.v1"
        topic: ClassVar[topics.Topic] = topics.PLEDGES
        subject_field: ClassVar[str] = "pledge_id"
        patents_field: ClassVar[str | None] = "application_numbers"
        encumbrance: ClassVar[tuple[str, bool] | None] = ("pledged", True)
        holder_field: ClassVar[str | None] = "pledgee"

        pledge_id: str
        application_numbers: tuple[str, ...] = Field(min_length=1)
        pledgee: str
        registered_by: str

    class PledgeReleasedForTest(PledgeRegisteredForTest):
        """Its release lifts the burden."""

        event_type: ClassVar[str] = TYPE_PREFIX + "pledge.PledgeReleasedForTest.v1"
        encumbrance: ClassVar[tuple[str, bool] | None] = ("pledged", False)

    try:
        yield PledgeRegisteredForTest, PledgeReleasedForTest
    finally:
        for kind in (PledgeRegisteredForTest, PledgeReleasedForTest):
            REGISTRY.pop(kind.event_type, None)


async def test_a_declared_pledge_is_on_the_timeline_encumbers_the_patents_and_scopes_the_bank(
    pledge_events: tuple[type[DomainEvent], type[DomainEvent]],
) -> None:
    registered_kind, released_kind = pledge_events
    engine = Engine(None)
    await engine.start()
    await engine.apply(history())
    pledged = [number(2019, 1), number(2019, 2)]
    t = datetime(2026, 5, 1, tzinfo=UTC)
    event = registered_kind(pledge_id="p-1", application_numbers=tuple(pledged), pledgee=BANK, registered_by="bank-officer")  # fmt: skip
    await engine.apply([received(event, 1, time=t, event_id="pledge-1")])
    _, rows = await engine.query("SELECT encumbrances, holders FROM live.patents WHERE pid IN (SELECT pid FROM live.events WHERE id = 'pledge-1')")  # fmt: skip
    assert rows == [(["pledged"], [BANK]), (["pledged"], [BANK])]
    _, timeline = await engine.query(
        "SELECT name, actor FROM live.events WHERE pid = (SELECT pid FROM live.patents WHERE application_number = ?) ORDER BY ord",
        (pledged[0],),
    )  # fmt: skip
    assert timeline[-1] == ("PledgeRegisteredForTest", "bank-officer")
    bank = Principal(sub="b", role=Role.BANK, scope=Scope(bank=BANK))
    listed, _, total = await views.listing(engine, queries.page(bank, Filters(), fields=("application_number",)), 10)
    assert (sorted(r["application_number"] for r in listed), total) == (sorted(pledged), 2)

    release = released_kind(pledge_id="p-1", application_numbers=tuple(pledged), pledgee=BANK, registered_by="bank-officer")  # fmt: skip
    await engine.apply([received(release, 2, time=t.replace(month=9), event_id="pledge-2")])
    _, rows = await engine.query("SELECT encumbrances, holders FROM live.patents WHERE pid IN (SELECT pid FROM live.events WHERE id = 'pledge-1')")  # fmt: skip
    assert rows == [([], []), ([], [])]
    assert (await views.listing(engine, queries.page(bank, Filters()), 10))[2] == 0
    # As of a day between the two, the pledge holds.
    between = await views.listing(engine, queries.page(bank, Filters(), as_of=datetime(2026, 6, 1).date()), 10)
    assert between[2] == 2
    await engine.close()


@pytest.mark.parametrize("role", [Role.BANK, Role.INSURER, Role.VALUER])
async def test_over_http_a_holder_reads_the_patents_it_holds_and_nothing_else(
    pledge_events: tuple[type[DomainEvent], type[DomainEvent]], role: Role
) -> None:
    from .test_read_access import MINE, THEIRS, loaded

    registered_kind, _ = pledge_events
    pledged = [number(2019, 1), number(2019, 12)]  # one of each institution
    async with loaded(read_rate_per_second=10_000, read_burst=10_000) as service:
        event = registered_kind(pledge_id="p-1", application_numbers=tuple(pledged), pledgee=BANK, registered_by="bank-officer")  # fmt: skip
        await service.app.state.deps.engine.apply([received(event, 1, time=datetime(2026, 5, 1, tzinfo=UTC), event_id="pledge-1")])  # fmt: skip
        holder, other = auth(role, bank=BANK), auth(role, bank="91110000MA0000000X")
        for token, sees in ((holder, pledged), (other, [])):
            listed = (await service.http.get("/patents", params={"fields": "application_number"}, headers=token)).json()
            assert (sorted(i["application_number"] for i in listed["items"]), listed["total"]) == (sorted(sees), len(sees))  # fmt: skip
            facets = (await service.http.get("/patents/facets", params={"by": "province"}, headers=token)).json()
            assert {c["value"]: c["patents"] for c in facets["counts"]} == ({"110000": 1, "430000": 1} if sees else {})
            for n in MINE + THEIRS:
                one = await service.http.get(f"/patents/{n}", headers=token)
                timeline = await service.http.get(f"/patents/{n}/timeline", headers=token)
                assert one.status_code == timeline.status_code == (200 if n in sees else 404), (role, n)
            assert (await service.http.get("/views/coverage", headers=token)).status_code == 403
        mine = (await service.http.get(f"/patents/{pledged[0]}/timeline", headers=holder)).json()
        assert mine["encumbrances"] == ["pledged"]
