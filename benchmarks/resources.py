"""`yingji bench resources`: the nearest help by road time and reach, on the bundled and on a detailed
road network, in one run on a scratch database.

The steps, against a scratch directory under /tmp and a scratch database, both removed at the end:

1. the database: a SQLite file in the scratch directory, or (`--database postgresql`) a database created
   on the server of `--postgres-url` and dropped at the end; `yingji migrate`, then `yingji demo` (its
   teams, shelters and helipads are what the searches rank);
2. `nearest_s`: the 5 nearest fire and rescue stations standing by (待命) to each of `--points` (200)
   random points where people live (drawn from the population grid), through `resources.nearest.nearest`
   as the API and the command domain call it, on the bundled network: p95 (and median) per call;
3. the ratio of agreement between the ranking by road time and by straight line over the same points:
   the share of points whose nearest station is the same, and whose five nearest are the same five;
4. `nearest_detailed_s`: the same searches on `roads.synthetic_network` (≥ 250,000 nodes; its build is
   timed apart), p95;
5. `reach_s`: the population within 30 minutes of all the fire and rescue stations, city-wide
   (`roads.population_within`, without isochrones), on the detailed network: the median of three; and
   the same on the bundled network with the isochrones of the reach page (15/30/60 minutes);
6. `allocate_s`: a 20-item material request allocated across warehouses by road time, p95 of 50 runs
   (each rolled back), and on PostgreSQL `oversell`: units promised beyond the stock when 8 connections
   allocate the same stock at once (must be 0; `yingji.materials.benchmark`).

Each figure comes with the CPU time of this process. It prints a Markdown table (figure, value, target,
met?) or, with `--json`, one JSON object. Exit status 0 when every step ran (a missed target is
reported, not a failure), 1 otherwise. See docs/performance.md ("Resources").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import domain
from benchmarks.domain import DomainResults
from benchmarks.machine import describe_machine
from benchmarks.monitoring import ScratchPostgres, Target, scratch_environment
from benchmarks.run import (
    BenchError,
    close_connections,
    describe_database,
    log,
    run_step,
    run_yingji,
    setup_django,
)

DEFAULT_POINTS = 200
DEFAULT_NODES = 250_000
SEED = 7
CITY = "140900"
REPEATS = 3
DEFAULT_POSTGRES_URL = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"

TARGETS = {
    target.key: target
    for target in (
        Target("nearest_s", "<", 0.020, "< 20 ms"),
        Target("nearest_detailed_s", "<", 0.150, "< 150 ms"),
        Target("reach_s", "<", 1.0, "< 1 s"),
        Target("allocate_s", "<", 0.100, "< 100 ms"),
        Target("oversell", "<", 1, "0 units"),
    )
}
ROWS = (
    ("nearest_s", "5 nearest available fire stations, bundled network, p95 per search"),
    ("nearest_detailed_s", "the same on the detailed network, p95 per search"),
    ("reach_s", "population within 30 min of all fire stations, detailed network"),
    ("allocate_s", "allocate a 20-item request across warehouses by road time, p95"),
    ("oversell", "units oversold by 8 concurrent allocations of the same stock (PostgreSQL)"),
)


@dataclass
class Results(DomainResults):
    """The shared results, with this benchmark's targets."""

    targets: dict[str, Target] = field(default_factory=lambda: dict(TARGETS))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def random_points(count: int) -> list[tuple[float, float]]:
    """`count` points where people live, drawn from the population grid (deterministic)."""
    import numpy as np

    from yingji.geography import population

    grid = population.load_grid(CITY)
    if grid is None:
        raise BenchError("the demo built no population grid")
    lon, lat = population.sample_locations(grid, count, np.random.default_rng(SEED))
    return [(float(x), float(y)) for x, y in zip(lon, lat, strict=True)]


def city_user() -> Any:
    from yingji.core.models import User

    return User.objects.select_related("region").get(username="demo-city")


def time_searches(points: list[tuple[float, float]], network: Any) -> tuple[list[float], float, list[Any]]:
    """Wall seconds of each search, the CPU seconds of all, and the answers."""
    from yingji.core.registry import NearestSearch
    from yingji.resources import kinds
    from yingji.resources.nearest import nearest

    user = city_user()
    search = NearestSearch(capability=kinds.FIRE_STATION, available_only=True)
    nearest(user, points[0], "team", search, 5, network)  # the first call loads what later ones reuse
    seconds, answers = [], []
    cpu = time.process_time()
    for point in points:
        started = time.perf_counter()
        answers.append(nearest(user, point, "team", search, 5, network))
        seconds.append(time.perf_counter() - started)
    return seconds, time.process_time() - cpu, answers


def measure_nearest(points: list[tuple[float, float]], results: Results) -> None:
    from yingji.geography import roads

    started = time.perf_counter()
    network = roads.network()
    results.figures["bundled_network_load_s"] = round(time.perf_counter() - started, 3)
    results.figures["bundled_network"] = network.name
    seconds, cpu, answers = time_searches(points, network)
    results.figures["nearest_s"] = round(p95(seconds), 4)
    results.figures["nearest_median_s"] = round(statistics.median(seconds), 4)
    results.figures["nearest_cpu_per_search_s"] = round(cpu / len(points), 4)
    results.figures["points"] = len(points)
    measure_agreement(points, answers, results)


def measure_agreement(points: list[tuple[float, float]], answers: list[Any], results: Results) -> None:
    """How often ranking by straight line would have sent the same stations as ranking by road."""
    import numpy as np

    from yingji.geography import areas
    from yingji.resources import kinds
    from yingji.resources.models import Team

    stations = list(
        Team.objects.filter(kind=kinds.FIRE_STATION, status=kinds.STANDBY).values_list(
            "pk", "longitude", "latitude"
        )
    )
    ids = np.array([pk for pk, _lon, _lat in stations])
    lon = np.array([x for _pk, x, _lat in stations])
    lat = np.array([y for _pk, _lon, y in stations])
    same_first = same_five = compared = 0
    detour = []
    for point, answer in zip(points, answers, strict=True):
        if not answer:
            continue
        straight = ids[np.argsort(areas.haversine_km(point[0], point[1], lon, lat), kind="stable")][
            : len(answer)
        ]
        by_road = [item.candidate.id for item in answer]
        compared += 1
        same_first += int(by_road[0] == straight[0])
        same_five += int(set(by_road) == set(straight.tolist()))
        detour += [item.km / item.straight_km for item in answer if item.straight_km > 0.5]
    results.figures["agreement_nearest"] = round(same_first / compared, 3) if compared else None
    results.figures["agreement_five"] = round(same_five / compared, 3) if compared else None
    results.figures["road_to_straight_km_median"] = round(statistics.median(detour), 2) if detour else None
    results.figures["stations_standing_by"] = len(stations)


def measure_detailed(
    points: list[tuple[float, float]], nodes: int, results: Results, store: dict[str, Any]
) -> None:
    from yingji.geography import roads

    started, cpu = time.perf_counter(), time.process_time()
    network = roads.synthetic_network(nodes)
    results.figures["detailed_build_s"] = round(time.perf_counter() - started, 2)
    results.figures["detailed_build_cpu_s"] = round(time.process_time() - cpu, 2)
    results.figures["detailed_nodes"] = int(network.node_count) if hasattr(network, "node_count") else nodes
    results.figures["detailed_edges"] = int(network.edge_count)
    store["network"] = network
    seconds, cpu_seconds, _answers = time_searches(points, network)
    results.figures["nearest_detailed_s"] = round(p95(seconds), 4)
    results.figures["nearest_detailed_median_s"] = round(statistics.median(seconds), 4)
    results.figures["nearest_detailed_cpu_per_search_s"] = round(cpu_seconds / len(points), 4)


def measure_reach(results: Results, store: dict[str, Any]) -> None:
    from yingji.geography import roads
    from yingji.resources import kinds, reach
    from yingji.resources.models import Team

    origins = sorted(set(Team.objects.filter(kind=kinds.FIRE_STATION).values_list("longitude", "latitude")))
    network = store.get("network")
    if network is None:
        raise BenchError("no detailed network (its step failed)")
    seconds, cpu_seconds, result = [], [], None
    for _ in range(REPEATS):
        started, cpu = time.perf_counter(), time.process_time()
        result = roads.population_within(origins, (30,), network=network, isochrones=False)
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu)
    assert result is not None
    results.figures["reach_s"] = round(statistics.median(seconds), 3)
    results.figures["reach_cpu_s"] = round(statistics.median(cpu_seconds), 3)
    results.figures["reach_origins"] = len(origins)
    results.figures["reach_30_share_detailed"] = result["bands"][0]["share"]
    started = time.perf_counter()
    page = reach.reach_from(origins, {row["code"]: row["name"] for row in result["counties"]})
    results.figures["reach_page_bundled_s"] = round(time.perf_counter() - started, 3)
    results.figures["reach_30_share_bundled"] = round(page.bands[1].share, 4)


# Materials: allocation by road time and no overselling ------------------------------------------


def measure_materials(results: Results) -> None:
    """`allocate_s` (p95 of a 20-item request split across warehouses, each run rolled back) and, on
    PostgreSQL, `oversell` (units promised beyond what was available when 8 connections allocate at once)."""
    from yingji.materials.benchmark import allocation_figures, oversell_figures

    figures = allocation_figures()
    results.figures.update(figures)
    results.figures["allocate_s"] = figures["allocate_p95_s"]
    race = oversell_figures(workers=8)
    results.figures.update(race)
    if "oversold" in race:
        results.figures["oversell"] = race["oversold"]
        if race["oversell_errors"]:
            raise BenchError(f"concurrent allocations failed: {race['oversell_errors'][:3]}")
    else:
        results.notes.append(f"oversell: {race['oversell_skipped']}")


# Report ------------------------------------------------------------------------------------------


def format_figure(key: str, value: Any) -> str:
    if value is None:
        return "not measured"
    if key == "oversell":
        return f"{value:,}"
    return f"{value * 1000:,.1f} ms" if value < 1 else f"{value:,.2f} s"


def render(results: Results) -> str:
    figures = results.figures
    title = f"## Resources benchmark, {results.started:%Y-%m-%d %H:%M %Z}, {results.vendor or '?'}"
    lines = [title, "", "| figure | value | target | met? |", "| --- | ---: | --- | --- |"]
    for key, label in ROWS:
        target = TARGETS[key]
        met = target.met(figures.get(key))
        verdict = "—" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {label} | {format_figure(key, figures.get(key))} | {target.text} | {verdict} |")
    f = figures
    details = []
    if "nearest_median_s" in f:
        details.append(
            f"bundled network ({f.get('bundled_network')}, loaded in {f['bundled_network_load_s']} s): "
            f"{f['points']} searches, median {f['nearest_median_s'] * 1000:.1f} ms, "
            f"CPU {f['nearest_cpu_per_search_s'] * 1000:.1f} ms per search"
        )
    if "agreement_nearest" in f:
        details.append(
            f"ranking by road vs straight line over {f['stations_standing_by']} stations standing by: "
            f"same nearest station for {f['agreement_nearest']:.1%} of the points, same five for "
            f"{f['agreement_five']:.1%}; road km ÷ straight km, median {f['road_to_straight_km_median']}"
        )
    if "detailed_build_s" in f:
        median = f.get("nearest_detailed_median_s", 0) * 1000
        details.append(
            f"detailed network: {f['detailed_nodes']:,} nodes, {f['detailed_edges']:,} edges, "
            f"built in {f['detailed_build_s']} s; searches median {median:.1f} ms"
        )
    if "reach_s" in f:
        details.append(
            f"reach: {f['reach_origins']} stations; within 30 min {f['reach_30_share_detailed']:.1%} "
            f"(detailed), {f['reach_30_share_bundled']:.1%} (bundled); the reach page's three bands "
            f"with isochrones on the bundled network {f['reach_page_bundled_s']} s"
        )
    if "allocate_p50_s" in f:
        details.append(
            f"allocation: {f['allocate_items']} items from {f['allocate_warehouses']} warehouses, "
            f"{f['allocate_runs']} runs, median {f['allocate_p50_s'] * 1000:.1f} ms"
        )
    if "oversold" in f:
        details.append(
            f"oversell race: {f['oversell_workers']} connections asking {f['oversell_each']} each of "
            f"{f['oversell_available']} available: {f['oversell_won']} allocated, "
            f"{f['oversell_refused']} refused (409), {f['oversold']} oversold, in {f['oversell_s']} s"
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
        prog="yingji bench resources",
        description="The nearest help by road time and reach, on the bundled and a detailed network.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument(
        "--points", type=int, default=DEFAULT_POINTS, help=f"search points ({DEFAULT_POINTS})"
    )
    parser.add_argument(
        "--nodes", type=int, default=DEFAULT_NODES, help=f"detailed network nodes ({DEFAULT_NODES:,})"
    )
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
    if args.points < 2 or args.nodes < 1000:
        parser.error("--points must be at least 2 and --nodes at least 1,000")
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
        points = random_points(args.points)
        store: dict[str, Any] = {}
        run_step(results, "nearest, bundled network", lambda: measure_nearest(points, results))
        run_step(
            results, "nearest, detailed network", lambda: measure_detailed(points, args.nodes, results, store)
        )
        run_step(results, "reach", lambda: measure_reach(results, store))
        run_step(results, "materials", lambda: measure_materials(results))
    finally:
        close_connections()
        if postgres and args.keep:
            log(f"kept the scratch database {postgres.url}")
        elif postgres:
            postgres.drop()


def main(argv: list[str] | None = None) -> int:
    return domain.main("resources", parse_args(argv), TARGETS, run, render)


if __name__ == "__main__":
    sys.exit(main())
