"""Batch import of the standard format: streamed from disk in chunks, good rows created with their events, every
bad row reported (row, column, reason), progress kept in a job document; the same file again changes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import structlog
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.inventory import domain, institutions
from patentflow.inventory.rows import Problem, parse_row
from patentflow.inventory.tabular import HEADER_OF, FormatError, Limits, check_structure, rows
from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.bulk import BulkCreator
from patentflow.kit.decisions import CommandContext, Decision
from patentflow.kit.errors import InvalidInput, RuleViolation
from patentflow.kit.mongo import Document

log = structlog.get_logger(__name__)
CHUNK = 1000
# Rows a repeated application number is traced back to ("the same number as row N"). Memory stays flat however
# long the file: a number repeated further apart is caught by the store instead (already recorded: unchanged if
# the rows agree, reported if they differ). At least CHUNK, so that a chunk never holds a number twice.
REPEAT_WINDOW = 50_000
IN_FLIGHT = 4  # chunks written concurrently while the next is parsed
# What a re-import compares: the master record without who recorded it.
_VOLATILE = {"recorded_by"}


LOOKUPS_IN_FLIGHT = 64
T = TypeVar("T")


async def _gathered(items: Sequence[T], call: Callable[[T], Coroutine[Any, Any, bool]]) -> list[bool]:
    """``call`` on every item, at most LOOKUPS_IN_FLIGHT at a time; the results in order."""
    results: list[bool] = []
    for start in range(0, len(items), LOOKUPS_IN_FLIGHT):
        results.extend(await asyncio.gather(*(call(i) for i in items[start : start + LOOKUPS_IN_FLIGHT])))
    return results


def _stable(patent: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in patent.items() if k not in _VOLATILE}


class Importer:
    """Runs imports for the inventory service; jobs, errors and chunks live in its own database."""

    def __init__(
        self,
        *,
        patents: AggregateStore,
        registry: AggregateStore,
        bulk: BulkCreator,
        jobs: AsyncCollection[Document],
        errors: AsyncCollection[Document],
        clock: Callable[[], date],
        limits: Limits | None = None,
        max_errors: int = 10_000,
    ) -> None:
        self.patents, self.registry, self.bulk = patents, registry, bulk
        self.jobs, self.errors, self.clock = jobs, errors, clock
        self.limits = limits or Limits()
        self.max_errors = max_errors  # bad rows stored one by one; past this they are counted, not stored

    async def ensure_indexes(self) -> None:
        """Errors are listed per import in row order."""
        await self.errors.create_index([("import_id", 1), ("row", 1)])

    async def interrupted(self) -> None:
        """At start-up: jobs a stopped process left unfinished fail, so that uploading the file again resumes them
        (chunks already published are skipped, rows already created count as unchanged)."""
        await self.jobs.update_many(
            {"status": {"$in": ["queued", "running"]}},
            {"$set": {"status": "failed", "error": "interrupted; upload the file again to resume"}},
        )

    async def job(self, import_id: str) -> Document | None:
        """One import's job document."""
        return await self.jobs.find_one({"_id": import_id})

    async def register(self, import_id: str, *, institution: str, filename: str, by: str, size: int) -> Document:
        """The job of an upload; an upload of the same file for the same institution finds its earlier job."""
        now = datetime.now(UTC)
        job = {
            "_id": import_id,
            "institution": institution,
            "filename": filename,
            "by": by,
            "size": size,
            "status": "queued",
            "rows_read": 0,
            "created": 0,
            "unchanged": 0,
            "bad": 0,
            "events": 0,
            "created_at": now,
            "updated_at": now,
            "finished_at": None,
            "error": None,
        }
        await self.jobs.update_one({"_id": import_id}, {"$setOnInsert": job}, upsert=True)
        found = await self.job(import_id)
        assert found is not None
        return found

    async def claim(self, import_id: str) -> bool:
        """Take a queued or failed job for running; True for exactly one of concurrent uploads of the same file."""
        return await self.patents.writes.update_if(
            self.jobs, import_id, {"status": {"$in": ["queued", "failed"]}}, {"$set": {"status": "running"}}
        )

    async def run(self, import_id: str, path: Path) -> None:
        """Process the file; a failure of the file as a whole ends the job with its reason."""
        started = time.perf_counter()
        try:
            job = await self.job(import_id)
            assert job is not None
            await self._update(
                import_id,
                status="running",
                error=None,
                finished_at=None,
                rows_read=0,
                created=0,
                unchanged=0,
                bad=0,
                events=0,
            )
            await self.errors.delete_many({"import_id": import_id})  # a resumed job reports its rows afresh
            owner = institutions.owner_of(await self.registry.get(job["institution"]), job["institution"], None)
            # The file's structure is read through once before anything is written: a file refused as a whole
            # (a column it may not have, past a limit, not text) leaves no half of itself behind.
            await asyncio.to_thread(check_structure, path, job["filename"], self.limits)
            totals = await self._rows(import_id, path, job, owner)
            seconds = time.perf_counter() - started
            await self._update(
                import_id,
                status="done",
                finished_at=datetime.now(UTC),
                seconds=round(seconds, 3),
                rows_per_second=round(totals["rows_read"] / seconds, 1) if seconds else None,
                **totals,
            )
            log.info("import done", import_id=import_id, seconds=round(seconds, 2), **totals)
        except (FormatError, RuleViolation, UnicodeDecodeError) as exc:
            message = exc.body()["message"] if isinstance(exc, RuleViolation) else str(exc)
            log.warning("import failed", import_id=import_id, error=message)
            await self._fail(import_id, message)
        except Exception as exc:
            # The store or the broker failed mid-way. What was written stays and its events are recovered
            # (kit.bulk); the same file again resumes where this stopped.
            log.exception("import interrupted", import_id=import_id)
            await self._fail(import_id, f"interrupted ({type(exc).__name__}: {exc}); upload the file again to resume")

    async def _fail(self, import_id: str, message: str) -> None:
        # The store may be what failed: then the job stays "running" until start-up marks it interrupted.
        with contextlib.suppress(Exception):
            await self._update(import_id, status="failed", error=message, finished_at=datetime.now(UTC))

    async def _rows(self, import_id: str, path: Path, job: Document, owner: Any) -> dict[str, int]:
        registered = await self.registry.get(job["institution"])
        schools = set(institutions.schools_of(registered.state)) if registered else set()
        inventors = set(institutions.inventors_of(registered.state)) if registered else set()
        ctx = CommandContext(principal=job["by"], command_id=str(uuid.uuid4()), correlation_id=import_id)
        today = self.clock()
        totals = {"rows_read": 0, "created": 0, "unchanged": 0, "bad": 0, "events": 0}
        first_row: OrderedDict[str, int] = OrderedDict()  # application number → row, the newest REPEAT_WINDOW
        chunk: list[tuple[int, str, Decision]] = []
        bad: list[Document] = []
        number = 0
        # One chunk's writes are in flight while the next chunk is parsed and decided: the store and the broker
        # work in their own processes meanwhile.
        in_flight: list[asyncio.Task[None]] = []
        try:
            for row_number, row, shape in rows(path, job["filename"], self.limits):
                totals["rows_read"] += 1
                # A row whose shape is broken (more values than columns, a line break in a one-line field) is not
                # trusted field by field: it is reported whole, never half-imported.
                parsed = list(shape) if shape else parse_row(row, job["institution"])
                if not isinstance(parsed, list):
                    patent, record = parsed
                    unknown = sorted(set(patent.inventor_ids) - inventors)
                    if patent.school_id is not None and patent.school_id not in schools:
                        parsed = [
                            (
                                HEADER_OF["school_id"],
                                f"本单位没有院系“{patent.school_id}” / no school {patent.school_id!r} in the institution",
                            )
                        ]
                    elif unknown:
                        parsed = [
                            (
                                HEADER_OF["inventor_ids"],
                                f"本单位没有发明人账号 {'、'.join(unknown)}，请先添加 / no inventor account {', '.join(unknown)} in the "
                                "institution; add it first",
                            )
                        ]
                    elif patent.application_number in first_row:
                        parsed = [
                            (
                                HEADER_OF["application_number"],
                                f"与第 {first_row[patent.application_number]} 行的申请号相同 / the same number as row "
                                f"{first_row[patent.application_number]}",
                            )
                        ]
                    else:
                        first_row[patent.application_number] = row_number
                        if len(first_row) > REPEAT_WINDOW:
                            first_row.popitem(last=False)
                        try:
                            decision = domain.record_patent(
                                None, patent, owner, by=ctx.principal, today=today, inventory=record, answer=False
                            )
                        except InvalidInput as invalid:
                            parsed = [(HEADER_OF.get(name, name), reason) for name, reason in invalid.problems]
                        else:
                            chunk.append((row_number, patent.application_number, decision))
                if isinstance(parsed, list):
                    bad.append(self._error(import_id, row_number, parsed))
                if totals["rows_read"] % 100 == 0:
                    await asyncio.sleep(0)  # let the writes in flight move on
                if len(chunk) >= CHUNK:
                    if len(in_flight) >= IN_FLIGHT:
                        await in_flight.pop(0)
                    in_flight.append(asyncio.create_task(self._chunk(import_id, number, chunk, ctx, bad, totals)))
                    chunk, bad, number = [], [], number + 1
            for task in in_flight:
                await task
            await self._chunk(import_id, number, chunk, ctx, bad, totals)
        finally:
            for task in in_flight:  # after a failure, stop the other chunks (a write already sent may still land;
                task.cancel()  # writing the chunk again or recovering it copes with that: kit.bulk)
            await asyncio.gather(*in_flight, return_exceptions=True)
        return totals

    async def _chunk(
        self,
        import_id: str,
        number: int,
        chunk: list[tuple[int, str, Decision]],
        ctx: CommandContext,
        bad: list[Document],
        totals: dict[str, int],
    ) -> None:
        rows_of = {patent: (row_number, decision) for row_number, patent, decision in chunk}
        result = await self.bulk.create(f"{import_id}:{number}", [(p, d) for _, p, d in chunk], ctx)
        totals["created"] += len(result.created)
        totals["events"] += result.events
        # Rows already recorded are compared with their record: looked up together, not one round trip after the
        # other (a file imported again is all such rows).
        same = await _gathered(result.existing, lambda existing: self._same(existing, rows_of[existing][1]))
        for existing, unchanged in zip(result.existing, same, strict=True):
            row_number, _ = rows_of[existing]
            if unchanged:
                totals["unchanged"] += 1
            else:
                bad.append(
                    self._error(
                        import_id,
                        row_number,
                        [
                            (
                                HEADER_OF["application_number"],
                                "已建档且数据不同，请用更正功能修改 / already recorded with other data; correct it with "
                                "PATCH /patents/{number}",
                            )
                        ],
                    )
                )
        # A file of nothing but bad rows must not become as many stored documents: the report keeps the first
        # max_errors, and the job counts them all.
        room = max(self.max_errors - totals["bad"], 0)
        totals["bad"] += len(bad)  # counted before the write: chunks in flight do not overfill the report
        if bad[:room]:
            await self.errors.insert_many(bad[:room], ordered=False)
        await self._update(import_id, **totals)

    async def _same(self, number: str, decision: Decision) -> bool:
        current = await self.patents.get(number)
        if current is None:
            return False
        return bool(
            _stable(current.state["patent"]) == _stable(decision.state["patent"])
            and current.state.get("inventory") == decision.state.get("inventory")
        )

    @staticmethod
    def _error(import_id: str, row: int, problems: list[Problem]) -> Document:
        return {
            "_id": f"{import_id}:{row}",
            "import_id": import_id,
            "row": row,
            "problems": [{"column": c, "reason": r} for c, r in problems],
        }

    async def _update(self, import_id: str, **fields: Any) -> None:
        await self.jobs.update_one({"_id": import_id}, {"$set": {**fields, "updated_at": datetime.now(UTC)}})

    async def errors_of(self, import_id: str, *, skip: int, limit: int) -> list[Document]:
        """Bad rows of an import, by row."""
        cursor = self.errors.find({"import_id": import_id}, {"_id": 0, "import_id": 0}).sort("row", 1)
        return await cursor.skip(skip).limit(limit).to_list()
