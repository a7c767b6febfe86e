"""Who may call what, as one table: every authenticated operation of the inventory × every kind of caller.

``ACCESS`` holds the answer each caller gets from each operation, its target set up so that the command would
succeed for a caller who may give it. 401 without a token; 404 when the caller may not see the record (answered
exactly as a missing one); 403 when it may see the record but not do this. Patent listings and coverage are the
projection's (their access per role: services/projection/tests/test_read_access.py). The table follows the written
rules (``access.py``'s docstrings, docs/domain.md §2); where the code answers otherwise the cell keeps the rule's
answer (``RULE_NOT_CODE`` says why).

An operation added to the app without a row here fails ``test_every_operation_of_the_service_has_an_access_entry``.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest

from patentflow.contracts.access import Role
from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events import (
    EnteredConversionPool,
    InventoryApprovedBySchool,
    InventoryRecordFilled,
    InventoryReturned,
    InventorySubmitted,
    LegalStatusChanged,
    NonUseJustificationRecorded,
    PatentRecordCorrected,
    PatentRecorded,
    WithdrawnFromPool,
)
from patentflow.contracts.events.institutions import InstitutionRegistered, InventorAdded, SchoolAdded
from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.contracts.standard_format import HEADER_OF
from patentflow.inventory.app import create_app
from patentflow.inventory.config import Settings
from patentflow.inventory.deps import InventoryDeps
from patentflow.kit.clock import Clock
from patentflow.testing.inprocess import InProcess, MemoryRuntime, auth, eventually, settings_for
from patentflow.testing.samples import number

from .inprocess import RECORD, TODAY, A, B, inventory, patent_body


def credit_code(base: str) -> str:
    return base + credit_code_check_char(base)


PRINCIPALS: dict[str, dict[str, str]] = {
    "anon": {},  # no token
    "national": auth(Role.NATIONAL_ADMIN),
    "operator": auth(Role.OPERATOR),
    "prov11": auth(Role.PROVINCE_OFFICE, province="110000"),  # A's province
    "prov43": auth(Role.PROVINCE_OFFICE, province="430000"),  # B's province
    "moe": auth(Role.MINISTRY, ministry="MoE"),  # A's ministry
    "adminA": auth(Role.INSTITUTION_ADMIN, "admin-a", institution=A),
    "adminB": auth(Role.INSTITUTION_ADMIN, "admin-b", institution=B),
    "revCS": auth(Role.SCHOOL_REVIEWER, "reviewer-cs", institution=A, school="cs"),
    "revLaw": auth(Role.SCHOOL_REVIEWER, "reviewer-law", institution=A, school="law"),
    "invA": auth(Role.INVENTOR, "zhangsan-a", institution=A, person="zhangsan"),
    "invB": auth(Role.INVENTOR, "zhangsan-b", institution=B, person="zhangsan"),  # another zhangsan
    "firm": auth(Role.ENTERPRISE, enterprise=credit_code("91110108MA0000001")),
    "bank": auth(Role.BANK, bank=credit_code("91110000MA0000002")),
    "integ": auth(Role.INTEGRATOR),
    "expert": auth(Role.EXPERT, person="expert-1"),
}

# Targets: a patent of A (school cs, inventor zhangsan) at the stage its command acts on; institution A;
# an institution of province 110000 to register; imports and exports for ?institution=A.
_TABLE = """
operation                                    anon national operator prov11 prov43 moe adminA adminB revCS revLaw invA invB firm bank integ expert
POST /patents                                401  201      403      403    403    403 201    403    403   403    403  403  403  403  403   403
GET /patents/{number}                        401  200      200      200    404    404 200    404    200   404    200  404  404  404  404   404
PATCH /patents/{number}                      401  200      403      403    404    404 200    404    403   404    403  404  404  404  404   404
PUT /patents/{number}/inventory              401  200      403      403    404    404 200    404    403   404    200  404  404  404  404   404
POST /patents/{number}/submission            401  200      403      403    404    404 200    404    403   404    200  404  404  404  404   404
POST /patents/{number}/school-approval       401  200      403      403    404    404 200    404    200   404    403  404  404  404  404   404
POST /patents/{number}/institution-approval  401  200      403      403    404    404 200    404    403   404    403  404  404  404  404   404
POST /patents/{number}/return                401  200      403      403    404    404 200    404    200   404    403  404  404  404  404   404
POST /patents/{number}/withdrawal            401  200      403      403    404    404 200    404    403   404    403  404  404  404  404   404
POST /patents/{number}/legal-status          401  200      403      403    404    404 200    404    403   404    403  404  404  404  200   404
POST /patents/{number}/non-use-justification 401  200      403      403    404    404 200    404    403   404    403  404  404  404  404   404
POST /institutions                           401  201      403      201    403    403 403    403    403   403    403  403  403  403  403   403
GET /institutions/{code}                     401  200      200      200    404    200 200    404    404   404    404  404  404  404  404   404
POST /institutions/{code}/schools            401  201      403      403    404    403 201    404    404   404    404  404  404  404  404   404
POST /institutions/{code}/inventors          401  201      403      403    404    403 201    404    404   404    404  404  404  404  404   404
POST /imports                                401  202      403      403    403    403 202    403    403   403    403  403  403  403  403   403
GET /imports/{import_id}                     401  200      200      404    404    404 200    404    404   404    404  404  404  404  404   404
GET /imports/{import_id}/errors              401  200      200      404    404    404 200    404    404   404    404  404  404  404  404   404
GET /exports/patents.csv                     401  200      200      403    403    403 200    403    403   403    403  403  403  403  403   403
POST /operations/sweep                       401  200      200      403    403    403 403    403    403   403    403  403  403  403  403   403
GET /admin/dead-letters                      401  200      200      403    403    403 403    403    403   403    403  403  403  403  403   403
POST /admin/dead-letters/replay              401  200      200      403    403    403 403    403    403   403    403  403  403  403  403   403
"""


def _parse(table: str) -> dict[tuple[str, str], dict[str, int]]:
    header, *rows = table.strip().splitlines()
    names = header.split()[1:]
    assert names == list(PRINCIPALS), names
    parsed: dict[tuple[str, str], dict[str, int]] = {}
    for row in rows:
        method, path, *statuses = row.split()
        assert len(statuses) == len(names), row
        assert (method, path) not in parsed, row
        parsed[(method, path)] = {name: int(code) for name, code in zip(names, statuses, strict=True)}
    return parsed


ACCESS: dict[tuple[str, str], dict[str, int]] = _parse(_TABLE)

# Cells where the table keeps the written rule and the code answers otherwise (they fail until src follows).
RULE_NOT_CODE: dict[tuple[str, str, str], str] = {
    ("GET", "/imports/{import_id}", "operator"): "(rule: domain.md §2, operators see every record; code: 404)",
    ("GET", "/imports/{import_id}/errors", "operator"): "(rule: domain.md §2, operators see every record; code: 404)",
    ("GET", "/exports/patents.csv", "operator"): "(rule: domain.md §2, operators see every record; code: 403)",
}

ADMIN, NATIONAL = PRINCIPALS["adminA"], PRINCIPALS["national"]
FUNDED: dict[str, Any] = {"state_funded": True, "state_funding": {"project_number": "P1", "funder": "NSFC"}}
TERMINATED = {"status": "terminated", "effective_date": "2026-01-01", "reason": "未缴年费"}
MISSING_PATENT = number(2020, 999_999)
MISSING_CODE = credit_code("12110000999999999")
MISSING_IMPORT = "0" * 32
STAGES = ("draft", "filled", "submitted", "school_approved", "pooled")
STEPS = (  # what brings a patent from one stage to the next, and who does it
    ("PUT", "inventory", RECORD, "invA"),
    ("POST", "submission", None, "invA"),
    ("POST", "school-approval", None, "revCS"),
    ("POST", "institution-approval", None, "adminA"),
)


@dataclass
class Cell:
    """One caller's request at one operation, and what its check compares with."""

    url: str
    options: dict[str, Any] = field(default_factory=dict)  # json=, files=, params=
    subject: str = ""  # what the cell's event names (application number, credit code, school or inventor id)
    before: Any = None


Check = Callable[[InProcess, Cell, str, httpx.Response, bool], Awaitable[list[str]]]


@dataclass(frozen=True)
class Operation:
    """How to set a cell up, how to check its effect, and the event an allowed command publishes."""

    prepare: Callable[[InProcess, Any, int], Awaitable[Cell]]
    check: Check
    event: tuple[type[DomainEvent], str] | None = None  # (kind, the field naming the cell's subject)
    setup: Callable[[InProcess], Awaitable[Any]] | None = None  # once per operation, shared by its cells
    refused_stay_silent: bool = True  # a refused cell's subject never gets the event, not even later


async def ok(answer: Awaitable[httpx.Response], status: int = 200) -> Any:
    response = await answer
    assert response.status_code == status, response.text
    return response.json()


async def patent_at(service: InProcess, serial: int, stage: str = "draft", **extra: Any) -> str:
    """A patent of A (school cs, inventor zhangsan) brought to ``stage`` by the usual actors."""
    body = patent_body(serial, **extra)
    await ok(service.http.post("/patents", json=body, headers=ADMIN), 201)
    patent = str(body["application_number"])
    for method, route, payload, actor in STEPS[: STAGES.index(stage)]:
        await ok(service.http.request(method, f"/patents/{patent}/{route}", json=payload, headers=PRINCIPALS[actor]))
    return patent


async def as_admin(service: InProcess, patent: str) -> dict[str, Any]:
    return dict(await ok(service.http.get(f"/patents/{patent}", headers=ADMIN)))


async def institution(service: InProcess, code: str = A) -> dict[str, Any]:
    return dict(await ok(service.http.get(f"/institutions/{code}", headers=NATIONAL)))


def same_as_missing(response: httpx.Response, missing: httpx.Response) -> list[str]:
    """A hidden record answers exactly like a missing one."""
    if (response.status_code, response.json()) != (missing.status_code, missing.json()):
        return [f"answers {response.json()} where a missing one answers {missing.json()}"]
    return []


# Commands on one patent -----------------------------------------------------------------------------------------


def patent_command(route: str, body: Any, stage: str, **extra: Any) -> Callable[[InProcess, Any, int], Awaitable[Cell]]:
    async def prepare(service: InProcess, _: Any, serial: int) -> Cell:
        patent = await patent_at(service, serial, stage, **extra)
        options = {} if body is None else {"json": body}
        return Cell(f"/patents/{patent}{route}", options, patent, await as_admin(service, patent))

    return prepare


async def patent_changed(
    service: InProcess, cell: Cell, who: str, response: httpx.Response, allowed: bool
) -> list[str]:
    """Allowed: the answer is the patent one version on; refused: its institution sees it as it was."""
    now = await as_admin(service, cell.subject)
    if not allowed:
        return [] if now == cell.before else [f"refused, yet the patent changed: {cell.before} -> {now}"]
    problems = [] if response.json() == now else [f"answered {response.json()}, stored {now}"]
    if now["version"] != cell.before["version"] + 1:
        problems.append(f"version {cell.before['version']} -> {now['version']}")
    return problems


def command(route: str, body: Any, stage: str, event: type[DomainEvent], **extra: Any) -> Operation:
    return Operation(patent_command(route, body, stage, **extra), patent_changed, (event, "application_number"))


async def new_patent(service: InProcess, _: Any, serial: int) -> Cell:
    body = patent_body(serial)
    return Cell("/patents", {"json": body}, str(body["application_number"]))


async def patent_recorded(
    service: InProcess, cell: Cell, who: str, response: httpx.Response, allowed: bool
) -> list[str]:
    found = await service.http.get(f"/patents/{cell.subject}", headers=NATIONAL)
    if found.status_code != (200 if allowed else 404):
        return [f"afterwards the patent answers {found.status_code}"]
    return [] if not allowed or response.json() == found.json() else [f"answered {response.json()}"]


# Reads ----------------------------------------------------------------------------------------------------------


async def read_patent(service: InProcess, _: Any, serial: int) -> Cell:
    return Cell(f"/patents/{await patent_at(service, serial)}")


async def patent_shown(service: InProcess, cell: Cell, who: str, response: httpx.Response, allowed: bool) -> list[str]:
    patent = cell.url.rsplit("/", 1)[1]
    if allowed:
        return [] if response.json() == await as_admin(service, patent) else [f"shows {response.json()}"]
    headers = PRINCIPALS[who]
    return same_as_missing(response, await service.http.get(f"/patents/{MISSING_PATENT}", headers=headers))


async def read_institution(service: InProcess, _: Any, serial: int) -> Cell:
    return Cell(f"/institutions/{A}")


async def institution_shown(
    service: InProcess, cell: Cell, who: str, response: httpx.Response, allowed: bool
) -> list[str]:
    if allowed:
        return [] if response.json() == await institution(service) else [f"shows {response.json()}"]
    return same_as_missing(response, await service.http.get(f"/institutions/{MISSING_CODE}", headers=PRINCIPALS[who]))


# The registry ---------------------------------------------------------------------------------------------------


async def new_institution(service: InProcess, _: Any, serial: int) -> Cell:
    code = credit_code(f"12110000{serial:09d}")
    body = {"credit_code": code, "name": f"北京示范学院{serial}", "kind": "university", "province": "110000"}
    return Cell("/institutions", {"json": body}, code)


async def institution_registered(
    service: InProcess, cell: Cell, who: str, response: httpx.Response, allowed: bool
) -> list[str]:
    found = await service.http.get(f"/institutions/{cell.subject}", headers=NATIONAL)
    if found.status_code != (200 if allowed else 404):
        return [f"afterwards the institution answers {found.status_code}"]
    return []


def member(kind: str) -> Callable[[InProcess, Any, int], Awaitable[Cell]]:
    async def prepare(service: InProcess, _: Any, serial: int) -> Cell:
        key = "school_id" if kind == "schools" else "inventor_id"
        subject = f"m{serial}"
        return Cell(
            f"/institutions/{A}/{kind}", {"json": {key: subject, "name": "成员"}}, subject, await institution(service)
        )

    return prepare


async def member_added(service: InProcess, cell: Cell, who: str, response: httpx.Response, allowed: bool) -> list[str]:
    now = await institution(service)
    if not allowed:
        return [] if now == cell.before else [f"refused, yet A changed: {cell.before} -> {now}"]
    kind = "schools" if cell.url.endswith("schools") else "inventors"
    problems = [] if cell.subject in now[kind] else [f"{cell.subject} not among A's {kind}"]
    if now["version"] != cell.before["version"] + 1:
        problems.append(f"version {cell.before['version']} -> {now['version']}")
    return problems


# Import, export, operations -------------------------------------------------------------------------------------

COLUMNS = ("application_number", "title", "ipc_main", "filing_date", "grant_date")


def csv_of(*patents: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([HEADER_OF[c] for c in COLUMNS])
    for patent in patents:
        writer.writerow([patent, "一种导入的检测方法", "G06F 16/35", "2022-03-15", "2023-06-01"])
    return buffer.getvalue().encode()


def upload_options(content: bytes) -> dict[str, Any]:
    return {"files": {"file": ("patents.csv", content, "text/csv")}, "params": {"institution": A}}


async def import_done(service: InProcess, import_id: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        job = dict(await ok(service.http.get(f"/imports/{import_id}", headers=ADMIN)))
        assert job["status"] != "failed", job
        return job if job["status"] == "done" else None

    return await eventually(done, what=f"import {import_id} done")


async def upload(service: InProcess, _: Any, serial: int) -> Cell:
    patent = number(2022, serial)
    return Cell("/imports", upload_options(csv_of(patent)), patent)


async def uploaded(service: InProcess, cell: Cell, who: str, response: httpx.Response, allowed: bool) -> list[str]:
    if allowed:
        job = await import_done(service, response.json()["import_id"])
        if (job["institution"], job["created"], job["bad"]) != (A, 1, 0):
            return [f"the import ended {job}"]
    found = await service.http.get(f"/patents/{cell.subject}", headers=NATIONAL)
    return [] if found.status_code == (200 if allowed else 404) else [f"the patent answers {found.status_code}"]


async def one_import(service: InProcess) -> str:
    """A done import of A: one good row, one with a wrong check digit."""
    good, bad = number(2022, 1), number(2022, 2)
    wrong = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    started = await ok(service.http.post("/imports", headers=ADMIN, **upload_options(csv_of(good, wrong))), 202)
    await import_done(service, started["import_id"])
    return str(started["import_id"])


def import_read(suffix: str) -> Callable[[InProcess, Any, int], Awaitable[Cell]]:
    async def prepare(service: InProcess, import_id: str, serial: int) -> Cell:
        return Cell(f"/imports/{import_id}{suffix}", subject=import_id)

    return prepare


async def import_shown(service: InProcess, cell: Cell, who: str, response: httpx.Response, allowed: bool) -> list[str]:
    if allowed:
        answer = response.json()
        shown = (answer["import_id"], answer["bad"], len(answer["rows"]) if "rows" in answer else answer["created"])
        return [] if shown == (cell.subject, 1, 1) else [f"shows {answer}"]
    missing = await service.http.get(cell.url.replace(cell.subject, MISSING_IMPORT), headers=PRINCIPALS[who])
    return same_as_missing(response, missing)


async def exporting(service: InProcess, patent: str, serial: int) -> Cell:
    return Cell("/exports/patents.csv", {"params": {"institution": A}}, patent)


async def exported(service: InProcess, cell: Cell, who: str, response: httpx.Response, allowed: bool) -> list[str]:
    if not allowed:
        return []
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    numbers = [row[HEADER_OF["application_number"]] for row in rows]
    return [] if numbers == [cell.subject] else [f"exports {numbers}, not [{cell.subject}]"]


async def export_setup(service: InProcess) -> str:
    return await patent_at(service, 1)


# The export index's consumer: its dead letters are the operators' ----------------------------------------------

OWNED_GROUP = "patentflow.inventory.patents-by-owner"


async def dead_letters(service: InProcess, _: Any, serial: int) -> Cell:
    return Cell("/admin/dead-letters")


async def replaying(service: InProcess, patent: str, serial: int) -> Cell:
    return Cell("/admin/dead-letters/replay", {"params": {"group": OWNED_GROUP, "subject": patent}}, patent)


async def none_dead(service: InProcess, cell: Cell, who: str, response: httpx.Response, allowed: bool) -> list[str]:
    if not allowed:
        return []
    answer = response.json()
    expected = [] if cell.url.endswith("dead-letters") else {"subject": cell.subject, "replayed": 0, "remaining": 0, "error": None}  # fmt: skip
    return [] if answer == expected else [f"answered {answer}"]


async def stale_patent(service: InProcess, _: Any, serial: int) -> Cell:
    """A utility model whose term ended after it was recorded: valid in the store until the daily pass."""
    old = {"application_number": number(2004, serial, kind=2), "filing_date": "2004-01-05", "grant_date": "2005-02-01"}
    patent = await patent_at(service, serial, **old)
    # The running service's clock cannot move: age the record, as a record of 2005 stands on the day after its term
    # (valid in the store, due today in the pass's calendar).
    deps = service.deps(InventoryDeps)
    await deps.patents.collection.update_one({"_id": patent}, {"$set": {"state.legal_status": "valid"}})
    await deps.due.file([(patent, [TODAY], TODAY - timedelta(days=1))])
    return Cell("/operations/sweep", subject=patent, before=await as_admin(service, patent))


async def swept(service: InProcess, cell: Cell, who: str, response: httpx.Response, allowed: bool) -> list[str]:
    now = await as_admin(service, cell.subject)
    if not allowed:
        return [] if now == cell.before else [f"refused, yet the patent changed: {cell.before} -> {now}"]
    answer = response.json()
    problems = [] if answer["today"] == TODAY.isoformat() and answer["changed"] >= 1 else [f"answered {answer}"]
    if (now["legal_status"], now["version"]) != ("expired", cell.before["version"] + 1):
        problems.append(f"the patent is {now['legal_status']} at version {now['version']}")
    return problems


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("POST", "/patents"): Operation(new_patent, patent_recorded, (PatentRecorded, "application_number")),
    ("GET", "/patents/{number}"): Operation(read_patent, patent_shown),
    ("PATCH", "/patents/{number}"): command("", {"title": "一种更正后的名称"}, "draft", PatentRecordCorrected),
    ("PUT", "/patents/{number}/inventory"): command("/inventory", RECORD, "draft", InventoryRecordFilled),
    ("POST", "/patents/{number}/submission"): command("/submission", None, "filled", InventorySubmitted),
    ("POST", "/patents/{number}/school-approval"): command(
        "/school-approval", None, "submitted", InventoryApprovedBySchool
    ),
    ("POST", "/patents/{number}/institution-approval"): command(
        "/institution-approval", None, "school_approved", EnteredConversionPool
    ),
    ("POST", "/patents/{number}/return"): command("/return", {"reason": "材料不全"}, "submitted", InventoryReturned),
    ("POST", "/patents/{number}/withdrawal"): command("/withdrawal", {"reason": "已转让"}, "pooled", WithdrawnFromPool),
    ("POST", "/patents/{number}/legal-status"): command("/legal-status", TERMINATED, "draft", LegalStatusChanged),
    ("POST", "/patents/{number}/non-use-justification"): command(
        "/non-use-justification", {"justification": "等待中试"}, "draft", NonUseJustificationRecorded, **FUNDED
    ),
    ("POST", "/institutions"): Operation(
        new_institution, institution_registered, (InstitutionRegistered, "credit_code")
    ),
    ("GET", "/institutions/{code}"): Operation(read_institution, institution_shown),
    ("POST", "/institutions/{code}/schools"): Operation(member("schools"), member_added, (SchoolAdded, "school_id")),
    ("POST", "/institutions/{code}/inventors"): Operation(
        member("inventors"), member_added, (InventorAdded, "inventor_id")
    ),
    ("POST", "/imports"): Operation(upload, uploaded, (PatentRecorded, "application_number")),
    ("GET", "/imports/{import_id}"): Operation(import_read(""), import_shown, setup=one_import),
    ("GET", "/imports/{import_id}/errors"): Operation(import_read("/errors"), import_shown, setup=one_import),
    ("GET", "/exports/patents.csv"): Operation(exporting, exported, setup=export_setup),
    ("GET", "/admin/dead-letters"): Operation(dead_letters, none_dead),
    ("POST", "/admin/dead-letters/replay"): Operation(replaying, none_dead, setup=export_setup),
    # a later allowed sweep rightly brings a refused cell's stale patent up to date
    ("POST", "/operations/sweep"): Operation(
        stale_patent, swept, (LegalStatusChanged, "application_number"), refused_stay_silent=False
    ),
}


def authenticated_operations() -> set[tuple[str, str]]:
    """The operations the app's OpenAPI documents a 401 for: every one behind a token."""
    settings = settings_for(Settings)
    app = create_app(settings, runtime=MemoryRuntime(settings, clock=Clock(TODAY)))
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if "401" in operation.get("responses", {})
    }


def test_every_operation_of_the_service_has_an_access_entry() -> None:
    operations = authenticated_operations()
    assert len(operations) >= 20  # the app was built with its routers
    assert set(ACCESS) == operations, {"without a row": operations - set(ACCESS), "gone": set(ACCESS) - operations}
    assert set(OPERATIONS) == set(ACCESS)
    assert all(key[:2] in ACCESS and key[2] in PRINCIPALS for key in RULE_NOT_CODE)


def test_every_expected_status_is_one_the_operation_documents() -> None:
    settings = settings_for(Settings)
    paths = create_app(settings, runtime=MemoryRuntime(settings, clock=Clock(TODAY))).openapi()["paths"]
    undocumented = {
        (method, path, status)
        for (method, path), cells in ACCESS.items()
        for status in set(cells.values())
        if str(status) not in paths[path][method.lower()]["responses"]
    }
    assert undocumented == set()


@pytest.mark.parametrize(("method", "path"), list(ACCESS), ids=[f"{m} {p}" for m, p in ACCESS])
async def test_each_caller_gets_the_answer_of_the_table(method: str, path: str) -> None:
    operation, expected = OPERATIONS[(method, path)], ACCESS[(method, path)]
    problems: list[str] = []
    events: dict[str, tuple[str, int]] = {}  # caller -> (its cell's subject, how many events it should have)
    async with inventory() as service:
        shared = await operation.setup(service) if operation.setup else None
        for index, (who, status) in enumerate(expected.items()):
            cell = await operation.prepare(service, shared, 5_000 + index)
            response = await service.http.request(method, cell.url, headers=PRINCIPALS[who], **cell.options)
            if response.status_code != status:
                note = RULE_NOT_CODE.get((method, path, who), "")
                problems.append(f"{who}: expected {status}, got {response.status_code} {response.text[:160]} {note}")
                continue
            if status == 401 and response.headers.get("WWW-Authenticate") != "Bearer":
                problems.append(f"{who}: 401 without the Bearer challenge")
            allowed = status < 300
            problems += [
                f"{who}: {problem}" for problem in await operation.check(service, cell, who, response, allowed)
            ]
            if cell.subject and (allowed or operation.refused_stay_silent):
                events[who] = (cell.subject, int(allowed))
        if operation.event:
            problems += await published_once_each(service, *operation.event, events)
    assert problems == [], "\n".join(problems)


async def published_once_each(
    service: InProcess, kind: type[DomainEvent], subject_field: str, events: dict[str, tuple[str, int]]
) -> list[str]:
    """Each allowed cell's subject gets its event once; a refused one's none (checked once all are out)."""

    def counts() -> dict[str, int]:
        subjects = [str(getattr(event, subject_field)) for event in service.published(kind)]
        return {who: subjects.count(subject) for who, (subject, _) in events.items()}

    wanted = {who: count for who, (_, count) in events.items()}
    with contextlib.suppress(AssertionError):  # what is missing after the wait is reported below
        await eventually(lambda: counts() == wanted or None, what=f"the {kind.__name__} events", timeout=3.0)
    await settled(service)
    found = counts()
    return [f"{who}: {found[who]} {kind.__name__}, not {count}" for who, count in wanted.items() if found[who] != count]


async def settled(service: InProcess) -> None:
    """Every event recorded so far is published."""
    deps = service.deps(InventoryDeps)

    async def drained() -> list[int] | None:
        counts = [await s.collection.count_documents({"outbox_pending": True}) for s in (deps.patents, deps.registry)]
        return None if any(counts) else counts

    left: list[int] = await eventually(drained, what="the outbox drained")
    assert left == [0, 0]
