"""Load an administrative tree (regions.csv + boundaries GeoJSON) into the Region table.

The bundled data is Xinzhou's (data/xinzhou, see its SOURCES.md); another city prepares the same
two files for its own divisions and loads them with `yingji regions load DIR`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from shapely.geometry import shape

from yingji.core import caching, regioncodes
from yingji.core.models import Region

BUNDLED_REGIONS = Path(__file__).resolve().parent / "data" / "xinzhou"
ESTIMATED_POPULATION_LEVELS = {regioncodes.TOWNSHIP, regioncodes.VILLAGE}
UPDATED_FIELDS = [
    "name",
    "level",
    "parent",
    "path",
    "population",
    "population_is_estimate",
    "area_km2",
    "geometry",
    "centroid_lon",
    "centroid_lat",
]


class RegionDataError(ValueError):
    """The region files are inconsistent (unknown parent, bad code, wrong level)."""


def read_region_rows(directory: Path) -> list[dict[str, str]]:
    with (directory / "regions.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_boundaries(directory: Path) -> dict[str, dict[str, Any]]:
    path = directory / "counties.geojson"
    if not path.exists():
        return {}
    collection = json.loads(path.read_text(encoding="utf-8"))
    return {feature["properties"]["code"]: feature["geometry"] for feature in collection["features"]}


def build_regions(rows: list[dict[str, str]], boundaries: dict[str, dict[str, Any]]) -> list[Region]:
    """Region objects with paths, parents first; raises RegionDataError on an inconsistent tree."""
    rows = sorted(rows, key=lambda row: (regioncodes.LEVEL_DEPTH.get(row["level"], 99), row["code"]))
    paths: dict[str, str] = {}
    regions = []
    for number, row in enumerate(rows, start=2):
        code, level, parent_code = row["code"], row["level"], row["parent_code"] or None
        if not regioncodes.is_valid_code(code) or regioncodes.level_of(code) != level:
            raise RegionDataError(f"row {number}: code {code!r} is not a valid {level} code")
        if parent_code is not None and parent_code not in paths:
            raise RegionDataError(f"row {number}: parent {parent_code} of {code} is not in the file")
        paths[code] = regioncodes.path_of(paths[parent_code] if parent_code else "", code)
        geometry = boundaries.get(code)
        centroid = shape(geometry).representative_point() if geometry else None
        regions.append(
            Region(
                code=code,
                name=row["name"],
                level=level,
                parent_id=parent_code,
                path=paths[code],
                population=int(row["population"] or 0),
                population_is_estimate=level in ESTIMATED_POPULATION_LEVELS,
                area_km2=float(row["area_km2"] or 0),
                geometry=geometry,
                centroid_lon=round(centroid.x, 5) if centroid else None,
                centroid_lat=round(centroid.y, 5) if centroid else None,
            )
        )
    return regions


def load_regions(directory: Path = BUNDLED_REGIONS, progress: Callable[[int], None] | None = None) -> int:
    """Insert or update every region from `directory`, in one transaction; returns how many."""
    regions = build_regions(read_region_rows(directory), read_boundaries(directory))
    with transaction.atomic():
        for depth in range(len(regioncodes.LEVELS)):
            level = regioncodes.LEVELS[depth]
            batch = [region for region in regions if region.level == level]
            Region.objects.bulk_create(
                batch,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=UPDATED_FIELDS,
            )
            if progress:
                progress(len(batch))
        caching.bump(caching.REGIONS)
    return len(regions)
