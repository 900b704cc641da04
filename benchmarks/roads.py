"""`python -m benchmarks.roads [--json]`: the shared road network's speed (geography/roads, docs/roads.md).

On a scratch SQLite database (migrated, the bundled regions and the city's population grid, removed at
the end) it measures:

- building the bundled Xinzhou network from its file (parse + graph + KD-tree), and from the database
  after `roads load --bundled`;
- `trips_from`: one origin to 300 destinations, p95 over 200 origins, on the bundled network and on
  a synthetic detailed network of ≥ 250,000 nodes (`roads.synthetic_network`, built time reported);
- `nearest`: the 5 quickest of those 300, p95 over the same 200 origins (the nearest-help query);
- `population_within`: people within 15/30/60 minutes of 14 origins (each county's most populous
  cell) with the isochrone polygons, on both networks; `air_reach` from 4 helipads;
- how often the 5 nearest by straight line are the 5 nearest by road (share of the same members).

Origins and destinations are drawn where people live (population.sample_locations), seed fixed.
Prints a Markdown table or, with `--json`, one JSON object; exit 1 if a step failed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.monitoring import scratch_environment
from benchmarks.run import close_connections, log, run_yingji, setup_django

SEED = 2026
ORIGINS = 200
DESTINATIONS = 300
NEAREST = 5
TARGETS = {
    "nearest_bundled_p95_s": 0.020,
    "nearest_synthetic_p95_s": 0.150,
    "population_within_synthetic_s": 1.0,
}


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def measure(figures: dict[str, Any]) -> None:
    from yingji.core.regions_loader import load_regions
    from yingji.geography import population, roads
    from yingji.geography.roads import store
    from yingji.geography.roads.graph import haversine_km

    load_regions()
    population.build_grid("140900")
    grid = population.load_grid("140900")
    assert grid is not None
    rng = np.random.default_rng(SEED)
    store.bundled_data.cache_clear()
    store._bundled_network.cache_clear()
    figures["bundled_build_s"], bundled = timed(store._bundled_network)
    figures["bundled_nodes"], figures["bundled_edges"] = bundled.node_count, bundled.edge_count
    figures["bundled_km"] = round(bundled.total_km)
    figures["load_bundled_s"], _ = timed(roads.load_bundled)
    figures["network_from_database_s"], _ = timed(roads.network)
    figures["synthetic_build_s"], synthetic = timed(roads.synthetic_network)
    figures["synthetic_nodes"], figures["synthetic_edges"] = synthetic.node_count, synthetic.edge_count
    lon, lat = population.sample_locations(grid, ORIGINS * (DESTINATIONS + 1), rng)
    points = np.column_stack((lon, lat)).reshape(ORIGINS, DESTINATIONS + 1, 2)
    for name, network in (("bundled", bundled), ("synthetic", synthetic)):
        many, near, agree = [], [], []
        for row in points:
            origin, targets = (float(row[0, 0]), float(row[0, 1])), row[1:]
            many.append(timed(lambda o=origin, t=targets, n=network: n.trips_from(o, t))[0])
            seconds, found = timed(lambda o=origin, t=targets, n=network: n.nearest(o, t, NEAREST))
            near.append(seconds)
            straight = np.argsort(haversine_km(origin[0], origin[1], targets[:, 0], targets[:, 1]))[:NEAREST]
            agree.append(len({i for i, _ in found} & set(straight.tolist())) / NEAREST)
        figures[f"trips_from_{name}_p95_s"] = p95(many)
        figures[f"nearest_{name}_p95_s"] = p95(near)
        figures[f"nearest_{name}_median_s"] = statistics.median(near)
        figures[f"straight_line_agreement_{name}"] = round(statistics.mean(agree), 3)
    origins = []
    for number in range(len(grid.county_codes)):
        cells = np.flatnonzero(grid.county_index == number)
        top = cells[np.argmax(grid.people[cells])]
        x, y = grid.grid.centre_of([top])
        origins.append((float(x[0]), float(y[0])))
    for name, network in (("bundled", bundled), ("synthetic", synthetic)):
        runs = [timed(lambda n=network: roads.population_within(origins, network=n)) for _ in range(3)]
        figures[f"population_within_{name}_s"] = statistics.median(seconds for seconds, _ in runs)
        result = runs[0][1]
        for band in result["bands"]:
            figures[f"within_{int(band['minutes'])}_min_share_{name}"] = band["share"]
    seconds, air = timed(lambda: roads.air_reach(origins[:4]))
    figures["air_reach_s"], figures["air_reach_share_4_helipads"] = seconds, air["share"]


def render(figures: dict[str, Any], failures: list[str]) -> str:
    lines = ["| figure | value | target |", "| --- | --- | --- |"]
    for key, value in figures.items():
        shown = f"{value * 1000:.1f} ms" if key.endswith("_s") and value < 1 else f"{value}"
        target = TARGETS.get(key)
        met = "" if target is None else (f"< {target * 1000:g} ms " + ("✓" if value < target else "✗"))
        lines.append(f"| {key} | {shown} | {met} |")
    return "\n".join(lines + [f"\nFAILED: {failure}" for failure in failures])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="yingji-bench-roads-", dir="/tmp"))
    figures: dict[str, Any] = {}
    failures: list[str] = []
    try:
        env = scratch_environment(scratch, f"sqlite:///{scratch / 'bench.sqlite3'}")
        log(f"scratch database migrated in {run_yingji(env, 'migrate', '--noinput', '-v0'):.1f} s")
        setup_django(env)
        measure(figures)
    except Exception:
        failures.append(traceback.format_exc().strip())
    finally:
        close_connections()
        shutil.rmtree(scratch, ignore_errors=True)
    rounded = {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}
    print(
        json.dumps({"figures": rounded, "failures": failures}, indent=2)
        if args.json
        else render(rounded, failures)
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
