"""`make bench`: build the scale-10 demo, serve it with gunicorn, measure it and print a Markdown report.

The steps, all against a scratch directory under /tmp that is removed at the end:

1. `yingji migrate`, `yingji demo --scale 10 --seed 1 --quiet` (timed) and `yingji collectstatic`, with
   YINGJI_VAR_DIR in the scratch directory and a SQLite file there (or the DATABASE_URL already set);
2. in this process: `yingji audit verify` over the demo's chain and a reload of the 3,067 regions;
3. `yingji serve` (gunicorn gthread, 2 workers × 8 threads) on a free port of 127.0.0.1, a bearer token
   for `demo-city`, then each endpoint loaded for 10 s by wrk (or, without wrk, a Python client).

The server is stopped (its whole process group) whatever happens. Exit status 0 unless a step failed.
See docs/performance.md for what each figure means and the results on the reference machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from benchmarks import cpu, loadgen
from benchmarks.machine import describe_machine, usable_cpus

DEMO_SCALE = 10
DEMO_SEED = 1
DEMO_USER = "demo-city"
DEMO_PASSWORD = "yingji-demo"
SERVER_WORKERS = 2
SERVER_THREADS = 8
WARMUP_SECONDS = 2.0
SERVER_START_SECONDS = 60
MAX_SERVER_RESTARTS = 2
# Generous bounds on each setup step, so a hung step fails the run instead of stalling it. The scale-10
# demo takes about 170 s of CPU and 210 s of wall clock on a quiet 2-core machine, and twice that wall
# clock with a neighbour on the other core: the bound catches a hang, not a slow build.
STEP_TIMEOUTS = {"migrate": 180, "demo": 600, "collectstatic": 120}


@dataclass(frozen=True)
class Endpoint:
    """One URL to load, whether it needs the bearer token, and what it exercises."""

    path: str
    authenticated: bool
    what: str


ENDPOINTS = [
    Endpoint("/healthz", False, "trivial view, one query"),
    Endpoint("/api/v1/regions?parent=140900", False, "public list, 14 counties"),
    Endpoint("/api/v1/regions/140902", False, "one region with its boundary"),
    Endpoint("/api/v1/map/counties", False, "map base layer (GeoJSON)"),
    Endpoint("/api/v1/organizations?limit=100", True, "scoped list, bearer token"),
    Endpoint("/api/v1/dashboard/counties", True, "county dashboard, bearer token"),
    Endpoint("/public/warnings/", False, "public page of the live warnings"),
    Endpoint("/cap/feed.atom", False, "CAP Atom feed of the live warnings"),
]


@dataclass(frozen=True)
class HttpFigure:
    """The outcome for one endpoint: body size, load result and CPU use, or the problem that stopped it."""

    endpoint: Endpoint
    size: int = 0
    result: loadgen.LoadResult | None = None
    cpu_use: cpu.CpuUse | None = None
    seconds: float = 0.0  # wall clock of the measured run, as this process saw it
    problem: str = ""

    @property
    def server_ms_per_request(self) -> float:
        """Server CPU (all gunicorn processes) per request: what throughput would be on idle cores."""
        return self.cpu_use.server / self.result.requests * 1000 if self.cpu_use and self.result else 0.0

    @property
    def worker_split(self) -> str:
        """How the server's CPU divided between the workers, e.g. `51/49` (`100/0`: one did all)."""
        if not self.cpu_use or not self.cpu_use.worker_shares:
            return "—"
        return "/".join(f"{share * 100:.0f}" for share in self.cpu_use.worker_shares)

    @property
    def other_cores(self) -> float:
        """Processors that processes other than the server and the load client kept busy, on average."""
        return self.cpu_use.others / self.seconds if self.cpu_use and self.seconds else 0.0


@dataclass
class Report:
    """Everything the final Markdown shows, filled step by step."""

    started: datetime
    client: str = ""
    database: str = ""
    apps: str = ""
    figures: list[tuple[str, str, str]] = field(default_factory=list)  # (figure, result, how)
    http: list[HttpFigure] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    load_average: str = field(default_factory=lambda: ", ".join(f"{load:.2f}" for load in os.getloadavg()))


class BenchError(RuntimeError):
    """A step of the benchmark failed; the message says which and why."""


def log(message: str) -> None:
    """Progress on stderr, so that stdout carries only the report."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# Setup -----------------------------------------------------------------------------------------


def bench_environment(scratch: Path) -> dict[str, str]:
    """The environment for every `yingji` command: scratch var/ and database, production settings."""
    env = dict(os.environ)
    env["YINGJI_VAR_DIR"] = str(scratch / "var")
    env["DJANGO_SETTINGS_MODULE"] = "yingji.settings"
    env["DEBUG"] = "0"
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{scratch / 'yingji.sqlite3'}"
    return env


def yingji_command() -> list[str]:
    """The `yingji` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "yingji"
    return [str(script)] if script.exists() else [sys.executable, "-m", "yingji.cli"]


def run_yingji(env: dict[str, str], *args: str) -> float:
    """Run one `yingji` command to completion; its wall-clock seconds, or BenchError with its output."""
    command = [*yingji_command(), *args]
    timeout = STEP_TIMEOUTS.get(args[0], 300)
    started = time.perf_counter()
    try:
        completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(f"`yingji {' '.join(args)}` did not finish in {timeout} s") from None
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip()[-2000:]
        raise BenchError(f"`yingji {' '.join(args)}` exited {completed.returncode}:\n{output}")
    return elapsed


def build_database(env: dict[str, str], report: Report) -> None:
    """Migrate, build the scale-10 demo (figure 1) and collect static files."""
    seconds = run_yingji(env, "migrate", "--noinput", "-v0")
    log(f"migrate: {seconds:.1f} s")
    report.figures.append(("migrate an empty database", f"{seconds:.1f} s", "`yingji migrate`, wall clock"))

    setup_django(env)
    from yingji.core.models import User

    already_built = User.objects.exists()
    close_connections()

    args = ["demo", "--scale", str(DEMO_SCALE), "--seed", str(DEMO_SEED), "--quiet"]
    seconds = run_yingji(env, *args)
    log(f"demo at scale {DEMO_SCALE}: {seconds:.1f} s")
    how = f"`yingji {' '.join(args)}`, wall clock including start-up"
    if already_built:
        how += " (**the database already had data: the demo only checked it**)"
    report.figures.append((f"demo build at scale {DEMO_SCALE}", f"{seconds:.1f} s", how))

    seconds = run_yingji(env, "collectstatic", "--noinput", "-v0")
    log(f"collectstatic: {seconds:.1f} s")


def setup_django(env: dict[str, str]) -> None:
    """Configure Django in this process for the same database and var/ as the commands."""
    for name in ("YINGJI_VAR_DIR", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG"):
        os.environ[name] = env[name]
    import django

    django.setup()


def close_connections() -> None:
    from django.db import connections

    connections.close_all()


def describe_database() -> str:
    """The engine and version of the database Django uses, without credentials."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (WAL), file {settings['NAME']}"
    if connection.vendor == "postgresql":
        version = int(getattr(connection, "pg_version", 0))  # e.g. 150004 for 15.4
        major, minor = divmod(version, 10000)
        where = f"{settings['HOST'] or 'local socket'}:{settings['PORT'] or 5432}/{settings['NAME']}"
        return f"PostgreSQL {major}.{minor} (psycopg 3), {where} from DATABASE_URL"
    return connection.vendor


# In-process timings ----------------------------------------------------------------------------


def time_audit_verify() -> tuple[str, str, str]:
    """Verify the demo's audit chain at least 3 times and for at least 1 s; the median pass."""
    from yingji.core.audit import verify_chain

    passes: list[float] = []
    started = time.perf_counter()
    checked = 0
    while len(passes) < 3 or time.perf_counter() - started < 1.0:
        pass_started = time.perf_counter()
        checked, problem = verify_chain()
        passes.append(time.perf_counter() - pass_started)
        if problem is not None:
            raise BenchError(f"audit chain broken at entry {problem.entry_id}: {problem.reason}")
    median = statistics.median(passes)
    how = f"`verify_chain()` (what `yingji audit verify` runs), {checked:,} entries in {median * 1000:.1f} ms"
    return (
        "audit chain verification",
        f"{checked / median:,.0f} entries/s",
        how + f", median of {len(passes)}",
    )


def time_regions_load() -> tuple[str, str, str]:
    """Reload the bundled regions 3 times (an upsert over the demo's rows); the median load."""
    from yingji.core.regions_loader import load_regions

    loads, count = [], 0
    for _ in range(3):
        started = time.perf_counter()
        count = load_regions()
        loads.append(time.perf_counter() - started)
    median = statistics.median(loads)
    how = (
        f"`load_regions()` (what `yingji regions load` runs): parse, check and upsert {count:,} rows "
        f"in one transaction, median of 3"
    )
    return f"regions load ({count:,} rows)", f"{median:.2f} s ({count / median:,.0f} rows/s)", how


def measure_in_process(report: Report) -> None:
    """The timings that need no server: audit verification and the regions load."""
    from django.conf import settings

    report.database = describe_database()
    report.apps = ", ".join(app.removeprefix("yingji.") for app in settings.INSTALLED_APPS if "yingji" in app)
    for measure in (time_audit_verify, time_regions_load):
        figure = measure()
        log(f"{figure[0]}: {figure[1]}")
        report.figures.append(figure)
    close_connections()


# Server ----------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`yingji serve` in its own process group on a free port, its access log and errors in `log_path`."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def group(self) -> int:
        """The process group of gunicorn's master and workers (the master's pid)."""
        return self.process.pid if self.process else 0

    def start(self) -> float:
        """Start the server and wait until /healthz answers 200; the seconds that took."""
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [*yingji_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(SERVER_WORKERS), "--threads", str(SERVER_THREADS)]
        with self.log_path.open("ab") as server_log:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self.wait_until_healthy()

    def wait_until_healthy(self) -> float:
        """Poll /healthz until it answers 200; the seconds it took, or BenchError."""
        started = time.perf_counter()
        while time.perf_counter() - started < SERVER_START_SECONDS:
            if not self.alive:
                raise BenchError(f"`yingji serve` exited with status {self.exit_status} before answering")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise BenchError(f"/healthz did not answer 200 within {SERVER_START_SECONDS} s")

    @property
    def exit_status(self) -> int | None:
        return self.process.poll() if self.process else None

    def stop(self) -> None:
        """Stop gunicorn's master and workers: SIGTERM to the process group, SIGKILL after 15 s."""
        if self.process is None:
            return
        for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        if self.process.poll() is None:
            self.process.wait(timeout=5)


def fetch_token(base_url: str) -> str:
    """A bearer token for the demo city account, from POST /api/v1/auth/token."""
    body = json.dumps({"username": DEMO_USER, "password": DEMO_PASSWORD}).encode()
    request = urllib.request.Request(
        f"{base_url}/api/v1/auth/token",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.load(response)["token"])
    except urllib.error.HTTPError as error:
        raise BenchError(f"POST /api/v1/auth/token answered {error.code}: {error.read()[:300]!r}") from None


# HTTP load -------------------------------------------------------------------------------------


def probe(url: str, headers: dict[str, str]) -> tuple[int, int]:
    """One GET: the status and the body's size in bytes."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, len(error.read())


def measure_endpoint(
    base_url: str, endpoint: Endpoint, token: str, duration: float, wrk: str | None, server_group: int
) -> HttpFigure:
    """Check that the endpoint answers 200, warm it up, then load it for `duration` seconds."""
    url = base_url + endpoint.path
    headers = {"Authorization": f"Bearer {token}"} if endpoint.authenticated else {}
    status, size = probe(url, headers)
    if status != 200:
        return HttpFigure(endpoint, size, problem=f"answered {status} instead of 200")
    loadgen.run_load(url, headers, WARMUP_SECONDS, wrk)
    before, started = cpu.sample(server_group), time.perf_counter()
    result = loadgen.run_load(url, headers, duration, wrk)
    seconds, used = (
        time.perf_counter() - started,
        cpu.used_between(before, cpu.sample(server_group), server_group),
    )
    problem = f"{result.errors:,} failed requests" if result.errors else ""
    return HttpFigure(endpoint, size, result, used, seconds, problem)


def describe_client(args: argparse.Namespace, wrk: str | None) -> str:
    """The load client and its settings, for the report."""
    if wrk:
        flags = f"-t{loadgen.WRK_THREADS} -c{loadgen.CONNECTIONS} -d{round(args.duration)}s --latency"
        return f"{loadgen.wrk_version(wrk)} (`{flags}`)"
    processes, threads = loadgen.PYTHON_PROCESSES, loadgen.CONNECTIONS // loadgen.PYTHON_PROCESSES
    why = "as asked" if args.client == "python" else "wrk is not installed"
    return (
        f"the Python client ({processes} processes × {threads} keep-alive http.client connections, "
        f"{round(args.duration)} s; {why})"
    )


def measure_http(env: dict[str, str], scratch: Path, args: argparse.Namespace, report: Report) -> None:
    """Serve the demo with gunicorn and load each endpoint in turn; the server stops on return."""
    wrk = loadgen.find_wrk() if args.client in ("auto", "wrk") else None
    if args.client == "wrk" and wrk is None:
        raise BenchError("--client wrk given but wrk is not installed (apt-get install wrk)")
    report.client = describe_client(args, wrk)
    log(f"load client: {report.client}")

    server = Server(env, scratch / "server.log")
    try:
        seconds = server.start()
        log(f"yingji serve answering on {server.url} after {seconds:.1f} s")
        token = fetch_token(server.url)
        restarts = 0
        for endpoint in ENDPOINTS:
            figure = try_endpoint(server, endpoint, token, args.duration, wrk)
            if not server.alive and restarts < MAX_SERVER_RESTARTS:
                # Seen on shared machines: someone else's `pkill gunicorn` also stops this server.
                note = (
                    f"the server stopped (exit status {server.exit_status}) while `GET {endpoint.path}` "
                    "was measured, not by this benchmark; it was started again and the endpoint measured anew"
                )
                log(note)
                report.notes.append(note)
                restarts += 1
                server.stop()
                server.start()
                figure = try_endpoint(server, endpoint, token, args.duration, wrk)
            if figure.problem:
                report.failures.append(f"GET {endpoint.path}: {figure.problem}")
            report.http.append(figure)
    finally:
        server.stop()
        log("server stopped")


def try_endpoint(
    server: Server, endpoint: Endpoint, token: str, duration: float, wrk: str | None
) -> HttpFigure:
    """Measure one endpoint, turning an error of the client or the server into the figure's problem."""
    try:
        figure = measure_endpoint(server.url, endpoint, token, duration, wrk, server.group)
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as error:
        figure = HttpFigure(endpoint, problem=f"{type(error).__name__}: {error}")
    if figure.result:
        log(
            f"GET {endpoint.path}: {figure.result.rate:,.0f} req/s, "
            f"p50 {figure.result.p50_ms:.2f} ms, p99 {figure.result.p99_ms:.2f} ms, "
            f"server CPU {figure.server_ms_per_request:.2f} ms/request (workers {figure.worker_split} %), "
            f"other processes {figure.other_cores:.2f} cores"
        )
    else:
        log(f"GET {endpoint.path}: {figure.problem}")
    return figure


# Report ----------------------------------------------------------------------------------------


def format_size(size: int) -> str:
    return f"{size / 1024:,.1f} KiB" if size >= 1024 else f"{size} B"


def render(report: Report) -> str:
    """The Markdown report: figures, HTTP table, machine table and any failures."""
    lines = [f"## Yingji benchmark, {report.started:%Y-%m-%d %H:%M %Z}", ""]
    lines += ["| figure | result | how it is measured |", "| --- | ---: | --- |"]
    lines += [f"| {figure} | {result} | {how} |" for figure, result, how in report.figures]
    if report.http:
        lines += ["", *http_header(report), "", *http_table(report.http)]
    machine = [
        *describe_machine(),
        ("database", report.database or "not reached"),
        ("Yingji apps installed", report.apps or "not reached"),
        ("load average at start (1, 5, 15 min)", report.load_average),
    ]
    lines += ["", "| machine | |", "| --- | --- |"]
    lines += [f"| {label} | {value} |" for label, value in machine]
    if report.notes:
        lines += ["", "Notes:", ""]
        lines += [f"- {note}" for note in report.notes]
    if report.failures:
        lines += ["", "**Failures:**", ""]
        lines += [f"- {failure}" for failure in report.failures]
    return "\n".join(lines)


def http_header(report: Report) -> list[str]:
    """The sentence above the HTTP table: server, client and how busy the machine was otherwise."""
    measured = [figure for figure in report.http if figure.cpu_use]
    others = sum(figure.other_cores for figure in measured) / len(measured) if measured else 0.0
    return [
        f"HTTP: `yingji serve` (gunicorn gthread, {SERVER_WORKERS} workers × {SERVER_THREADS} threads) on "
        f"127.0.0.1, loaded by {report.client} after a {WARMUP_SECONDS:.0f} s warm-up. "
        f"Other processes on the machine kept {others:.2f} of its {usable_cpus()} processors busy "
        "on average meanwhile.",
    ]


def http_table(figures: list[HttpFigure]) -> list[str]:
    """One row per endpoint; CPU/request is the server's CPU time (all workers) per answered request."""
    lines = [
        "| endpoint | what | body | req/s | p50 | p99 | server CPU/request | worker split % | other load "
        "| failed |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for figure in figures:
        size = format_size(figure.size) if figure.size else "—"
        result = figure.result
        if result is None:
            cells = ["—"] * 6 + [figure.problem.splitlines()[0][:100]]
        else:
            cells = [
                f"{result.rate:,.0f}",
                f"{result.p50_ms:.2f} ms",
                f"{result.p99_ms:.2f} ms",
                f"{figure.server_ms_per_request:.2f} ms",
                figure.worker_split,
                f"{figure.other_cores:.2f} cores",
                f"{result.errors:,}",
            ]
        lines.append(
            f"| `GET {figure.endpoint.path}` | {figure.endpoint.what} | {size} | {' | '.join(cells)} |"
        )
    return lines


def tail(path: Path, count: int = 40) -> str:
    """The last `count` lines of a text file (empty if it is missing)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-count:])
    except OSError:
        return ""


# Entry point -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per endpoint (10)")
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator (auto: wrk if found)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory and print its path")
    return parser.parse_args(argv)


def exit_on_sigterm(signum: int, frame: FrameType | None) -> Any:
    """Turn SIGTERM into SystemExit so that the server is stopped and the scratch directory removed
    (every benchmark installs it: its `finally` blocks drop what it made)."""
    raise SystemExit(128 + signum)


class HasFailures(Protocol):
    failures: list[str]


def run_step(results: HasFailures, name: str, measure: Callable[[], None]) -> None:
    """Run one measurement of a domain benchmark; a failure is recorded and the next step still runs."""
    try:
        measure()
    except BenchError as error:
        results.failures.append(f"{name}: {error}")
        log(f"{name} failed: {error}")
    except Exception:
        results.failures.append(f"{name}: {traceback.format_exc().strip()}")
        log(f"{name} failed:\n{traceback.format_exc()}")


def main(argv: list[str] | None = None) -> int:
    """Run every step, print the report on stdout; 0 when nothing failed."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    report = Report(started=datetime.now().astimezone())
    scratch = Path(tempfile.mkdtemp(prefix="yingji-bench-", dir="/tmp"))
    log(f"scratch directory {scratch}")
    try:
        env = bench_environment(scratch)
        build_database(env, report)
        measure_in_process(report)
        measure_http(env, scratch, args, report)
    except BenchError as error:
        report.failures.append(str(error))
    except Exception:
        report.failures.append(traceback.format_exc().strip())
    finally:
        if report.failures and (server_log := tail(scratch / "server.log")):
            log(f"last lines of the server log:\n{server_log}")
        if args.keep:
            log(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(render(report))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
