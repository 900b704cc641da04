"""`yingji bench command`: the command center's hot paths on a scratch database holding the demo.

The steps, against a scratch directory under /tmp and a scratch database, both removed at the end:

1. the database: a SQLite file in the scratch directory, or (`--database postgresql`) a database created
   on the server of `--postgres-url` and dropped at the end; `yingji migrate`, then `yingji demo`;
2. `intake_recommendation_s`: an incident saved and its dispatch recommendation ready (the nearest 5
   teams, equipment, vehicles and warehouses by road time, the population within 5 km), p95 of `--runs`,
   each rolled back (`yingji.response.benchmark.intake_figures`);
3. `screen_s`: with `--incidents` (20) incidents responding, each with its tasks and two teams sent, and
   at least `--teams` (200) teams, the command screen's data for one incident (the incident and the
   response's sections): p95 of `--runs`;
4. `sms_queued_s`: from a dispatch order's issue to its SMS queued in the outbox, p95 of `--runs`.

It prints a Markdown table (figure, value, target, met?) or, with `--json`, one JSON object. Exit status
0 when every step ran (a missed target is reported, not a failure), 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import domain
from benchmarks.domain import DomainResults
from benchmarks.machine import describe_machine
from benchmarks.monitoring import ScratchPostgres, Target, scratch_environment
from benchmarks.run import (
    close_connections,
    describe_database,
    log,
    run_step,
    run_yingji,
    setup_django,
)

DEFAULT_RUNS = 100
DEFAULT_INCIDENTS = 20
DEFAULT_TEAMS = 200
DEFAULT_POSTGRES_URL = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"

TARGETS = {
    target.key: target
    for target in (
        Target("intake_recommendation_s", "<", 0.300, "< 300 ms"),
        Target("screen_s", "<", 0.300, "< 300 ms"),
        Target("sms_queued_s", "<", 1.0, "< 1 s"),
    )
}
ROWS = (
    (
        "intake_recommendation_s",
        "incident saved → recommendation ready (nearest 5 of each kind, people within 5 km), p95",
    ),
    ("screen_s", "command screen data for one incident, 20 open incidents, 200 teams, p95"),
    ("sms_queued_s", "dispatch order issued → its SMS queued, p95"),
)


@dataclass
class Results(DomainResults):
    """The shared results, with this benchmark's targets."""

    targets: dict[str, Target] = field(default_factory=lambda: dict(TARGETS))


def measure(results: Results, runs: int, incidents: int, teams: int) -> None:
    """Every step in this process, on the database Django is configured for (used by the smoke test too)."""
    from yingji.response import benchmark

    run_step(
        results, "intake → recommendation", lambda: results.figures.update(benchmark.intake_figures(runs))
    )
    store: dict[str, Any] = {}

    def prepare() -> None:
        results.figures["teams"] = benchmark.ensure_teams(teams)
        store["incidents"] = benchmark.open_incidents(incidents)

    run_step(results, "open incidents", prepare)
    if "incidents" not in store:
        return
    run_step(
        results,
        "command screen",
        lambda: results.figures.update(benchmark.screen_figures(store["incidents"], runs)),
    )
    run_step(
        results,
        "dispatch SMS",
        lambda: results.figures.update(benchmark.sms_figures(store["incidents"], runs)),
    )


def format_figure(value: Any) -> str:
    if value is None:
        return "not measured"
    return f"{value * 1000:,.1f} ms" if value < 1 else f"{value:,.2f} s"


def render(results: Results) -> str:
    figures = results.figures
    title = f"## Command benchmark, {results.started:%Y-%m-%d %H:%M %Z}, {results.vendor or '?'}"
    lines = [title, "", "| figure | value | target | met? |", "| --- | ---: | --- | --- |"]
    for key, label in ROWS:
        target = TARGETS[key]
        met = target.met(figures.get(key))
        verdict = "—" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {label} | {format_figure(figures.get(key))} | {target.text} | {verdict} |")
    details = [f"{key}: {value}" for key, value in figures.items() if key not in TARGETS]
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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="yingji bench command",
        description="Intake to recommendation, the command screen's data and a dispatch order's SMS.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help=f"runs of each step ({DEFAULT_RUNS})")
    parser.add_argument("--incidents", type=int, default=DEFAULT_INCIDENTS, help="open incidents (20)")
    parser.add_argument("--teams", type=int, default=DEFAULT_TEAMS, help="teams at least (200)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (and database)")
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
    args = parser.parse_args(argv)
    if not (1 <= args.runs <= 10_000 and 1 <= args.incidents <= 1000 and 1 <= args.teams <= 100_000):
        parser.error("--runs 1–10,000, --incidents 1–1,000, --teams 1–100,000")
    return args


def run(args: argparse.Namespace, results: Results, scratch: Path) -> None:
    postgres = ScratchPostgres(args.postgres_url) if args.database == "postgresql" else None
    try:
        if postgres:
            postgres.create()
        env = scratch_environment(
            scratch, postgres.url if postgres else f"sqlite:///{scratch / 'bench.sqlite3'}"
        )
        seconds = run_yingji(env, "migrate", "--noinput", "-v0")
        log(f"scratch database migrated in {seconds:.1f} s")
        seconds = run_yingji(env, "demo", "--quiet")
        log(f"demo built in {seconds:.1f} s")
        results.figures["demo_build_s"] = round(seconds, 1)
        setup_django(env)
        from django.db import connection

        results.database, results.vendor = describe_database(), connection.vendor
        measure(results, args.runs, args.incidents, args.teams)
    finally:
        close_connections()
        if postgres and args.keep:
            log(f"kept the scratch database {postgres.url}")
        elif postgres:
            postgres.drop()


def main(argv: list[str] | None = None) -> int:
    return domain.main("command", parse_args(argv), TARGETS, run, render)


if __name__ == "__main__":
    sys.exit(main())
