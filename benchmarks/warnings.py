"""`yingji bench warnings`: who receives a warning, fan-out into the delivery outbox, sending to an HTTP SMS
gateway and coverage, over 1,000,000 public subscribers, in one run on a scratch database.

The steps, against a scratch directory under /tmp and a scratch database, both removed at the end:

1. the database: a SQLite file in the scratch directory, or (`--database postgresql`) a database created
   on the server of `--postgres-url` and dropped at the end; `yingji migrate`, then in this process the
   bundled regions, the population grid of the city (~1 km cells), the demo's loudspeakers and
   responsible people, and `--subscribers` public subscribers (1,000,000) from the demo's generator,
   50,000 per bulk insert; on PostgreSQL the subscriber table vacuumed and analysed (autovacuum's
   job); then the worker's check stores the subscribers' arrays (`subscribers.keep_stored`, timed);
2. recipients of a red rainstorm warning over 忻府区 (the most populous county) with `targeting.resolve`,
   and over a drawn polygon of 3,000 vertices across the Xinding basin: first each in a fresh process
   (a child that starts as a web worker does, `yingji.wsgi`, then resolves once: the cold figure,
   start-up timed apart), then in this process one call and the median of three (warm);
3. fan-out: what `fanout.fan_out` does for the county warning (resolve, then one bulk insert into the
   shared outbox, each timed), deliveries per second;
4. sending: the SMS gateway simulator (`yingji sms-gateway`) in a process of its own, the SMS channel
   pointed at it (`http` adapter), and one worker (`messaging.delivery.drain`) sending `--send` SMS of
   the county warning to it, messages per second;
5. coverage: the county warning's deliveries confirmed in one update, `coverage.measure` once right
   after it, then (on PostgreSQL after the vacuum and analyse autovacuum would make) the median of three.

Each figure comes with the CPU time of this process (`time.process_time`), steadier than the wall clock
on a shared machine.

It prints a Markdown table (figure, value, target, met?) or, with `--json`, one JSON object. Exit status
0 when every step ran (a missed target is reported, not a failure), 1 otherwise.
See docs/performance.md ("Warnings") for what each figure means and the reference results.
"""

from __future__ import annotations

import argparse
import json
import math
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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.machine import describe_machine
from benchmarks.monitoring import ScratchPostgres, Target, git_commit, reachable, scratch_environment
from benchmarks.run import (
    BenchError,
    close_connections,
    describe_database,
    exit_on_sigterm,
    free_port,
    log,
    run_step,
    run_yingji,
    setup_django,
    yingji_command,
)

DEFAULT_SUBSCRIBERS = 1_000_000
DEFAULT_SEND = 20_000
SEED = 1
COUNTY = "140902"  # 忻府区, a fifth of the city's people
CITY = "140900"
POLYGON_VERTICES = 3_000
# The drawn polygon: a wavy ring around the Xinding basin (忻府区, 定襄县, 原平市), lon/lat degrees.
POLYGON_CENTRE, POLYGON_RADIUS = (112.85, 38.58), (0.36, 0.26)
REPEATS = 3
GATEWAY_START_SECONDS = 30
DEFAULT_POSTGRES_URL = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
NOW = datetime(2026, 7, 22, 8, 40, tzinfo=UTC)  # the benchmark's warnings are published then

TARGETS = {
    target.key: target
    for target in (
        Target("recipients_county_s", "<", 1.0, "< 1 s"),
        Target("recipients_county_cold_s", "<", 1.0, "< 1 s"),
        Target("recipients_polygon_s", "<", 1.0, "< 1 s"),
        Target("fanout_per_s", ">=", 50_000, "≥ 50,000/s"),
        Target("send_per_s", ">=", 2_000, "≥ 2,000/s per worker"),
        Target("coverage_s", "<", 0.2, "< 200 ms"),
    )
}


@dataclass
class Results:
    """Every figure of one run, filled step by step; `as_json` is what `--json` prints."""

    started: datetime
    load_average: str = field(default_factory=lambda: ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    database: str = ""
    vendor: str = ""
    commit: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        main = {key: self.figures.get(key) for key in TARGETS}
        return {
            **main,
            **{key: value for key, value in self.figures.items() if key not in main},
            "targets": {key: target.text for key, target in TARGETS.items()},
            "targets_met": {key: target.met(self.figures.get(key)) for key, target in TARGETS.items()},
            "database": self.database,
            "database_vendor": self.vendor,
            "commit": self.commit,
            "started": self.started.isoformat(timespec="seconds"),
            "machine": dict(describe_machine()),
            "load_average_at_start": self.load_average,
            "notes": self.notes,
            "failures": self.failures,
        }


# The dataset -------------------------------------------------------------------------------------


def build_dataset(subscribers: int, results: Results) -> None:
    """Regions, the population grid, the demo's loudspeakers and responsible people, the subscribers."""
    from django.db import transaction

    from yingji.core.regions_loader import load_regions
    from yingji.geography import population
    from yingji.warnings import demo

    started = time.perf_counter()
    with transaction.atomic():
        load_regions()
    grid_started = time.perf_counter()
    population.build_grid(CITY)
    grid = population.load_grid(CITY)
    if grid is None:
        raise BenchError("the population grid was not built")
    results.figures["grid_build_s"] = round(time.perf_counter() - grid_started, 2)
    results.figures["grid_cells"] = grid.grid.size
    with transaction.atomic():
        demo.Places(SEED, grid).build()
    log(f"regions, population grid and loudspeakers in {time.perf_counter() - started:.1f} s")
    started, added = time.perf_counter(), 0
    for block in range(math.ceil(subscribers / demo.SUBSCRIBERS_PER_SCALE)):
        size = min(demo.SUBSCRIBERS_PER_SCALE, subscribers - block * demo.SUBSCRIBERS_PER_SCALE)
        rows = demo.generate_subscribers(grid, SEED, block, size)
        with transaction.atomic():
            added += demo.insert_subscribers(rows)
    seconds = time.perf_counter() - started
    if added != subscribers:
        raise BenchError(f"{added:,} of {subscribers:,} subscribers were inserted")
    results.figures["subscribers"] = added
    results.figures["subscribers_insert_per_s"] = round(added / seconds)
    log(f"{added:,} subscribers generated and inserted in {seconds:.1f} s ({added / seconds:,.0f}/s)")


def settle_statistics(table: str) -> None:
    """On PostgreSQL, what autovacuum does within a minute of a bulk change of `table`: its statistics
    and visibility map (without them the planner takes the new rows for a few, or as they were)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")


def wavy_polygon(vertices: int = POLYGON_VERTICES) -> dict[str, Any]:
    """A star-shaped (so simple and valid) ring of `vertices` points, like a hand-drawn area."""
    ring = []
    for k in range(vertices):
        angle = 2 * math.pi * k / vertices
        wobble = 1 + 0.12 * math.sin(7 * angle) + 0.05 * math.sin(31 * angle) + 0.02 * math.sin(97 * angle)
        ring.append(
            [
                round(POLYGON_CENTRE[0] + POLYGON_RADIUS[0] * wobble * math.cos(angle), 6),
                round(POLYGON_CENTRE[1] + POLYGON_RADIUS[1] * wobble * math.sin(angle), 6),
            ]
        )
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def published_warning(headline: str, area_codes: list[str], area_shapes: list[dict[str, Any]]) -> Any:
    """A red rainstorm warning of the city, published at NOW (written directly: a fixture, not a story)."""
    from yingji.warnings.cap import alerts
    from yingji.warnings.models import EarlyWarning, WarningType

    warning = EarlyWarning(
        warning_type=WarningType.objects.get(code="rainstorm"),
        category="natural",
        level="red",
        headline=headline,
        description="基准测试",
        area_codes=area_codes,
        area_shapes=area_shapes,
        onset=NOW,
        expires=NOW + timedelta(hours=12),
        region_id=CITY,
        status=EarlyWarning.PUBLISHED,
        published_at=NOW,
    )
    warning.save()
    alerts.assign_identifier(warning, NOW)
    warning.series = warning
    warning.save()
    return warning


# Measurements ------------------------------------------------------------------------------------


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def timed_cpu(function: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds (this process's, `time.process_time`) of one call, and its value."""
    started, cpu = time.perf_counter(), time.process_time()
    value = function()
    return time.perf_counter() - started, time.process_time() - cpu, value


def store_snapshot(results: Results) -> None:
    """What the worker's periodic check does once subscribers were loaded in bulk: store their arrays
    (`subscribers.keep_stored`), so that a fresh process need not read the table."""
    from django.utils import timezone

    from yingji.warnings import subscribers

    seconds, cpu, stored = timed_cpu(lambda: subscribers.keep_stored(timezone.now()))
    if not stored:
        raise BenchError("the worker's check stored no subscriber arrays")
    results.figures["snapshot_store_s"] = round(seconds, 2)
    results.figures["snapshot_store_cpu_s"] = round(cpu, 2)
    log(f"subscriber arrays stored by the worker's check in {seconds:.2f} s (CPU {cpu:.2f} s)")


def first_resolution(warning_id: int) -> dict[str, float]:
    """In a fresh process: start as a web worker does (`yingji.wsgi`), then resolve the warning once.

    Runs in the child that `measure_cold_recipients` starts; the environment names the database.
    """
    started, cpu = time.perf_counter(), time.process_time()
    import yingji.wsgi  # noqa: F401  (what gunicorn loads in each worker)

    start_up, start_up_cpu = time.perf_counter() - started, time.process_time() - cpu
    from yingji.warnings import subscribers, targeting
    from yingji.warnings.models import EarlyWarning

    warning = EarlyWarning.objects.select_related("region").get(pk=warning_id)
    seconds, resolve_cpu, recipients = timed_cpu(lambda: targeting.resolve(warning))
    load, load_cpu, _ = timed_cpu(subscribers.load_stored)  # what part of it loading the arrays was
    return {
        "start_up_s": start_up,
        "start_up_cpu_s": start_up_cpu,
        "stored_load_s": load,
        "stored_load_cpu_s": load_cpu,
        "cold_s": seconds,
        "cold_cpu_s": resolve_cpu,
        "recipients": len(recipients),
    }


def measure_cold_recipients(warning: Any, key: str, env: dict[str, str], results: Results) -> None:
    """The first resolution in a fresh process (`first_resolution`, in a child of its own)."""
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.warnings", "--first-resolution", str(warning.pk)],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if completed.returncode != 0:
        raise BenchError(f"the fresh process failed: {completed.stderr.strip()[-2000:]}")
    child = json.loads(completed.stdout.strip().splitlines()[-1])
    for name in ("cold", "start_up", "stored_load"):
        results.figures[f"{key}_{name}_s"] = round(child[f"{name}_s"], 3)
        results.figures[f"{key}_{name}_cpu_s"] = round(child[f"{name}_cpu_s"], 3)
    log(
        f"{key}, fresh process: {child['recipients']:,} in {child['cold_s'] * 1000:.0f} ms "
        f"(CPU {child['cold_cpu_s'] * 1000:.0f} ms; start-up {child['start_up_s']:.2f} s before it; "
        f"loading the stored arrays alone {child['stored_load_s'] * 1000:.0f} ms)"
    )


def measure_recipients(warning: Any, key: str, results: Results) -> None:
    """`targeting.resolve` in this process, warm: one call, then the median of REPEATS (wall and CPU)."""
    from yingji.warnings import targeting

    first, _, recipients = timed_cpu(lambda: targeting.resolve(warning))
    runs = [timed_cpu(lambda: targeting.resolve(warning))[:2] for _ in range(REPEATS)]
    results.figures[f"{key}_s"] = round(statistics.median(run[0] for run in runs), 3)
    results.figures[f"{key}_cpu_s"] = round(statistics.median(run[1] for run in runs), 3)
    results.figures[f"{key}_first_s"] = round(first, 3)
    results.figures[key] = len(recipients)
    results.figures[f"{key}_by_kind"] = recipients.count_by("kind")
    log(
        f"{key}: {len(recipients):,} in {results.figures[f'{key}_s'] * 1000:.0f} ms "
        f"(CPU {results.figures[f'{key}_cpu_s'] * 1000:.0f} ms; first call here {first * 1000:.0f} ms)"
    )


def measure_fan_out(warning: Any, results: Results) -> None:
    """What `fanout.fan_out` does for the county warning, committed: resolve, then one bulk insert.

    The two halves are timed apart (`fanout_write_per_s`: the insert alone) so that a slow figure says
    which half to look at.
    """
    from django.db import transaction

    from yingji.warnings import fanout, targeting

    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        recipients = targeting.resolve(warning)
        resolved = time.perf_counter()
        rows = fanout.write_deliveries(warning, recipients, NOW)
    seconds, writing = time.perf_counter() - started, time.perf_counter() - resolved
    cpu = time.process_time() - cpu
    results.figures["fanout_per_s"] = round(rows / seconds)
    results.figures["fanout_write_per_s"] = round(rows / writing)
    results.figures["fanout_rows"] = rows
    results.figures["fanout_s"] = round(seconds, 2)
    results.figures["fanout_cpu_s"] = round(cpu, 2)
    log(
        f"fan-out: {rows:,} deliveries in {seconds:.2f} s = {rows / seconds:,.0f}/s "
        f"(the insert alone {rows / writing:,.0f}/s; CPU of this process {cpu:.2f} s)"
    )


class Gateway:
    """`yingji sms-gateway` in its own process group on a free port of 127.0.0.1."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send"

    def start(self) -> None:
        command = [*yingji_command(), "sms-gateway", "--port", str(self.port), "--stats-every", "3600"]
        with self.log_path.open("ab") as output:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + GATEWAY_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"`yingji sms-gateway` exited with status {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise BenchError(f"the SMS gateway did not listen within {GATEWAY_START_SECONDS} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def measure_sending(warning: Any, env: dict[str, str], scratch: Path, count: int, results: Results) -> None:
    """One worker drains `count` SMS of the county warning to the gateway simulator over HTTP."""
    from django.test.utils import override_settings

    from yingji.messaging import delivery
    from yingji.messaging.models import Delivery

    count = min(count, Delivery.objects.about(warning).filter(channel=Delivery.SMS).count() - 1)
    # Only SMS is measured: every other channel's rows wait until after the step.
    held = Delivery.objects.about(warning).exclude(channel=Delivery.SMS)
    held.update(next_attempt_at=NOW + timedelta(days=365))
    gateway = Gateway(env, scratch / "sms-gateway.log")
    try:
        gateway.start()
        with override_settings(
            MESSAGING_CHANNELS={Delivery.SMS: "http"}, MESSAGING_SMS_GATEWAY_URL=gateway.url
        ):
            delivery.drain(NOW, "bench-warmup", limit=1)  # the connection and the message text
            started = time.perf_counter()
            report = delivery.drain(NOW, "bench-worker", limit=count)
            seconds = time.perf_counter() - started
    finally:
        gateway.stop()
    held.update(next_attempt_at=NOW)
    if report.sent + report.delivered != report.claimed:
        raise BenchError(f"the gateway did not take every message: {report}")
    results.figures["send_per_s"] = round(report.claimed / seconds)
    results.figures["send_messages"] = report.claimed
    log(f"sending: {report.claimed:,} SMS in {seconds:.2f} s = {report.claimed / seconds:,.0f}/s ({report})")


def measure_coverage(warning: Any, results: Results) -> None:
    """Every delivery of the county warning confirmed, then `coverage.measure` (median of REPEATS)."""
    from yingji.messaging.models import Delivery
    from yingji.warnings import coverage

    Delivery.objects.about(warning).update(status=Delivery.DELIVERED, delivered_at=NOW)
    unsettled, unsettled_cpu, _ = timed_cpu(lambda: coverage.measure(warning))
    results.figures["coverage_unsettled_s"] = round(unsettled, 3)
    results.figures["coverage_unsettled_cpu_s"] = round(unsettled_cpu, 3)
    settle_statistics(Delivery._meta.db_table)
    cold, _, measured = timed_cpu(lambda: coverage.measure(warning))
    runs = [timed_cpu(lambda: coverage.measure(warning))[:2] for _ in range(REPEATS)]
    results.figures["coverage_s"] = round(statistics.median(run[0] for run in runs), 3)
    results.figures["coverage_cpu_s"] = round(statistics.median(run[1] for run in runs), 3)
    results.figures["coverage_cold_s"] = round(cold, 3)
    results.figures["coverage_ratio"] = measured["ratio"]
    results.figures["coverage_target_cells"] = measured["target_cells"]
    seconds, cpu = results.figures["coverage_s"], results.figures["coverage_cpu_s"]
    log(
        f"coverage: {measured['ratio']} of {measured['target']:,} in {seconds * 1000:.0f} ms "
        f"(CPU {cpu * 1000:.0f} ms)"
    )


# Report ------------------------------------------------------------------------------------------

ROWS = (
    ("recipients_county_cold_s", "recipients of a red warning over 忻府区, first in a fresh process"),
    ("recipients_county_s", "recipients of a red warning over 忻府区 (`targeting.resolve`), warm"),
    ("recipients_polygon_s", f"recipients of a drawn polygon of {POLYGON_VERTICES:,} vertices"),
    ("fanout_per_s", "fan-out into the outbox, deliveries/s (`fanout.fan_out`)"),
    ("send_per_s", "SMS sent/s by one worker to the HTTP gateway simulator"),
    ("coverage_s", "coverage of the county warning over the population grid"),
)


def format_figure(key: str, value: Any) -> str:
    if value is None:
        return "not measured"
    if key.endswith("_per_s"):
        return f"{value:,.0f}"
    return f"{value * 1000:,.0f} ms"


def render(results: Results) -> str:
    """The Markdown report: the figures against their targets, what else was seen, the machine."""
    figures = results.figures
    title = f"## Warnings benchmark, {results.started:%Y-%m-%d %H:%M %Z}, {results.vendor or '?'}"
    lines = [title, "", "| figure | value | target | met? |", "| --- | ---: | --- | --- |"]
    for key, label in ROWS:
        target = TARGETS[key]
        met = target.met(figures.get(key))
        verdict = "—" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {label} | {format_figure(key, figures.get(key))} | {target.text} | {verdict} |")
    details = [
        f"{figures.get('subscribers', 0):,} subscribers ({figures.get('subscribers_insert_per_s', 0):,}/s "
        f"generated and inserted); population grid of {figures.get('grid_cells', 0):,} cells"
    ]
    if "snapshot_store_s" in figures:
        details.append(
            f"subscriber arrays stored by the worker's check after the bulk load: "
            f"{figures['snapshot_store_s']} s (CPU {figures['snapshot_store_cpu_s']} s)"
        )
    for key, what in (("recipients_county", "county"), ("recipients_polygon", "polygon")):
        if key in figures:
            details.append(
                f"{what}: {figures[key]:,} recipients × channels {figures[f'{key}_by_kind']}; "
                f"warm {figures[f'{key}_s'] * 1000:.0f} ms (CPU {figures[f'{key}_cpu_s'] * 1000:.0f} ms)"
            )
        if f"{key}_cold_s" in figures:
            details.append(
                f"{what}, first resolution in a fresh process: {figures[f'{key}_cold_s'] * 1000:.0f} ms "
                f"(CPU {figures[f'{key}_cold_cpu_s'] * 1000:.0f} ms), after a start-up of "
                f"{figures[f'{key}_start_up_s']:.2f} s (CPU {figures[f'{key}_start_up_cpu_s']:.2f} s); "
                f"loading the stored arrays alone {figures[f'{key}_stored_load_s'] * 1000:.0f} ms"
            )
    if "fanout_rows" in figures:
        details.append(
            f"fan-out: {figures['fanout_rows']:,} deliveries in {figures['fanout_s']} s (CPU of this "
            f"process {figures['fanout_cpu_s']} s); the bulk insert alone {figures['fanout_write_per_s']:,}/s"
        )
    if "send_messages" in figures:
        details.append(f"sending: {figures['send_messages']:,} SMS, batches of 500 per request")
    if "coverage_ratio" in figures:
        details.append(
            f"coverage: {figures['coverage_ratio']} over {figures['coverage_target_cells']:,} cells; "
            f"CPU {figures['coverage_cpu_s'] * 1000:.0f} ms; right after every delivery was confirmed "
            f"in one update, before autovacuum's pass, {figures['coverage_unsettled_s'] * 1000:.0f} ms"
        )
    lines += ["", *[f"- {detail}" for detail in details]]
    machine = [
        *describe_machine(),
        ("database", results.database or "not reached"),
        ("load average at start (1, 5, 15 min)", results.load_average),
        ("commit", results.commit),
    ]
    lines += ["", "| machine | |", "| --- | --- |", *[f"| {label} | {value} |" for label, value in machine]]
    if results.notes:
        lines += ["", "Notes:", "", *[f"- {note}" for note in results.notes]]
    if results.failures:
        lines += ["", "**Failures:**", "", *[f"- {failure}" for failure in results.failures]]
    return "\n".join(lines)


# Entry point -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="yingji bench warnings",
        description="Recipients, fan-out, sending and coverage of warnings over public subscribers, "
        "on a scratch database.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument(
        "--subscribers",
        type=int,
        default=DEFAULT_SUBSCRIBERS,
        help=f"public subscribers ({DEFAULT_SUBSCRIBERS:,})",
    )
    parser.add_argument(
        "--send",
        type=int,
        default=DEFAULT_SEND,
        help=f"SMS the worker sends in the measurement ({DEFAULT_SEND:,})",
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch directory (and database) and print where"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a PostgreSQL server to create the scratch database on (BENCH_POSTGRES_URL)",
    )
    parser.add_argument(
        "--if-reachable",
        action="store_true",
        help="with --database postgresql: skip the run (status 0) when the server does not answer",
    )
    parser.add_argument("--first-resolution", type=int, metavar="WARNING", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.subscribers < 1 or args.send < 1:
        parser.error("--subscribers and --send must be at least 1")
    return args


def run(args: argparse.Namespace, results: Results, scratch: Path) -> None:
    """Build the scratch database, then measure step by step."""
    postgres = ScratchPostgres(args.postgres_url) if args.database == "postgresql" else None
    try:
        if postgres:
            postgres.create()
        env = scratch_environment(
            scratch, postgres.url if postgres else f"sqlite:///{scratch / 'bench.sqlite3'}"
        )
        seconds = run_yingji(env, "migrate", "--noinput", "-v0")
        log(f"scratch database migrated in {seconds:.1f} s")
        setup_django(env)
        from django.db import connection

        results.database, results.vendor = describe_database(), connection.vendor
        build_dataset(args.subscribers, results)
        settle_statistics("early_warnings_subscriber")
        store_snapshot(results)
        county = published_warning("忻府区暴雨红色预警（基准）", [COUNTY], [])
        polygon = published_warning("手绘区域暴雨红色预警（基准）", [], [wavy_polygon()])
        results.figures["polygon_vertices"] = POLYGON_VERTICES
        run_step(
            results,
            "recipients, county, fresh process",
            lambda: measure_cold_recipients(county, "recipients_county", env, results),
        )
        run_step(
            results,
            "recipients, polygon, fresh process",
            lambda: measure_cold_recipients(polygon, "recipients_polygon", env, results),
        )
        run_step(
            results, "recipients, county", lambda: measure_recipients(county, "recipients_county", results)
        )
        run_step(
            results, "recipients, polygon", lambda: measure_recipients(polygon, "recipients_polygon", results)
        )
        run_step(results, "fan-out", lambda: measure_fan_out(county, results))
        run_step(results, "sending", lambda: measure_sending(county, env, scratch, args.send, results))
        run_step(results, "coverage", lambda: measure_coverage(county, results))
    finally:
        close_connections()
        if postgres and args.keep:
            log(f"kept the scratch database {postgres.url}")
        elif postgres:
            postgres.drop()


def main(argv: list[str] | None = None) -> int:
    """Run every step, print the report (or JSON) on stdout; 0 when every step ran."""
    args = parse_args(argv)
    if args.first_resolution is not None:  # the child of measure_cold_recipients
        print(json.dumps(first_resolution(args.first_resolution)))
        return 0
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    if args.database == "postgresql" and not reachable(args.postgres_url):
        where = urlsplit(args.postgres_url)
        message = f"PostgreSQL does not answer at {where.hostname}:{where.port or 5432}"
        log(message + ("; warnings benchmark on PostgreSQL skipped" if args.if_reachable else ""))
        return 0 if args.if_reachable else 1
    results = Results(started=datetime.now().astimezone(), commit=git_commit())
    scratch = Path(tempfile.mkdtemp(prefix="yingji-bench-warnings-", dir="/tmp"))
    try:
        run(args, results, scratch)
    except BenchError as error:
        results.failures.append(str(error))
    except Exception:
        results.failures.append(traceback.format_exc().strip())
    finally:
        if args.keep:
            log(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(results.as_json(), ensure_ascii=False, indent=2) if args.json else render(results))
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
