"""Batch import and export through HTTP: a CSV uploaded, imported in the background, its bad rows reported by row
and column, its patents exported in the same format; the same file again changes nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, TypeVar

from patentflow.contracts.access import Role
from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events import InventoryRecordFilled, PatentRecorded
from patentflow.contracts.standard_format import HEADER_OF
from patentflow.inventory.deps import InventoryDeps
from patentflow.inventory.tabular import EXPORT_FIELDS
from patentflow.testing.inprocess import InProcess, auth, eventually
from patentflow.testing.samples import Sample, number, write_csv

from .inprocess import ADMIN_A, ADMIN_B, A, B, inventory

E = TypeVar("E", bound=DomainEvent)
COLUMN_OF_KIND = {"check_digit": HEADER_OF["application_number"], "ipc": HEADER_OF["ipc_main"]}


async def published(service: InProcess, kind: type[E], count: int) -> list[E]:
    """The events of ``kind``, once exactly ``count`` are published."""

    def check() -> list[E] | None:
        found = service.published(kind)
        return found if len(found) == count else None

    return await eventually(check, what=f"{count} {kind.__name__}")


async def upload(service: InProcess, sample: Sample, headers: dict[str, str], **params: str) -> Any:
    files = {"file": (sample.path.name, sample.path.read_bytes(), "text/csv")}
    return await service.http.post("/imports", files=files, params=params, headers=headers)


async def finished(service: InProcess, import_id: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        answer = await service.http.get(f"/imports/{import_id}", headers=ADMIN_A)
        assert answer.status_code == 200, answer.text
        job = dict(answer.json())
        assert job["status"] != "failed", job
        return job if job["status"] == "done" else None

    return await eventually(done, what=f"import {import_id} done")


async def imported(service: InProcess, sample: Sample) -> dict[str, Any]:
    started = await upload(service, sample, ADMIN_A)
    assert started.status_code == 202, started.text
    assert started.json()["status_url"] == f"/imports/{started.json()['import_id']}"
    return await finished(service, started.json()["import_id"])


def exported(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


async def test_an_upload_creates_its_good_rows_and_reports_each_bad_one(tmp_path: Path) -> None:
    sample = write_csv(tmp_path / "patents.csv", 20, bad_share=0.1, first_serial=300)
    assert len(sample.good) == 18
    assert set(sample.bad_rows.values()) == set(COLUMN_OF_KIND)
    async with inventory() as service:
        job = await imported(service, sample)
        assert (job["institution"], job["filename"], job["rows_read"]) == (A, "patents.csv", 20)
        assert (job["created"], job["unchanged"], job["bad"]) == (len(sample.good), 0, len(sample.bad_rows))
        errors = await service.http.get(f"/imports/{job['import_id']}/errors", headers=ADMIN_A)
        assert errors.status_code == 200, errors.text
        assert errors.json()["bad"] == 2
        rows = errors.json()["rows"]
        assert [r["row"] for r in rows] == sorted(sample.bad_rows)
        for row in rows:
            assert COLUMN_OF_KIND[sample.bad_rows[row["row"]]] in [p["column"] for p in row["problems"]], row
        events = await published(service, PatentRecorded, 18)
        assert sorted(e.application_number for e in events) == sorted(sample.good)
        assert {e.owner.credit_code for e in events} == {A}
        assert len(service.published(InventoryRecordFilled)) == 18
        first = await service.http.get(f"/patents/{sample.good[0]}", headers=ADMIN_A)
        assert first.status_code == 200
        assert first.json()["record"]["inventors"] == ["张三", "李四"]
        assert first.json()["inventory"]["conversion_intents"] == ["transfer", "licence_ordinary"]


async def test_only_its_institution_sees_an_import(tmp_path: Path) -> None:
    sample = write_csv(tmp_path / "mine.csv", 5, first_serial=330)
    async with inventory() as service:
        job = await imported(service, sample)
        for suffix in ("", "/errors"):
            hidden = await service.http.get(f"/imports/{job['import_id']}{suffix}", headers=ADMIN_B)
            missing = await service.http.get(f"/imports/{'0' * 32}{suffix}", headers=ADMIN_A)
            assert hidden.status_code == missing.status_code == 404
            assert hidden.json() == missing.json()
            assert (await service.http.get(f"/imports/{job['import_id']}{suffix}")).status_code == 401
        national = await service.http.get(f"/imports/{job['import_id']}", headers=auth(Role.NATIONAL_ADMIN))
        assert national.status_code == 200
        assert national.json()["created"] == 5
        assert (await upload(service, sample, ADMIN_A, institution=B)).status_code == 403
        assert (await upload(service, sample, auth(Role.PROVINCE_OFFICE, province="110000"))).status_code == 422
        assert (await upload(service, sample, {})).status_code == 401
        text = await service.http.post(
            "/imports", files={"file": ("notes.pdf", b"%PDF", "application/pdf")}, headers=ADMIN_A
        )
        assert text.status_code == 422
        assert text.json()["detail"][0]["loc"] == ["body", "file"]


async def test_the_export_lists_the_created_rows_in_the_standard_format(tmp_path: Path) -> None:
    sample = write_csv(tmp_path / "export.csv", 20, bad_share=0.1, first_serial=360)
    async with inventory() as service:
        await imported(service, sample)
        store = service.deps(InventoryDeps).patents.collection

        def scan(*_: Any, **__: Any) -> None:
            raise AssertionError("the export filtered the patents (a scan of every document on the embedded store)")

        store.find = scan  # type: ignore[method-assign]  # by id only: the owner's index, then each patent
        answer = await service.http.get("/exports/patents.csv", headers=ADMIN_A)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        assert answer.text.removeprefix("\ufeff").splitlines()[0].split(",") == [HEADER_OF[f] for f in EXPORT_FIELDS]
        rows = exported(answer.text)
        assert len(answer.text.splitlines()) == 1 + len(sample.good)
        assert [r[HEADER_OF["application_number"]] for r in rows] == sorted(sample.good)
        row = rows[0]
        assert (row[HEADER_OF["patent_type"]], row[HEADER_OF["grant_date"]]) == ("发明", "2021-06-01")
        assert (row[HEADER_OF["implementation_status"]], row[HEADER_OF["state_funded"]]) == ("未实施", "否")
        other = await service.http.get("/exports/patents.csv", headers=ADMIN_B)
        assert exported(other.text) == []
        assert (
            await service.http.get("/exports/patents.csv", params={"institution": A}, headers=ADMIN_B)
        ).status_code == 403
        assert (await service.http.get("/exports/patents.csv")).status_code == 401


async def test_the_same_file_again_changes_nothing(tmp_path: Path) -> None:
    sample = write_csv(tmp_path / "twice.csv", 20, bad_share=0.1, first_serial=400)
    async with inventory() as service:
        job = await imported(service, sample)
        again = await upload(service, sample, ADMIN_A)
        assert again.status_code == 200, again.text
        assert (again.json()["import_id"], again.json()["status"]) == (job["import_id"], "done")
        assert not service.deps(InventoryDeps).import_tasks  # nothing runs for it
        assert await finished(service, job["import_id"]) == job
        await published(service, PatentRecorded, 18)
        for number in sample.good:
            assert (await service.http.get(f"/patents/{number}", headers=ADMIN_A)).json()["version"] == 1
        # The same rows in another file: recorded ones count as unchanged, the corrected bad rows are created.
        longer = write_csv(tmp_path / "longer.csv", 22, first_serial=400)
        second = await imported(service, longer)
        assert second["import_id"] != job["import_id"]
        assert (second["created"], second["unchanged"], second["bad"]) == (4, 18, 0)
        await published(service, PatentRecorded, 22)
        assert len(service.published(InventoryRecordFilled)) == 22


async def test_an_exported_file_imports_again_unchanged(tmp_path: Path) -> None:
    sample = write_csv(tmp_path / "round.csv", 6, first_serial=450)
    async with inventory() as service:
        await imported(service, sample)
        answer = await service.http.get("/exports/patents.csv", headers=ADMIN_A)
        path = tmp_path / "exported.csv"
        path.write_text(answer.text, encoding="utf-8")
        job = await imported(service, Sample(path))
        errors = await service.http.get(f"/imports/{job['import_id']}/errors", headers=ADMIN_A)
        assert (job["created"], job["unchanged"], job["bad"]) == (0, 6, 0), errors.json()


async def test_a_file_refused_as_a_whole_fails_with_its_reason_and_writes_nothing(tmp_path: Path) -> None:
    async with inventory() as service:
        good = ",".join(["申请号", "专利名称", "主分类号", "申请日", "专利权人"]) + "\n"
        rows_ = "".join(f"{number(2019, 700 + i)},一种方法,G06F 16/35,2019-03-15,某公司\n" for i in range(5))
        path = tmp_path / "owners.csv"
        path.write_text(good + rows_, encoding="utf-8")
        with path.open("rb") as handle:
            started = await service.http.post("/imports", files={"file": (path.name, handle)}, headers=ADMIN_A)
        assert started.status_code == 202, started.text
        job_url = started.json()["status_url"]

        async def finished() -> dict[str, Any] | None:
            job = (await service.http.get(job_url, headers=ADMIN_A)).json()
            return job if job["status"] in ("done", "failed") else None

        job = await eventually(finished, what="the import to end")
        assert job["status"] == "failed"
        assert "标准格式中没有这些列：专利权人" in job["error"]
        assert "upload the file again" not in job["error"]  # nothing to resume: the file itself must change
        assert job["created"] == 0
        assert service.published(PatentRecorded) == []
