"""``make run``: local infrastructure, the six services, demo data, URLs; a service that stops is restarted with
back-off while the others keep running; Ctrl-C stops everything."""

from __future__ import annotations

import json
import signal
import sys
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from patentflow.contracts.access import Role, Scope
from patentflow.kit.auth import issue_token
from patentflow.localinfra import dataset, demo, infra, market
from patentflow.localinfra.config import InfraConfig
from patentflow.localinfra.processes import InfraError, ManagedProcess, port_in_use, wait_until


class Supervisor:
    """Restarts a service that stopped, with back-off, and keeps the others running; says so in the terminal.

    The delay doubles from ``first_delay`` up to ``max_delay`` while a service keeps failing, and is forgiven once it
    has run for ``stable_after`` seconds.
    """

    def __init__(
        self,
        restart: Callable[[str], None],
        *,
        first_delay: float = 1.0,
        max_delay: float = 60.0,
        stable_after: float = 300.0,
        say: Callable[[str], None] = print,
    ) -> None:
        self.restart, self.say = restart, say
        self.first_delay, self.max_delay, self.stable_after = first_delay, max_delay, stable_after
        self._delay: dict[str, float] = {}
        self._due: dict[str, float] = {}
        self._started: dict[str, float] = {}
        self.restarts: dict[str, int] = {}

    def check(self, name: str, alive: bool, now: float, last_lines: str = "") -> None:
        """Look at one service; restart it if it stopped and its back-off has passed."""
        if alive:
            if now - self._started.get(name, now) >= self.stable_after:
                self._delay.pop(name, None)
            self._started.setdefault(name, now)
            return
        if name not in self._due:
            delay = self._delay.get(name, self.first_delay)
            self._due[name] = now + delay
            self._delay[name] = min(delay * 2, self.max_delay)
            self._started.pop(name, None)
            self.say(f"{name} stopped; restarting it in {delay:g} s. Its log ends:\n{last_lines}")
            return
        if now >= self._due[name]:
            del self._due[name]
            self.restarts[name] = self.restarts.get(name, 0) + 1
            self.say(f"restarting {name} (restart {self.restarts[name]})")
            self.restart(name)


@dataclass(frozen=True, slots=True)
class ServiceProcess:
    """One service of the platform as a local process."""

    name: str
    port: int

    @property
    def url(self) -> str:
        """Base URL on loopback."""
        return f"http://127.0.0.1:{self.port}"


SERVICES = [
    ServiceProcess("inventory", 8001),
    ServiceProcess("evaluation", 8002),
    ServiceProcess("matching", 8003),
    ServiceProcess("transactions", 8004),
    ServiceProcess("pledge", 8005),
    ServiceProcess("projection", 8006),
]


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health/ready", timeout=2) as response:  # noqa: S310 - loopback only
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _start(cfg: InfraConfig, svc: ServiceProcess, proc: ManagedProcess) -> None:
    # The data dir on the command line is how a later start recognises the process as its own.
    proc.start(
        [sys.executable, "-m", f"patentflow.{svc.name}", f"--data-dir={cfg.data_dir}"],
        env={**infra.service_env(cfg), "PATENTFLOW_HTTP_PORT": str(svc.port)},
    )


def start_services(cfg: InfraConfig, procs: list[ManagedProcess]) -> None:
    """Start every service against the local infrastructure, appending each to ``procs``, and wait until ready."""
    for svc in SERVICES:
        proc = ManagedProcess(svc.name, cfg.data_dir / "run")
        if proc.pid() is None:
            if port_in_use("127.0.0.1", svc.port):
                raise InfraError(f"port {svc.port} for {svc.name} is in use by another process")
            _start(cfg, svc, proc)
        procs.append(proc)
    for svc, proc in zip(SERVICES, procs, strict=True):
        wait_until(lambda url=svc.url: _ready(url), timeout=90, what=svc.name, process=proc)  # type: ignore[misc]


def _post(url: str, token: str, body: dict[str, Any], key: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - our own service on the loopback
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def load_demo(cfg: InfraConfig) -> dict[str, str]:
    """Record the demo patents through the inventory API (idempotent); returns ready-made tokens."""
    secret = infra.auth_secret(cfg)
    tokens = {}
    for institution in demo.INSTITUTIONS:
        token = issue_token(
            secret,
            sub=f"admin@{institution['credit_code']}",
            role=Role.INSTITUTION_ADMIN,
            scope=Scope(institution=institution["credit_code"]),
            ttl=timedelta(days=7),
        )
        tokens[institution["credit_code"]] = token
    tokens["national_admin"] = issue_token(
        secret, sub="admin@national", role=Role.NATIONAL_ADMIN, scope=Scope(), ttl=timedelta(days=7)
    )
    statuses = [
        _post(f"{SERVICES[0].url}/institutions", tokens["national_admin"], i, f"demo-{i['credit_code']}")
        for i in demo.INSTITUTIONS
    ]
    statuses += [
        _post(f"{SERVICES[0].url}/patents", tokens[p["owner_credit_code"]], p, f"demo-{p['application_number']}")
        for p in demo.patents()
    ]
    if any(s not in (200, 201) for s in statuses):
        raise InfraError(f"demo data was refused: statuses {sorted(set(statuses))}")
    return tokens


def run(cfg: InfraConfig) -> int:
    """Start everything, print where it is, wait for Ctrl-C, stop everything."""

    def on_signal(signum: int, _: object) -> None:
        raise KeyboardInterrupt  # unwinds whatever is running, start-up waits included, into the clean-up below

    # Explicit for SIGINT too: a shell that starts us in the background ignores it, and Python inherits that.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    procs: list[ManagedProcess] = []
    try:
        infra.start(cfg)
        print("starting the six services ...", flush=True)
        start_services(cfg, procs)
        tokens = load_demo(cfg)
        print(f"loading a national demo dataset of {DEMO_PATENTS} patents through the import API ...", flush=True)
        try:
            loaded = dataset.load(dataset.plan(DEMO_PATENTS), SERVICES[0].url, signer(cfg), review_share=DEMO_POOLED)
        except dataset.LoadError as exc:
            raise InfraError(f"the demo dataset was refused: {exc}") from exc
        print("enterprises and experts evaluate pool patents through the evaluation API ...", flush=True)
        try:
            loaded["market"] = market.load(SERVICES[1].url, loaded.pop("pooled_patents"), signer(cfg))
        except market.MarketError as exc:
            raise InfraError(f"the evaluation demo data was refused: {exc}") from exc
        print("enterprises publish demands; the matching service ranks the pool for them ...", flush=True)
        try:
            loaded["matching"] = market.demands(SERVICES[2].url, loaded["market"].pop("firms"), signer(cfg))
        except market.MarketError as exc:
            raise InfraError(f"the matching demo data was refused: {exc}") from exc
        tokens["province"] = signer(cfg)("province_office", province=COVERAGE_PROVINCE)
        coverage = _wait_for_coverage(tokens["province"])
        _print_summary(cfg, tokens, loaded, coverage)
        by_name = {proc.name: (svc, proc) for svc, proc in zip(SERVICES, procs, strict=True)}
        supervisor = Supervisor(lambda name: _start(cfg, *by_name[name]), say=lambda text: print(text, flush=True))
        while True:
            time.sleep(0.5)
            for proc in procs:
                alive = proc.pid() is not None
                supervisor.check(proc.name, alive, time.monotonic(), "" if alive else proc.tail())
    except KeyboardInterrupt:
        pass
    except InfraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C or SIGTERM must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("\nstopping services ...", flush=True)
        for proc in reversed(procs):
            proc.stop(timeout=20)
        print("stopping infrastructure ...", flush=True)
        infra.stop(cfg)
        print("stopped.", flush=True)
    return 0


DEMO_PATENTS = 6000
DEMO_POOLED = 0.4  # of the granted patents with a TRL: thousands in the pool, so matches are worth reading
COVERAGE_PROVINCE = "430000"  # Hunan: the province whose coverage the summary shows


def signer(cfg: InfraConfig) -> Callable[..., str]:
    """Signs development tokens with the local secret: ``signer(cfg)(role, **scope)``."""
    secret = infra.auth_secret(cfg)

    def sign(role: str, **scope: str) -> str:
        sub = f"{role}@" + ("-".join(scope.values()) or "national")
        return issue_token(secret, sub=sub, role=Role(role), scope=Scope(**scope), ttl=timedelta(days=7))

    return sign


def _coverage_url() -> str:
    return f"{SERVICES[-1].url}/views/coverage?group=institution"


def _wait_for_coverage(token: str, timeout: float = 120.0) -> list[dict[str, Any]]:
    """Until the projection shows the province's institutions (its engine reads the import's events); their rows."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(_coverage_url(), headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
                rows: list[dict[str, Any]] = json.loads(response.read())["rows"]
                if rows and all(row.get("name") for row in rows):  # every institution's registration read too
                    return rows
        except (urllib.error.URLError, ValueError, KeyError):
            pass
        time.sleep(1)
    raise InfraError("the projection did not show the demo dataset's coverage within two minutes")


def _hunan(bases: list[str]) -> str:
    return next((b for b in bases if b.startswith("430000-")), bases[0] if bases else "430000-34")


def coverage_lines(rows: list[dict[str, Any]], shown: int = 8) -> list[str]:
    """The province's coverage rows as the summary prints them: institution, stock, inventoried, coverage and each
    deadline's status; the first ``shown`` institutions, then how many more. A figure not there yet is a dash."""
    deadlines = sorted(k.removeprefix("status_") for k in (rows[0] if rows else {}) if k.startswith("status_"))
    lines = [f"    {'institution':<24} {'stock':>6} {'inventoried':>11} {'coverage':>8}  " + "  ".join(deadlines)]
    for row in rows[:shown]:
        statuses = "  ".join(f"{row.get(f'status_{d}') or '—':<10}" for d in deadlines)
        coverage = "—" if row.get("coverage") is None else f"{row['coverage']:.0%}"
        lines.append(
            f"    {_padded(str(row.get('name') or '—')[:12], 24)} {row.get('stock_valid', 0):>6}"
            f" {row.get('inventoried', 0):>11} {coverage:>8}  {statuses}"
        )
    if len(rows) > shown:
        lines.append(f"    … and {len(rows) - shown} more institutions")
    return lines


def _padded(text: str, columns: int) -> str:
    """``text`` padded to ``columns`` terminal columns: a Chinese character takes two, a digit one."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, columns - used)


def _print_summary(
    cfg: InfraConfig, tokens: dict[str, str], loaded: dict[str, object], coverage: list[dict[str, Any]]
) -> None:
    first = demo.INSTITUTIONS[0]["credit_code"]
    number = demo.patents()[0]["application_number"]
    market_figures: dict[str, Any] = loaded["market"]  # type: ignore[assignment]
    matching: dict[str, Any] = loaded["matching"]  # type: ignore[assignment]
    shown: dict[str, Any] = matching["shown"] or {"enterprise": "", "demand_id": ""}
    lines = ["", "patentflow is running (Ctrl-C stops everything).", ""]
    lines += [f"  {svc.name:<13} {svc.url}/docs" for svc in SERVICES]
    lines += [
        "",
        f"  read API      {SERVICES[-1].url}/patents",
        f"  AsyncAPI      {SERVICES[-1].url}/asyncapi.json",
        f"  Kafka         {cfg.kafka_bootstrap}",
        f"  MongoDB API   {cfg.mongodb_url} (FerretDB)",
        f"  logs          {cfg.data_dir / 'run'}",
        "",
        f"  demo: {len(demo.patents())} patents of {len(demo.INSTITUTIONS)} institutions. Try:",
        f"    export TOKEN={tokens[first]}",
        f'    curl -s -H "Authorization: Bearer $TOKEN" {SERVICES[-1].url}/patents/{number}',
        f"  national administrator token: {tokens['national_admin']}",
        "",
        f"  national dataset: {loaded['patents']} patents of {loaded['institutions']} institutions in 31 provinces,"
        f" {loaded['pooled']} in the conversion pool. Inventory coverage of Hunan's institutions:",
        f"    export PROVINCE={tokens['province']}",
        f"    curl -s -H \"Authorization: Bearer $PROVINCE\" '{_coverage_url()}'",
        f"  as of 2024-06-30, as a spreadsheet: '{_coverage_url()}&as_of=2024-06-30&format=xlsx' -o coverage.xlsx",
        "  which answers now:",
        *coverage_lines(coverage),
        f"  market evaluation: {market_figures['enterprises']} enterprises, {market_figures['experts']} experts,"
        f" {market_figures['evaluated']} pool patents evaluated. Evaluation coverage and grades in Hunan:",
        f"    curl -s -H \"Authorization: Bearer $PROVINCE\" '{SERVICES[-1].url}/views/evaluation-coverage?group=institution'",
        f"    curl -s -H \"Authorization: Bearer $PROVINCE\" '{SERVICES[-1].url}/views/grades'",
        f"  navigation service bases: {len(market_figures['bases'])}, one per province; Hunan's:",
        f'    curl -s -H "Authorization: Bearer $PROVINCE" {SERVICES[1].url}/bases/{_hunan(market_figures["bases"])}',
        f"  matching: {matching['demands']} demands of the enterprises, each ranked against the pool, {matching['pushed']}"
        " patents pushed and answered. One demand's matches, and the funnel:",
        f"    export FIRM={signer(cfg)('enterprise', enterprise=shown['enterprise'])}",
        f'    curl -s -H "Authorization: Bearer $FIRM" {SERVICES[2].url}/demands/{shown["demand_id"]}/matches',
        f"    curl -s -H \"Authorization: Bearer $PROVINCE\" '{SERVICES[-1].url}/views/funnel'",
        "  more tokens: make token ARGS='--role province_office --province 430000'",
        "",
    ]
    print("\n".join(lines), flush=True)
