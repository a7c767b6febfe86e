"""Issues development tokens: ``python -m patentflow.kit.tokens --role institution_admin --institution CODE``."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta

from patentflow.contracts.access import REQUIRED_SCOPE, Role, Scope
from patentflow.kit.auth import InvalidToken, issue_token
from patentflow.kit.settings import ENV_PREFIX


def main(argv: list[str] | None = None) -> int:
    """Print one signed token to stdout."""
    parser = argparse.ArgumentParser(
        prog="make token ARGS=…",
        description="Issue a development bearer token. Examples: --role institution_admin --institution "
        "12100000400000624D; --role province_office --province 430000; --role national_admin.",
        epilog="Scopes by role: "
        + "; ".join(f"{r.value}: {' + '.join(f) or 'none'}" for r, f in REQUIRED_SCOPE.items()),
    )
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--sub", help="subject (account id); defaults to the role")
    for name in Scope.model_fields:
        parser.add_argument(f"--{name}", help=f"scope.{name}")
    parser.add_argument("--hours", type=float, default=12.0, help="lifetime in hours")
    args = parser.parse_args(argv)
    secret = os.environ.get(f"{ENV_PREFIX}AUTH_SECRET", "")
    if len(secret.encode()) < 32:
        print(f"{ENV_PREFIX}AUTH_SECRET must be set (32+ bytes) to the services' secret", file=sys.stderr)
        return 2
    try:
        scope = Scope(**{name: getattr(args, name) for name in Scope.model_fields if getattr(args, name)})
        token = issue_token(
            secret, sub=args.sub or args.role, role=Role(args.role), scope=scope, ttl=timedelta(hours=args.hours)
        )
    except (InvalidToken, ValueError) as exc:  # ValueError: a scope value such as a wrong province code
        print(f"cannot issue: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
