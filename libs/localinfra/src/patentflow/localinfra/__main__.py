"""``python -m patentflow.localinfra install|start|stop|status|env|token|run|generate``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from patentflow.kit import tokens
from patentflow.localinfra import dataset, infra, launcher
from patentflow.localinfra.config import InfraConfig
from patentflow.localinfra.processes import InfraError


def main(argv: list[str] | None = None) -> int:
    """Dispatch one command; errors print one clear message and exit 1."""
    parser = argparse.ArgumentParser(prog="python -m patentflow.localinfra", description=__doc__)
    parser.add_argument("--data-dir", type=Path, help="data directory (default: $PATENTFLOW_DATA_DIR or ./.data)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="download Kafka and build FerretDB into the cache (once)")
    sub.add_parser("start", help="install if needed, start both servers, wait until healthy")
    sub.add_parser("stop", help="stop both servers")
    sub.add_parser("status", help="show whether each server runs and answers")
    sub.add_parser("env", help="print the environment that points services and tests here")
    sub.add_parser("run", help="the whole platform with demo data; Ctrl-C stops it")
    generate = sub.add_parser(
        "generate", help="load a national dataset of N patents through the running inventory service's API"
    )
    generate.add_argument("--patents", type=int, default=10_000, help="how many patents (default 10 000)")
    generate.add_argument("--seed", type=int, default=2024, help="the same seed and size give the same data")
    generate.add_argument("--review-share", type=float, default=0.05, help="share taken into the pool (0.05)")
    generate.add_argument("--inventory-url", default="http://127.0.0.1:8001", help="the inventory service")
    # add_help=False: --help belongs to the token command itself, which lists the roles and scope fields
    sub.add_parser(
        "token",
        add_help=False,
        help="print a development token signed with the local secret (--role ROLE --SCOPE …; --help)",
    )
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "token":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    cfg = InfraConfig.from_env(args.data_dir)
    try:
        if args.command == "install":
            infra.install(cfg)
        elif args.command == "start":
            infra.start(cfg)
            print(f"ready: kafka {cfg.kafka_bootstrap}, mongodb {cfg.mongodb_url} (data in {cfg.data_dir})")
        elif args.command == "stop":
            print("stopped: " + (", ".join(infra.stop(cfg)) or "nothing was running"))
        elif args.command == "status":
            for name, state in infra.status(cfg).items():
                print(f"{name}: {state}")
        elif args.command == "env":
            env = {
                "KAFKA_BOOTSTRAP_SERVERS": cfg.kafka_bootstrap,
                "MONGODB_URL": cfg.mongodb_url,
                **infra.service_env(cfg),
            }
            print("\n".join(f"export {k}={v}" for k, v in env.items()))
        elif args.command == "token":
            return _token(cfg, rest)
        elif args.command == "run":
            return launcher.run(cfg)
        elif args.command == "generate":
            sign = launcher.signer(cfg)
            plan = dataset.plan(args.patents, args.seed)
            print(f"loading {plan.patents} patents of {len(plan.institutions)} institutions ...", flush=True)
            loaded = dataset.load(plan, args.inventory_url, sign, review_share=args.review_share)
            loaded.pop("pooled_patents")
            print(loaded)
    except InfraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _token(cfg: InfraConfig, rest: list[str]) -> int:
    # The kit's command issues the token; this one only knows where the local secret is.
    os.environ.setdefault("PATENTFLOW_AUTH_SECRET", infra.auth_secret(cfg))
    return tokens.main(rest)


if __name__ == "__main__":
    raise SystemExit(main())
