"""The demo data of ``make run`` is valid and deterministic."""

from __future__ import annotations

from patentflow.contracts.events import PatentRecorded
from patentflow.localinfra import demo


def test_demo_patents_are_valid_records() -> None:
    patents = demo.patents()

    owners = {i["credit_code"]: i for i in demo.INSTITUTIONS}
    events = [
        PatentRecorded(
            **{k: v for k, v in p.items() if k != "owner_credit_code"},
            owner={k: owners[p["owner_credit_code"]][k] for k in ("credit_code", "name", "province")},
            patent_type="invention" if p["application_number"][4] == "1" else "utility_model",
            recorded_by="demo",
        )
        for p in patents
    ]

    assert len(events) == 18
    assert len({e.application_number for e in events}) == 18
    assert {e.owner.credit_code for e in events} == set(owners)


def test_demo_data_is_the_same_every_time() -> None:
    assert demo.patents() == demo.patents()
