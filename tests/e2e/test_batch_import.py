"""Batch import through the real inventory process, Kafka and store: bad rows reported, good rows go through once."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from patentflow.contracts import topics
from patentflow.contracts.access import Role
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.testing.infrastructure import Infrastructure
from patentflow.testing.kafka import read_all
from patentflow.testing.processes import ServiceUnderTest
from patentflow.testing.samples import fresh_serials, write_csv
from tests.e2e.conftest import token

pytestmark = pytest.mark.floods


async def _finished(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(600):
        job: dict[str, Any] = (await http.get(url, headers=headers)).json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.25)
    raise AssertionError(f"import did not finish: {job}")


async def _events_for(infrastructure: Infrastructure, numbers: set[str]) -> list[Any]:
    return [
        r
        for r in await read_all(infrastructure.kafka_bootstrap, topics.PATENTS.name)
        if r.key is not None and r.key.decode() in numbers
    ]


async def test_ten_thousand_rows_with_three_percent_bad_import_once(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, infrastructure: Infrastructure, tmp_path: Path, unique: str
) -> None:
    body17 = f"12{'44'}0000{int(unique[:6], 16) % 10**9:09d}"
    code = body17 + credit_code_check_char(body17)
    national = token(Role.NATIONAL_ADMIN)
    admin = token(Role.INSTITUTION_ADMIN, institution=code)
    await http.post(
        f"{inventory.url}/institutions",
        headers=national,
        json={"credit_code": code, "name": "批量导入测试大学", "kind": "university", "province": "440000"},
    )
    await http.post(
        f"{inventory.url}/institutions/{code}/schools", headers=admin, json={"school_id": "ee", "name": "电子工程学院"}
    )
    sample = write_csv(
        tmp_path / "批量建档.csv",
        10_000,
        bad_share=0.03,
        first_serial=fresh_serials(10_000),
        encoding="gbk",
        school="ee",
    )

    with sample.path.open("rb") as handle:
        started = await http.post(f"{inventory.url}/imports", headers=admin, files={"file": (sample.path.name, handle)})
    job = await _finished(http, f"{inventory.url}{started.json()['status_url']}", admin)
    report = (
        await http.get(f"{inventory.url}/imports/{job['import_id']}/errors", headers=admin, params={"limit": 10_000})
    ).json()

    assert started.status_code == 202
    assert job["status"] == "done", job
    assert job["rows_read"] == 10_000
    assert job["bad"] == len(sample.bad_rows) == 303
    assert job["created"] == len(sample.good) == 9_697
    assert {r["row"] for r in report["rows"]} == set(sample.bad_rows)
    kinds = {r["row"]: r["problems"][0] for r in report["rows"]}
    first_bad = {kind: row for row, kind in sorted(sample.bad_rows.items(), reverse=True)}
    assert kinds[first_bad["check_digit"]]["column"] == "申请号"
    assert kinds[first_bad["ipc"]]["column"] == "主分类号"
    assert "grant_date is before filing_date" in kinds[first_bad["grant_before_filing"]]["reason"]
    assert kinds[first_bad["unknown_school"]]["column"] == "部门"
    assert "the same number as row" in kinds[first_bad["repeated_number"]]["reason"]
    assert kinds[first_bad["trl"]]["column"] == "技术成熟度"

    good = set(sample.good)
    events = await _events_for(infrastructure, good)
    assert len(events) == 2 * 9_697  # PatentRecorded and InventoryRecordFilled for every good row
    assert {r.key.decode() for r in events} == good

    with sample.path.open("rb") as handle:
        again = await http.post(f"{inventory.url}/imports", headers=admin, files={"file": (sample.path.name, handle)})
    await asyncio.sleep(2)
    assert again.status_code == 200
    assert again.json()["import_id"] == job["import_id"]
    assert len(await _events_for(infrastructure, good)) == len(events)

    renamed = tmp_path / "copy.csv"
    renamed.write_bytes(sample.path.read_bytes() + "\n".encode("gbk"))  # another file, same rows
    with renamed.open("rb") as handle:
        other = await http.post(f"{inventory.url}/imports", headers=admin, files={"file": (renamed.name, handle)})
    second = await _finished(http, f"{inventory.url}{other.json()['status_url']}", admin)
    assert second["import_id"] != job["import_id"]
    assert (second["created"], second["unchanged"], second["bad"]) == (0, 9_697, 303)
    await asyncio.sleep(2)
    assert len(await _events_for(infrastructure, good)) == len(events)

    # The export reads the whole collection on FerretDB (no index but _id), under the projection's load.
    exported = await http.get(f"{inventory.url}/exports/patents.csv", headers=admin, timeout=120)
    lines = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert lines[0][0] == "申请号"
    assert len(lines) == 1 + 9_697


def test_upload_command_shows_progress_and_reports_bad_rows(
    inventory: ServiceUnderTest, tmp_path: Path, capsys: Any
) -> None:
    from patentflow.inventory import upload
    from tests.e2e.conftest import INSTITUTION_B

    sample = write_csv(tmp_path / "small.csv", 100, bad_share=0.03, first_serial=fresh_serials(100))
    admin_b = token(Role.INSTITUTION_ADMIN, institution=INSTITUTION_B)["Authorization"].split()[1]

    code = upload.main([str(sample.path), "--url", inventory.url, "--token", admin_b, "--errors", "5"])

    out, err = capsys.readouterr()
    assert code == 0
    assert "100/100 rows" in err
    assert "rows 100: created 97, unchanged 0, bad 3" in out
    for row in sample.bad_rows:
        assert f"row {row}," in out


@pytest.mark.floods
async def test_a_whole_import_reaches_the_read_model_after_its_end(
    http: httpx.AsyncClient, inventory: ServiceUnderTest, projection: ServiceUnderTest, tmp_path: Path, unique: str
) -> None:
    # The projection applies fetched batches whole (new patents in one insert). How fast is the benchmark's to say
    # (`bench/readside_bench.py` prints the seconds until every consumer group caught up after a 100 000-row import);
    # here every row must arrive, and the time it took is printed.
    body17 = f"12{'45'}0000{int(unique[:6], 16) % 10**9:09d}"
    code = body17 + credit_code_check_char(body17)
    admin = token(Role.INSTITUTION_ADMIN, institution=code)
    await http.post(
        f"{inventory.url}/institutions",
        headers=token(Role.NATIONAL_ADMIN),
        json={"credit_code": code, "name": "读模型测试大学", "kind": "university", "province": "450000"},
    )
    sample = write_csv(tmp_path / "快.csv", 3_000, first_serial=fresh_serials(3_000))
    with sample.path.open("rb") as handle:
        started = await http.post(f"{inventory.url}/imports", headers=admin, files={"file": (sample.path.name, handle)})
    job = await _finished(http, f"{inventory.url}{started.json()['status_url']}", admin)
    assert job["created"] == 3_000, job
    ended = asyncio.get_running_loop().time()

    async def visible(number: str) -> bool:
        answer = await http.get(f"{projection.url}/patents/{number}", headers=admin)
        return answer.status_code == 200 and answer.json()["inventory"] is not None

    pending = list(sample.good)
    while pending and asyncio.get_running_loop().time() - ended < 180:
        found = await asyncio.gather(*(visible(n) for n in pending[:200]))
        pending = [n for n, ok in zip(pending[:200], found, strict=True) if not ok] + pending[200:]
        if pending:
            await asyncio.sleep(0.2)
    seconds = asyncio.get_running_loop().time() - ended
    print(f"\n3 000 imported patents (6 000 events) in the read model {seconds:.1f} s after the import ended")
    assert pending == [], f"{len(pending)} patents still missing from the read model after {seconds:.0f} s"
