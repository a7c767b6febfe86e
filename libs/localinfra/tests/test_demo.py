"""The demo data of ``make run`` is valid and deterministic."""

from __future__ import annotations

from patentflow.contracts.events import PatentRecorded
from patentflow.localinfra import demo


def test_demo_patents_are_valid_records() -> None:
    patents = demo.patents()

    events = [PatentRecorded(**p, patent_type="invention" if p["application_number"][4] == "1" else "utility_model",
                             recorded_by="demo") for p in patents]  # fmt: skip

    assert len(events) == 18
    assert len({e.application_number for e in events}) == 18
    assert {e.owner.credit_code for e in events} == {i["credit_code"] for i in demo.INSTITUTIONS}


def test_demo_data_is_the_same_every_time() -> None:
    assert demo.patents() == demo.patents()
