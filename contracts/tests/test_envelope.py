"""The event base: its JSON payload is computed once and never outlives the fields it describes."""

from __future__ import annotations

from datetime import date

from patentflow.contracts.events import InventorySubmitted, PatentRecorded
from patentflow.contracts.events.common import Owner


def _event() -> PatentRecorded:
    owner = Owner(credit_code="91350100M000100Y43", name="示范大学", province="350000")
    return PatentRecorded(
        application_number="201310699744.2",
        patent_type="invention",
        title="名称",
        ipc_main="G06F 16/35",
        filing_date=date(2013, 12, 18),
        owner=owner,
        state_funded=False,
        recorded_by="admin",
        source="institution_upload",
    )


def test_json_data_is_the_json_dump_computed_once() -> None:
    event = _event()

    first = event.json_data()

    assert first == event.model_dump(mode="json")
    assert first["filing_date"] == "2013-12-18"
    assert event.json_data() is first


def test_the_cached_payload_is_not_a_field() -> None:
    event = _event()
    event.json_data()

    assert "_payload" not in event.model_dump()
    assert event == _event()  # equality looks at fields only
    assert "_payload" not in PatentRecorded.model_json_schema()["properties"]


def test_a_copy_with_changes_describes_the_changed_fields() -> None:
    event = InventorySubmitted(application_number="201310699744.2", submitted_by="inventor-1")
    assert event.json_data()["submitted_by"] == "inventor-1"

    changed = event.model_copy(update={"submitted_by": "admin"})

    assert changed.json_data()["submitted_by"] == "admin"
    assert event.json_data()["submitted_by"] == "inventor-1"
