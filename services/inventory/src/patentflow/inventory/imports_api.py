"""HTTP side of batch import and export: upload, status and bad rows of an import, export in the same format."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import HTTPException, Query, UploadFile, status
from fastapi import Path as PathParameter
from fastapi.responses import JSONResponse, StreamingResponse

from patentflow.contracts.events.inventory_enums import (
    CONVERSION_INTENT_LABELS,
    IMPLEMENTATION_STATUS_LABELS,
    ConversionIntent,
    ImplementationStatus,
)
from patentflow.contracts.identifiers import normalize_credit_code
from patentflow.inventory import access
from patentflow.inventory.deps import Deps
from patentflow.inventory.imports import Importer
from patentflow.inventory.tabular import EXPORT_FIELDS, write_csv_header
from patentflow.kit.auth import CurrentPrincipal
from patentflow.kit.errors import NotFound
from patentflow.kit.idsets import by_ids
from patentflow.kit.principal import Principal
from patentflow.kit.routing import FORBIDDEN, MALFORMED_FORM, ServiceRouter, Skip

router = ServiceRouter(tags=["batch import and export"])
READ_BLOCK = 1 << 20
_TYPES = {"invention": "发明", "utility_model": "实用新型", "design": "外观设计"}
ImportId = Annotated[
    str,
    PathParameter(
        description="The import's id, as the upload answered it", json_schema_extra={"pattern": "^[0-9a-f]{32}$"}
    ),
]


def _institution(principal: Principal, institution: str | None, *, reading: bool = False) -> str:
    """The institution named (or the caller's); uploading is its administrator's, reading also the platform's."""
    code = institution or principal.scope.institution
    if code is None:
        raise HTTPException(422, [{"loc": ["query", "institution"], "msg": "name the institution", "type": "missing"}])
    try:
        code = normalize_credit_code(code)
    except ValueError as exc:
        raise HTTPException(422, [{"loc": ["query", "institution"], "msg": str(exc), "type": "value_error"}]) from exc
    if not (principal.acts_for_institution(code) or (reading and access.reads_everything(principal))):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you may import and export for your own institution only")
    return code


@router.post(
    "/imports",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Upload a file in the standard format (.csv in UTF-8 or GBK, or .xlsx); it is imported in the "
    "background. The same file again returns the same import and changes nothing.",
    responses={
        200: {"description": "This file was imported before: its finished import, unchanged"},
        **MALFORMED_FORM,
    },
)
async def upload(
    file: UploadFile, principal: CurrentPrincipal, deps: Deps, institution: str | None = None
) -> JSONResponse:
    code = _institution(principal, institution)
    filename = Path(file.filename or "upload.csv").name
    if not filename.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
        raise HTTPException(422, [{"loc": ["body", "file"], "msg": "a .csv or .xlsx file", "type": "value_error"}])
    imports, directory = deps.importer, deps.import_dir
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f"upload-{uuid.uuid4().hex}.part"
    digest, size = hashlib.sha256(code.encode() + b"\0"), 0
    with partial.open("wb") as out:
        while block := await file.read(READ_BLOCK):
            digest.update(block)
            size += len(block)
            out.write(block)
    import_id = digest.hexdigest()[:32]
    path = partial.with_suffix(Path(filename).suffix.lower())  # this upload's own copy: another may be running
    partial.replace(path)
    job = await imports.register(import_id, institution=code, filename=filename, by=principal.sub, size=size)
    if job["status"] in ("queued", "failed") and await imports.claim(import_id):
        task = asyncio.create_task(_run(imports, import_id, path))
        deps.import_tasks.add(task)
        task.add_done_callback(deps.import_tasks.discard)
    else:
        path.unlink(missing_ok=True)
    body = {
        "import_id": import_id,
        "status": job["status"],
        "status_url": f"/imports/{import_id}",
        "errors_url": f"/imports/{import_id}/errors",
    }
    return JSONResponse(body, status_code=status.HTTP_202_ACCEPTED if job["status"] != "done" else status.HTTP_200_OK)


async def _run(imports: Importer, import_id: str, path: Path) -> None:
    try:
        await imports.run(import_id, path)
    finally:
        path.unlink(missing_ok=True)  # noqa: ASYNC240 - one metadata call


async def _job(imports: Importer, principal: Principal, import_id: str) -> dict[str, Any]:
    job = await imports.job(import_id)
    if job is None or not (principal.acts_for_institution(job["institution"]) or access.reads_everything(principal)):
        raise NotFound("no such import")
    return job


@router.get("/imports/{import_id}", summary="Progress and result of an import")
async def import_status(import_id: ImportId, principal: CurrentPrincipal, deps: Deps) -> dict[str, Any]:
    job = await _job(deps.importer, principal, import_id)
    job["import_id"] = job.pop("_id")
    return job


@router.get("/imports/{import_id}/errors", summary="Bad rows of an import: row, column and reason, by row")
async def import_errors(
    import_id: ImportId,
    principal: CurrentPrincipal,
    deps: Deps,
    skip: Skip = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> dict[str, Any]:
    job = await _job(deps.importer, principal, import_id)
    return {
        "import_id": import_id,
        "bad": job["bad"],
        "rows": await deps.importer.errors_of(import_id, skip=skip, limit=limit),
    }


@router.get(
    "/exports/patents.csv",
    summary="The institution's records in the standard format (UTF-8 CSV)",
    responses=FORBIDDEN,
)
async def export(principal: CurrentPrincipal, deps: Deps, institution: str | None = None) -> StreamingResponse:
    code = _institution(principal, institution, reading=True)
    # By id only (see consumers.py): the index's numbers, then their documents a page at a time. A patent recorded a
    # moment ago is listed once the index has read its event (well under a second on an idle platform).
    numbers = await deps.owned.numbers_of(code)
    collection = deps.patents.collection

    async def lines() -> AsyncIterator[str]:
        yield "\ufeff" + write_csv_header()  # the BOM lets spreadsheet programs see UTF-8
        async for docs in by_ids(collection, numbers, {"state": 1}):
            buffer = io.StringIO()
            csv.writer(buffer).writerows(_export_row(doc["state"]) for doc in docs)
            yield buffer.getvalue()

    headers = {"Content-Disposition": f'attachment; filename="patents-{code}.csv"'}
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)


def _export_row(state: dict[str, Any]) -> list[str]:
    patent, record = state["patent"], state.get("inventory") or {}
    funding = patent.get("state_funding") or {}
    values: dict[str, Any] = {
        **patent,
        "patent_type": _TYPES[patent["patent_type"]],
        "ipc_secondary": "；".join(patent["ipc_secondary"]),
        "inventors": "；".join(patent["inventors"]),
        "state_funded": "是" if patent["state_funded"] else "否",
        "project_number": funding.get("project_number"),
        "funder": funding.get("funder"),
        **record,
        "conversion_intents": "；".join(
            CONVERSION_INTENT_LABELS[ConversionIntent(i)] for i in record.get("conversion_intents", [])
        ),
        "implementation_status": IMPLEMENTATION_STATUS_LABELS.get(
            ImplementationStatus(record["implementation_status"]), ""
        )
        if record
        else "",
    }
    return ["" if values.get(f) is None else str(values[f]) for f in EXPORT_FIELDS]
