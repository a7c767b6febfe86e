"""Uploads a file in the standard format and shows the import's progress:
``python -m patentflow.inventory.upload FILE --token TOKEN [--url http://127.0.0.1:8001] [--institution CODE]``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from patentflow.inventory.tabular import FormatError, rows


def _bar(done: int, total: int, width: int = 40) -> str:
    filled = int(width * done / total) if total else 0
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rows"


def main(argv: list[str] | None = None) -> int:
    """Upload, follow the import until it ends, print its report; exit 1 if the import as a whole failed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--url", default=os.environ.get("PATENTFLOW_INVENTORY_URL", "http://127.0.0.1:8001"))
    parser.add_argument(
        "--token", default=os.environ.get("PATENTFLOW_TOKEN"), help="bearer token (or PATENTFLOW_TOKEN)"
    )
    parser.add_argument("--institution", help="credit code, when the token is not an institution's")
    parser.add_argument("--errors", type=int, default=20, help="how many bad rows to print")
    args = parser.parse_args(argv)
    if not args.token:
        print(
            "a token is needed: --token or PATENTFLOW_TOKEN (make token ARGS='--role institution_admin ...')",
            file=sys.stderr,
        )
        return 2
    try:
        total = sum(1 for _ in rows(args.file, args.file.name))
    except (FormatError, OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    headers = {"Authorization": f"Bearer {args.token}"}
    params = {"institution": args.institution} if args.institution else {}
    with httpx.Client(base_url=args.url, headers=headers, timeout=60) as client, args.file.open("rb") as handle:
        started = client.post("/imports", params=params, files={"file": (args.file.name, handle)})
        if started.status_code >= 400:
            print(f"refused ({started.status_code}): {started.text}", file=sys.stderr)
            return 1
        job = _follow(client, started.json()["status_url"], total)
        _report(client, job, args.errors)
    return 0 if job["status"] == "done" else 1


def _follow(client: httpx.Client, url: str, total: int) -> dict[str, Any]:
    while True:
        job: dict[str, Any] = client.get(url).json()
        print(f"\r{_bar(job['rows_read'], total)}  {job['status']}", end="", file=sys.stderr, flush=True)
        if job["status"] in ("done", "failed"):
            print(file=sys.stderr)
            return job
        time.sleep(0.5)


def _report(client: httpx.Client, job: dict[str, Any], shown: int) -> None:
    if job["status"] == "failed":
        print(f"import failed: {job['error']}")
        return
    print(
        f"rows {job['rows_read']}: created {job['created']}, unchanged {job['unchanged']}, bad {job['bad']}; "
        f"events {job['events']}; {job.get('rows_per_second')} rows/s"
    )
    if job["bad"]:
        report = client.get(f"/imports/{job['import_id']}/errors", params={"limit": shown}).json()
        for row in report["rows"]:
            for problem in row["problems"]:
                print(f"  row {row['row']}, {problem['column']}: {problem['reason']}")
        if job["bad"] > shown:
            print(f"  … {job['bad'] - shown} more: GET /imports/{job['import_id']}/errors")


if __name__ == "__main__":
    raise SystemExit(main())
