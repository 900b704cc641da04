#!/usr/bin/env python3
"""Cut the Xinzhou road graph out of scgraph-data's world highway graph (see geography/data/roads/SOURCES.md).

scgraph-data 2.0.0 is not a dependency; fetch its wheel once and point this script at it:

    pip download scgraph-data==2.0.0 --no-deps -d /tmp/scg
    python scripts/extract_roads.py /tmp/scg/scgraph_data-2.0.0-py3-none-any.whl

The wheel stores the graph as Python source, `scgraph_data/world_highways.py`: a line `graph=[...]`
(an adjacency list: for each node a dict {neighbour: length in km}) and a line `nodes=[...]`
(`[latitude, longitude]` per node, 3 decimals). Both are read as literals (ast.literal_eval), never
imported or executed. The script keeps the nodes inside the bounding box of city 140900's boundary
(core/data/xinzhou/counties.geojson) widened by MARGIN degrees, and every edge between two kept nodes,
and writes them as GeoJSON LineStrings, the format `yingji roads load` reads.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTIES = ROOT / "src/yingji/core/data/xinzhou/counties.geojson"
OUTPUT = ROOT / "src/yingji/geography/data/roads/xinzhou.geojson"
MEMBER = "scgraph_data/world_highways.py"
CITY = "140900"
MARGIN = 0.3


def _positions(geometry: dict) -> list[list[float]]:
    coordinates = geometry["coordinates"]
    polygons = coordinates if geometry["type"] == "MultiPolygon" else [coordinates]
    return [point for polygon in polygons for ring in polygon for point in ring]


def city_box(path: Path, code: str, margin: float) -> tuple[float, float, float, float]:
    """West, south, east, north of the region `code`'s boundary widened by `margin` degrees."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    city = next(f for f in features if f["properties"]["code"] == code)
    points = _positions(city["geometry"])
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return (min(lons) - margin, min(lats) - margin, max(lons) + margin, max(lats) + margin)


def read_graph(wheel: Path) -> tuple[list[dict[int, float]], list[list[float]]]:
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read(MEMBER).decode("utf-8")
    found: dict[str, object] = {}
    for line in source.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() in {"graph", "nodes"} and value.lstrip().startswith("["):
            found[name.strip()] = ast.literal_eval(value.strip())
    if set(found) != {"graph", "nodes"}:
        raise SystemExit(f"{wheel}: {MEMBER} has no graph= and nodes= lines")
    return found["graph"], found["nodes"]  # type: ignore[return-value]


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def extract(graph: list[dict[int, float]], nodes: list[list[float]], box: tuple[float, float, float, float]):
    west, south, east, north = box
    inside = {i for i, (lat, lon) in enumerate(nodes) if west <= lon <= east and south <= lat <= north}
    features = []
    km = 0.0
    for a in sorted(inside):
        for b, _length in sorted(graph[a].items()):
            if b <= a or b not in inside:
                continue
            (lat1, lon1), (lat2, lon2) = nodes[a], nodes[b]
            if (lat1, lon1) == (lat2, lon2):
                continue
            features.append(
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "LineString", "coordinates": [[lon1, lat1], [lon2, lat2]]},
                }
            )
            km += haversine_km(lon1, lat1, lon2, lat2)
    used = {tuple(p) for f in features for p in f["geometry"]["coordinates"]}
    return features, len(used), km


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="scgraph_data-2.0.0-py3-none-any.whl")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--margin", type=float, default=MARGIN)
    args = parser.parse_args()
    box = city_box(COUNTIES, CITY, args.margin)
    graph, nodes = read_graph(args.wheel)
    features, node_count, km = extract(graph, nodes, box)
    collection = {
        "type": "FeatureCollection",
        "name": "xinzhou-roads",
        "source": "scgraph-data 2.0.0 world_highways (OpenStreetMap), © OpenStreetMap contributors, ODbL 1.0",
        "bbox": [round(v, 5) for v in box],
        "features": features,
    }
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    args.output.write_text(
        text.replace('},{"type":"Feature"', '},\n{"type":"Feature"') + "\n", encoding="utf-8"
    )
    size = args.output.stat().st_size
    print(
        f"{args.output}: {node_count} nodes, {len(features)} edges, {km:,.0f} km "
        f"(straight lines), box {box}, {size:,} bytes",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
