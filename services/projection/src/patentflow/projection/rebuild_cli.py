"""``python -m patentflow.projection rebuild``: start a rebuild of the running projection's query engine and follow it.

The running service owns its engine file, so the command asks it over HTTP (``POST /admin/engine/rebuild``) and
prints the progress until the rebuilt engine is swapped in. It signs an operator token with
``PATENTFLOW_AUTH_SECRET`` (``make run`` sets it up; ``python -m patentflow.localinfra env`` prints it).
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

import httpx

from patentflow.contracts.access import Role, Scope
from patentflow.kit.auth import issue_token
from patentflow.projection.config import Settings


def main(argv: list[str] | None = None) -> int:
    """Start a rebuild, print a line of progress every few seconds; 0 once swapped in with no difference."""
    parser = argparse.ArgumentParser(prog="python -m patentflow.projection rebuild", description=__doc__)
    parser.add_argument("--url", help="the projection (default: http://127.0.0.1:$PATENTFLOW_HTTP_PORT)")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between progress lines")
    parser.add_argument("--status", action="store_true", help="only print the last rebuild's progress")
    args = parser.parse_args(argv)
    settings = Settings()
    url = args.url or f"http://127.0.0.1:{settings.http_port}"
    token = issue_token(
        settings.auth_secret.get_secret_value(), sub="operator@cli", role=Role.OPERATOR, scope=Scope(),
        ttl=timedelta(hours=2),
    )  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
        if args.status:
            print(_line(http.get("/admin/engine/rebuild").json()))
            return 0
        answer = http.post("/admin/engine/rebuild")
        if answer.status_code not in (202, 409):
            print(f"refused: {answer.status_code} {answer.text}")
            return 1
        progress = answer.json().get("progress", answer.json())
        while progress["state"] not in ("swapped", "failed"):
            print(_line(progress), flush=True)
            time.sleep(args.every)
            progress = http.get("/admin/engine/rebuild").json()
    print(_line(progress))
    if progress["differences"]:
        print(f"the rebuilt engine differed from the live one in {progress['differences']} patents "
              f"(pids {progress['difference_sample']}); the rebuilt one serves now")  # fmt: skip
    return 0 if progress["state"] == "swapped" and not progress["differences"] else 1


def _line(p: dict[str, object]) -> str:
    return (
        f"{p['state']:<9} {p['generation']}  events {p['events']:,}  {p['events_per_second']} events/s  "
        f"lag {p['lag']}  eta {p['eta_seconds']} s  differences {p['differences']}"
        + (f"  error {p['error']}" if p.get("error") else "")
    )
