"""A known event history across the patents and institutions topics, and the figures it must give."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events import (
    EnteredConversionPool,
    InstitutionRegistered,
    InventoryApprovedBySchool,
    InventoryRecordFilled,
    InventorySubmitted,
    LegalStatusChanged,
    PatentRecorded,
    StateFundedNonUseFlagged,
    WithdrawnFromPool,
)
from patentflow.contracts.events.common import Owner
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.testing.events import received
from patentflow.testing.samples import number

A = "12100000400000624" + credit_code_check_char("12100000400000624")  # pilot, MoE, Beijing
B = "12430000444876543" + credit_code_check_char("12430000444876543")  # other, local, Hunan
OWNERS = {A: Owner(credit_code=A, name="示范理工大学", province="110000"), B: Owner(credit_code=B, name="湖南示范大学", province="430000")}  # fmt: skip


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def patent(serial: int, owner: str, *, ipc: str = "G06F 16/35", granted: bool = True, funded: bool = False,
           school: str | None = None, inventors: tuple[str, ...] = ()) -> PatentRecorded:  # fmt: skip
    values: dict[str, Any] = {
        "application_number": number(2019, serial),
        "patent_type": "invention",
        "title": f"一种测试方法{serial}",
        "ipc_main": ipc,
        "filing_date": date(2019, 3, 1),
        "grant_date": date(2020, 6, 1) if granted else None,
        "owner": OWNERS[owner],
        "state_funded": funded,
        "source": "manual",
        "recorded_by": "admin",
        "legal_status": "valid",
        "expiry_date": date(2039, 2, 28),
        "school_id": school,
        "inventor_ids": inventors,
    }
    if funded:
        values["state_funding"] = {"project_number": f"2018YFB{serial:04d}", "funder": "科技部"}
    return PatentRecorded.model_validate(values)


def filled(serial: int, trl: int, intents: tuple[str, ...] = ("licence_ordinary",)) -> InventoryRecordFilled:
    return InventoryRecordFilled(
        application_number=number(2019, serial),
        conversion_intents=intents,  # type: ignore[arg-type]
        implementation_status="not_implemented",  # type: ignore[arg-type]
        trl=trl,
        self_grade=3,
        filled_by="inventor-1",
    )


def history() -> list[ReceivedEvent]:
    """The history as a consumer receives it."""
    return [received(e, sequence, time=when, event_id=eid) for e, sequence, when, eid in published()]


def published() -> list[tuple[DomainEvent, int, datetime, str]]:
    """Institutions A (pilot) and B; six patents; inventory, review, a back-dated lapse, a five-year flag: each
    event with its sequence, time and id."""
    out: list[tuple[DomainEvent, int, datetime, str]] = []
    seq: dict[str, int] = {}

    def add(event: DomainEvent, when: datetime) -> None:
        subject = event.subject()
        seq[subject] = seq.get(subject, 0) + 1
        out.append((event, seq[subject], when, f"{subject}-{seq[subject]}"))

    add(InstitutionRegistered(credit_code=A, name="示范理工大学", kind="university", province="110000",  # type: ignore[arg-type]
                              ministry="MoE", pilot=True, registered_by="national"), at(date(2024, 1, 10)))  # fmt: skip
    add(InstitutionRegistered(credit_code=B, name="湖南示范大学", kind="university", province="430000",  # type: ignore[arg-type]
                              ministry=None, pilot=False, registered_by="national"), at(date(2024, 1, 10)))  # fmt: skip
    # Institution A: three granted patents, all inventoried by 2024-05; two pooled; one state-funded and flagged.
    add(patent(1, A, school="s1", inventors=("inv-1",)), at(date(2024, 2, 1)))
    add(patent(2, A, ipc="H01M 4/525"), at(date(2024, 2, 1)))
    add(patent(3, A, funded=True), at(date(2024, 2, 1)))
    for serial, trl in ((1, 6), (2, 4), (3, 2)):
        add(filled(serial, trl), at(date(2024, 5, 10)))
    for serial in (1, 2):
        n = number(2019, serial)
        add(InventorySubmitted(application_number=n, submitted_by="inventor-1"), at(date(2024, 5, 11)))
        add(InventoryApprovedBySchool(application_number=n, approved_by="school"), at(date(2024, 5, 12)))
        add(EnteredConversionPool(application_number=n, approved_by="admin"), at(date(2024, 5, 13)))
    add(StateFundedNonUseFlagged(application_number=number(2019, 3), grant_date=date(2020, 6, 1),
                                 deadline=date(2025, 6, 1), flagged_on=date(2025, 6, 2)), at(date(2025, 6, 2)))  # fmt: skip
    # Institution B: three patents, one not granted (not stock); one inventoried in 2024Q3, later withdrawn from the
    # pool; one lapsed, the register's notice arriving in 2025-03 but effective 2024-11-01 (a late event).
    add(patent(11, B, ipc="A61K 31/00"), at(date(2024, 3, 1)))
    add(patent(12, B), at(date(2024, 3, 1)))
    add(patent(13, B, granted=False), at(date(2024, 3, 1)))
    add(filled(11, 7, ("transfer", "equity")), at(date(2024, 8, 20)))
    n11 = number(2019, 11)
    add(InventorySubmitted(application_number=n11, submitted_by="inventor-2"), at(date(2024, 8, 21)))
    add(InventoryApprovedBySchool(application_number=n11, approved_by="school"), at(date(2024, 8, 22)))
    add(EnteredConversionPool(application_number=n11, approved_by="admin"), at(date(2024, 8, 23)))
    add(WithdrawnFromPool(application_number=n11, reason="已转让", withdrawn_by="admin"), at(date(2025, 9, 1)))
    add(LegalStatusChanged(application_number=number(2019, 12), status="terminated", previous="valid",  # type: ignore[arg-type]
                           effective_date=date(2024, 11, 1), changed_by="register"), at(date(2025, 3, 5)))  # fmt: skip
    return out


def cut(events: list[ReceivedEvent], day: date) -> list[ReceivedEvent]:
    """The events whose facts hold on ``day`` (their effective day on or before it): a replay cut at ``day``."""
    from patentflow.projection.facts import rows_of

    return [e for e in events if rows_of(e)[0]["effective"] <= day]


def shuffled_with_repeats(events: list[ReceivedEvent], seed: int) -> list[list[ReceivedEvent]]:
    """The same events in batches of a random order across topics, a third of them delivered twice."""
    import random

    rng = random.Random(seed)
    again = rng.sample(events, len(events) // 3)
    mixed = [*events, *again]
    rng.shuffle(mixed)
    batches: list[list[ReceivedEvent]] = []
    while mixed:
        size = rng.randint(1, 7)
        batches.append(mixed[:size])
        mixed = mixed[size:]
    return batches


NOW = date(2026, 12, 1)
STEP = timedelta(days=1)
