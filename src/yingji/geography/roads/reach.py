"""Who can be reached in time: by road from any set of origins, and by air from helipads.

Both measure the population grid (geography/population.py): each cell of a county counts as reached
when its centre is. By road, one multi-source search from all origins (RoadNetwork.minutes_to) gives
every cell its minutes; by air, the straight line at the cruise speed after the dispatch delay (the
plan's one-hour aviation rescue). The cells of each time band are merged into polygons (a
coverage union of the cells, simplified) for a map layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from shapely.geometry import mapping

from yingji.core.errors import InvalidInput
from yingji.core.models import Region
from yingji.geography import areas, population
from yingji.geography.roads.graph import Point, RoadNetwork, haversine_km, points_array
from yingji.geography.roads.store import network as current_network

BANDS = (15, 30, 60)
COORDINATE_DECIMALS = 5
HELIPAD_CHUNK = 64  # helipads per block of the (helipads × cells) distance matrix


def _grid(region: str) -> tuple[population.LoadedGrid, np.ndarray]:
    loaded = population.load_grid(region)
    if loaded is None:
        raise InvalidInput(
            "尚未生成人口网格，请先运行 yingji population-grid build / "
            "No population grid: run `yingji population-grid build` first",
            code="no_population_grid",
        )
    cells = np.flatnonzero(loaded.county_index >= 0)
    return loaded, cells


def _county_names(codes: Sequence[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def cells_polygon(grid: areas.Grid, cells: np.ndarray) -> dict[str, Any] | None:
    """The GeoJSON (Multi)Polygon covering `cells`, simplified to half a cell; None for no cells."""
    if len(cells) == 0:
        return None
    row, col = np.divmod(np.sort(cells), grid.cols)
    # Cells of one grid share their edges exactly (the same sums give the same floats): a coverage,
    # which GEOS merges far faster than a general union of overlapping shapes.
    west = grid.west + col * grid.cell_lon
    east = grid.west + (col + 1) * grid.cell_lon
    south = grid.south + row * grid.cell_lat
    north = grid.south + (row + 1) * grid.cell_lat
    union = shapely.coverage_union_all(shapely.box(west, south, east, north))
    simple = shapely.set_precision(
        union.simplify(min(grid.cell_lon, grid.cell_lat) / 2, preserve_topology=True),
        10.0**-COORDINATE_DECIMALS,
    )
    return dict(mapping(simple))


def _shares(people: float, total: float) -> float:
    return round(people / total, 4) if total > 0 else 0.0


def minutes_to_cells(
    origins: Sequence[Point] | np.ndarray,
    limit_minutes: float | None = None,
    *,
    network: RoadNetwork | None = None,
    region: str = population.DEFAULT_REGION,
) -> tuple[population.LoadedGrid, np.ndarray, np.ndarray]:
    """Road minutes from the nearest of `origins` to every populated-area cell of the grid (one
    multi-source search): the grid, the cells (indices of cells inside a county) and their minutes
    (inf where beyond `limit_minutes`)."""
    net = network if network is not None else current_network()
    loaded, cells = _grid(region)
    lon, lat = loaded.grid.centre_of(cells)
    return loaded, cells, net.minutes_to(origins, np.column_stack((lon, lat)), limit_minutes=limit_minutes)


def population_within(
    origins: Sequence[Point] | np.ndarray,
    minutes: Sequence[float] = BANDS,
    *,
    network: RoadNetwork | None = None,
    region: str = population.DEFAULT_REGION,
    isochrones: bool = True,
) -> dict[str, Any]:
    """The people within each of `minutes` by road of the nearest origin: in total and per county,
    the cells reached (indices into the grid) and, if `isochrones`, one polygon per band (the cells
    reached in that band and not in the one before) as a GeoJSON FeatureCollection."""
    bands = sorted({float(m) for m in minutes})
    if not bands or bands[0] <= 0:
        raise InvalidInput("时间段应为正数 / Time bands must be positive", details={"field": "minutes"})
    net = network if network is not None else current_network()
    loaded, cells, times = minutes_to_cells(origins, bands[-1], network=net, region=region)
    people = loaded.people[cells].astype(np.float64)
    county = loaded.county_index[cells]
    codes = loaded.county_codes
    names = _county_names(codes)
    total = float(people.sum())
    county_totals = np.bincount(county, weights=people, minlength=len(codes))
    result: dict[str, Any] = {
        "network": net.name,
        "origins": len(points_array(origins)),
        "minutes": bands,
        "people": int(total),
        "bands": [],
        "counties": [],
    }
    per_county = []
    previous = np.zeros(len(cells), dtype=bool)
    features = []
    for band in bands:
        inside = times <= band
        reached = float(people[inside].sum())
        county_reached = np.bincount(county[inside], weights=people[inside], minlength=len(codes))
        per_county.append(county_reached)
        result["bands"].append(
            {
                "minutes": band,
                "people": int(reached),
                "share": _shares(reached, total),
                "cells": cells[inside].tolist(),
            }
        )
        if isochrones:
            ring = inside & ~previous
            geometry = cells_polygon(loaded.grid, cells[ring])
            if geometry is not None:
                features.append(
                    {
                        "type": "Feature",
                        "properties": {
                            "minutes": band,
                            "from_minutes": bands[bands.index(band) - 1] if band != bands[0] else 0,
                            "people": int(people[ring].sum()),
                        },
                        "geometry": geometry,
                    }
                )
        previous = inside
    for number, code in enumerate(codes):
        county_total = float(county_totals[number])
        result["counties"].append(
            {
                "code": code,
                "name": names.get(code, code),
                "people": int(county_total),
                "within": [int(reached[number]) for reached in per_county],
                "share": [_shares(float(reached[number]), county_total) for reached in per_county],
            }
        )
    if isochrones:
        result["isochrones"] = {"type": "FeatureCollection", "features": features}
    return result


def air_minutes(
    helipads: np.ndarray, lon: np.ndarray, lat: np.ndarray, cruise_kmh: float, dispatch_delay_min: float
) -> np.ndarray:
    """Minutes from the nearest helipad to each point: the delay, then the straight line at cruise speed."""
    best = np.full(len(lon), np.inf)
    for start in range(0, len(helipads), HELIPAD_CHUNK):
        chunk = helipads[start : start + HELIPAD_CHUNK]
        km = haversine_km(chunk[:, 0:1], chunk[:, 1:2], lon[None, :], lat[None, :]).min(axis=0)
        best = np.minimum(best, km)
    return dispatch_delay_min + best / cruise_kmh * 60.0


def air_reach(
    helipads: Sequence[Point] | np.ndarray,
    cruise_kmh: float | None = None,
    dispatch_delay_min: float | None = None,
    within_minutes: float = 60,
    *,
    region: str = population.DEFAULT_REGION,
) -> dict[str, Any]:
    """The plan's one-hour aviation rescue: the share of people a helicopter from the nearest helipad
    reaches within `within_minutes` (after the dispatch delay, straight line at the cruise speed), per
    county, and the gaps (populated cells not reached) as GeoJSON."""
    cruise = settings.ROADS_AIR_CRUISE_KMH if cruise_kmh is None else float(cruise_kmh)
    delay = settings.ROADS_AIR_DISPATCH_MINUTES if dispatch_delay_min is None else float(dispatch_delay_min)
    if not (cruise > 0 and delay >= 0 and within_minutes > 0):
        raise InvalidInput(
            "巡航速度、出动准备时间和时限应为正数 / "
            "Cruise speed, dispatch delay and time limit must be positive"
        )
    pads = points_array(helipads)
    loaded, cells = _grid(region)
    lon, lat = loaded.grid.centre_of(cells)
    times = air_minutes(pads, lon, lat, cruise, delay) if len(pads) else np.full(len(cells), np.inf)
    people = loaded.people[cells].astype(np.float64)
    county = loaded.county_index[cells]
    codes = loaded.county_codes
    names = _county_names(codes)
    inside = times <= within_minutes
    total = float(people.sum())
    reached = float(people[inside].sum())
    county_totals = np.bincount(county, weights=people, minlength=len(codes))
    county_reached = np.bincount(county[inside], weights=people[inside], minlength=len(codes))
    gaps = ~inside & (people > 0)
    geometry = cells_polygon(loaded.grid, cells[gaps])
    return {
        "helipads": len(pads),
        "cruise_kmh": cruise,
        "dispatch_delay_min": delay,
        "within_minutes": float(within_minutes),
        "people": int(total),
        "reached": int(reached),
        "share": _shares(reached, total),
        "counties": [
            {
                "code": code,
                "name": names.get(code, code),
                "people": int(county_totals[number]),
                "reached": int(county_reached[number]),
                "share": _shares(float(county_reached[number]), float(county_totals[number])),
            }
            for number, code in enumerate(codes)
        ],
        "gap_people": int(people[gaps].sum()),
        "gaps": {
            "type": "FeatureCollection",
            "features": []
            if geometry is None
            else [
                {"type": "Feature", "properties": {"people": int(people[gaps].sum())}, "geometry": geometry}
            ],
        },
    }
