"""The gridded population model: each county's census population spread over ~1 km cells.

Warning coverage (warnings/coverage.py), and any count of the people in an area, needs to know
how many people live where. The region data gives each county's census population and boundary,
and each township's and village's population (estimates, see core/data/xinzhou/SOURCES.md), but
no location below the county. The model:

1. A regular lon/lat grid over the region's counties, cells of `cell_km` (1 km: 0.0089932° of
   latitude × 0.0115553° of longitude at Xinzhou's middle latitude, 38.9°N); a cell belongs to the
   county whose boundary contains its centre (`areas.area_mask`).
2. Settlements of each county: its villages (or, without villages, its townships) with their
   populations. Where the region data gives their centroids, those are used. Where it does not
   (the bundled data), their places are drawn, deterministically from the county code: the
   county's cells are split into one compact zone per township (k-means on the cell centres),
   and each village of the township is put at a random point of its zone.
3. 95 % of the county's population is spread around its settlements with an exponential kernel
   exp(−d/λ), λ = 0.6 km × √(people / 1000) between 0.5 and 4 km (a village of 1,000 stays
   within a km or two, a town of 25,000 spreads over several); 5 % is a rural floor spread evenly
   over the county's cells (farmsteads, roads, mines).
4. People per cell are whole persons, rounded so that each county's cells add up to its census
   population exactly (largest remainders). Cells outside every county hold no one.

Each cell also gets the township of its nearest settlement and each village the cell of its
settlement, so that a warning area given as township or village codes has cells to measure.
The result is one `PopulationGrid` row per region (the city), its arrays stored as bytes.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from yingji.core import regioncodes
from yingji.core.errors import InvalidInput
from yingji.core.models import Region
from yingji.geography import areas
from yingji.geography.models import PopulationGrid

DEFAULT_REGION = "140900"
CELL_KM = 1.0
MIN_CELL_KM, MAX_CELL_KM = 0.2, 10.0
RURAL_FLOOR = 0.05
KERNEL_KM_PER_SQRT_THOUSAND = 0.6
KERNEL_KM_MIN, KERNEL_KM_MAX = 0.5, 4.0
KMEANS_ROUNDS = 12
SETTLEMENT_CHUNK = 64  # settlements per block of the (settlements × cells) distance matrix


@dataclass
class County:
    code: str
    population: int
    geometry: dict[str, Any]


@dataclass
class Place:
    """A township or village: its population, parent township and centroid if the data has one."""

    code: str
    level: str
    county: str
    township: str
    population: int
    lon: float | None = None
    lat: float | None = None


@dataclass
class Settlement:
    lon: float
    lat: float
    people: float
    township: str
    village: str = ""


@dataclass
class Model:
    """The arrays of a population grid, before they are stored."""

    grid: areas.Grid
    people: np.ndarray
    county_index: np.ndarray
    county_codes: list[str]
    township_index: np.ndarray
    township_codes: list[str]
    village_cells: dict[str, int] = field(default_factory=dict)
    synthetic_counties: list[str] = field(default_factory=list)


def _km_coordinates(lon: np.ndarray, lat: np.ndarray, lat0: float) -> np.ndarray:
    """Local equirectangular x/y in km (good to well under 1 % over a county)."""
    scale = areas.KM_PER_DEGREE
    return np.column_stack((lon * scale * math.cos(math.radians(lat0)), lat * scale))


def _kmeans(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k compact zones of `points` (n × 2): the label of each point, 0 … k−1 (deterministic given rng)."""
    centres = points[rng.choice(len(points), size=k, replace=False)]
    labels = np.zeros(len(points), dtype=np.int64)
    for _ in range(KMEANS_ROUNDS):
        distance = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        labels = distance.argmin(axis=1)
        counts = np.bincount(labels, minlength=k)
        for axis in (0, 1):
            sums = np.bincount(labels, weights=points[:, axis], minlength=k)
            centres[:, axis] = np.where(counts > 0, sums / np.maximum(counts, 1), centres[:, axis])
    return labels


def drawn_settlements(
    county: County, places: Sequence[Place], lon: np.ndarray, lat: np.ndarray, grid: areas.Grid
) -> list[Settlement]:
    """Settlements placed where the data has no centroids: a zone per township, villages inside it."""
    rng = np.random.default_rng(int(county.code))
    townships = sorted((p for p in places if p.level == regioncodes.TOWNSHIP), key=lambda p: p.code)
    villages: dict[str, list[Place]] = {}
    for place in sorted(places, key=lambda p: p.code):
        if place.level == regioncodes.VILLAGE:
            villages.setdefault(place.township, []).append(place)
    if not townships:
        return [Settlement(float(lon.mean()), float(lat.mean()), float(county.population), "")]
    points = _km_coordinates(lon, lat, float(lat.mean()))
    zones = min(len(townships), len(lon))
    labels = _kmeans(points, zones, rng)
    settlements = []
    for number, township in enumerate(townships):
        zone = np.flatnonzero(labels == number) if number < zones else np.empty(0, np.int64)
        if len(zone) == 0:
            zone = np.array([rng.integers(len(lon))])
        members = villages.get(township.code, [])
        for village in members:
            cell = zone[rng.integers(len(zone))]
            settlements.append(
                Settlement(
                    float(lon[cell] + rng.uniform(-0.5, 0.5) * grid.cell_lon),
                    float(lat[cell] + rng.uniform(-0.5, 0.5) * grid.cell_lat),
                    float(village.population),
                    township.code,
                    village.code,
                )
            )
        rest = township.population - sum(v.population for v in members)
        if rest > 0:
            centre = zone[np.argmin(((points[zone] - points[zone].mean(axis=0)) ** 2).sum(axis=1))]
            settlements.append(Settlement(float(lon[centre]), float(lat[centre]), float(rest), township.code))
    return settlements


def located_settlements(places: Sequence[Place]) -> list[Settlement]:
    """Settlements from the data's own centroids: villages where any has one, else townships."""
    villages = [p for p in places if p.level == regioncodes.VILLAGE and p.lon is not None]
    chosen = villages or [p for p in places if p.level == regioncodes.TOWNSHIP and p.lon is not None]
    return [
        Settlement(
            float(p.lon),  # type: ignore[arg-type]
            float(p.lat),  # type: ignore[arg-type]
            float(p.population),
            p.township,
            p.code if p.level == regioncodes.VILLAGE else "",
        )
        for p in chosen
    ]


def spread(
    settlements: Sequence[Settlement], lon: np.ndarray, lat: np.ndarray, population: int
) -> tuple[np.ndarray, np.ndarray]:
    """Whole persons per cell adding up to `population`, and each cell's nearest settlement (index)."""
    cells = len(lon)
    weights = np.zeros(cells)
    nearest = np.full(cells, -1, dtype=np.int64)
    nearest_distance = np.full(cells, np.inf)
    points = _km_coordinates(lon, lat, float(lat.mean()))
    for start in range(0, len(settlements), SETTLEMENT_CHUNK):
        chunk = settlements[start : start + SETTLEMENT_CHUNK]
        where = _km_coordinates(
            np.array([s.lon for s in chunk]), np.array([s.lat for s in chunk]), float(lat.mean())
        )
        people = np.array([s.people for s in chunk])
        distance = np.sqrt(((where[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
        reach = np.clip(KERNEL_KM_PER_SQRT_THOUSAND * np.sqrt(people / 1000), KERNEL_KM_MIN, KERNEL_KM_MAX)
        kernel = np.exp(-distance / reach[:, None])
        kernel /= kernel.sum(axis=1, keepdims=True)
        weights += (people[:, None] * kernel).sum(axis=0)
        closest = distance.argmin(axis=0)
        closer = distance[closest, np.arange(cells)] < nearest_distance
        nearest[closer] = start + closest[closer]
        nearest_distance[closer] = distance[closest, np.arange(cells)][closer]
    total = weights.sum()
    share = weights / total if total > 0 else np.full(cells, 1 / cells)
    expected = population * ((1 - RURAL_FLOOR) * share + RURAL_FLOOR / cells)
    whole = np.floor(expected)
    missing = int(population - whole.sum())
    if missing > 0:
        whole[np.argsort(-(expected - whole), kind="stable")[:missing]] += 1
    return whole, nearest


def build_model(grid: areas.Grid, counties: Sequence[County], places: Sequence[Place]) -> Model:
    """The population grid of `counties` (ordered by code) on `grid`: pure computation, no database."""
    county_index = np.full(grid.size, -1, dtype=np.int32)
    for number, county in enumerate(counties):
        inside = areas.area_mask(grid, [county.geometry]).ravel() & (county_index < 0)
        if not inside.any():
            # A county smaller than a cell: it gets the cell that holds a point inside it.
            point = shape(county.geometry).representative_point()
            cell = int(grid.cell_of(point.x, point.y))
            inside = np.zeros(grid.size, dtype=bool)
            if cell >= 0:
                inside[cell] = True
        county_index[inside] = number
    people = np.zeros(grid.size, dtype=np.float64)
    township_codes = sorted({p.code for p in places if p.level == regioncodes.TOWNSHIP})
    township_number = {code: number for number, code in enumerate(township_codes)}
    township_index = np.full(grid.size, -1, dtype=np.int32)
    village_cells: dict[str, int] = {}
    synthetic = []
    by_county: dict[str, list[Place]] = {}
    for place in places:
        by_county.setdefault(place.county, []).append(place)
    for number, county in enumerate(counties):
        cells = np.flatnonzero(county_index == number)
        if len(cells) == 0:
            continue
        lon, lat = grid.centre_of(cells)
        mine = by_county.get(county.code, [])
        settlements = located_settlements(mine)
        if not settlements:
            settlements = drawn_settlements(county, mine, lon, lat, grid)
            synthetic.append(county.code)
        whole, nearest = spread(settlements, lon, lat, county.population)
        people[cells] = whole
        townships = np.array([township_number.get(s.township, -1) for s in settlements], dtype=np.int32)
        township_index[cells] = np.where(nearest >= 0, townships[np.maximum(nearest, 0)], -1)
        for settlement in settlements:
            if settlement.village:
                village_cells[settlement.village] = int(grid.cell_of(settlement.lon, settlement.lat))
    return Model(
        grid=grid,
        people=people.astype(np.float32),
        county_index=county_index,
        county_codes=[county.code for county in counties],
        township_index=township_index,
        township_codes=township_codes,
        village_cells=village_cells,
        synthetic_counties=synthetic,
    )


def describe(model: Model, cell_km: float) -> str:
    """The method, as stored with the grid (PopulationGrid.method)."""
    grid = model.grid
    drawn = (
        f"{len(model.synthetic_counties)} 个县（市、区）的区划数据没有乡镇、村的位置，"
        "其居民点位置按县代码确定性生成（按乡镇数把县内网格聚成紧凑的片区，每村随机落在本乡镇片区内）；"
        if model.synthetic_counties
        else "居民点位置取自区划数据中乡镇、村的中心点；"
    )
    return (
        f"约 {cell_km:g} 千米网格（纬向 {grid.cell_lat:.7f}°、经向 {grid.cell_lon:.7f}°，"
        f"{grid.rows} 行 × {grid.cols} 列），网格中心落在哪个县（市、区）边界内即归该县。"
        f"各县常住人口（第七次人口普查）按居民点分布：{drawn}"
        f"{100 * (1 - RURAL_FLOOR):g}% 的人口以各村（乡镇）人口为权重、按指数核 exp(−d/λ) 分布在居民点周围"
        f"（λ = {KERNEL_KM_PER_SQRT_THOUSAND:g} 千米 × √(人口/1000)，"
        f"限 {KERNEL_KM_MIN:g}–{KERNEL_KM_MAX:g} 千米），"
        f"{100 * RURAL_FLOOR:g}% 作为农村散居人口均匀分布在全县网格；每格取整人，各县合计等于普查人口。"
    )


# Building and loading ----------------------------------------------------------------------------


def _places_below(region: Region) -> list[Place]:
    rows = Region.objects.filter(
        path__startswith=region.path, level__in=(regioncodes.TOWNSHIP, regioncodes.VILLAGE)
    ).values_list("code", "level", "path", "population", "centroid_lon", "centroid_lat")
    places = []
    for code, level, path, population, lon, lat in rows:
        codes = regioncodes.codes_in_path(path)
        county = next((c for c in codes if regioncodes.level_of(c) == regioncodes.COUNTY), "")
        township = next((c for c in codes if regioncodes.level_of(c) == regioncodes.TOWNSHIP), "")
        places.append(Place(code, level, county, township, population, lon, lat))
    return places


def build_grid(region_code: str = DEFAULT_REGION, cell_km: float = CELL_KM) -> PopulationGrid:
    """Build (or rebuild, replacing) the population grid of a city or county from the region data."""
    if not (MIN_CELL_KM <= cell_km <= MAX_CELL_KM):
        raise InvalidInput(
            f"网格边长应在 {MIN_CELL_KM:g}–{MAX_CELL_KM:g} 千米之间 / cell_km must be "
            f"{MIN_CELL_KM:g}–{MAX_CELL_KM:g}",
            details={"field": "cell_km"},
        )
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise InvalidInput(
            f"未知的行政区划代码 {region_code} / Unknown region code {region_code}",
            details={"field": "region"},
        )
    rows = Region.objects.filter(path__startswith=region.path, level=regioncodes.COUNTY).order_by("code")
    counties = [
        County(code, population, geometry)
        for code, population, geometry in rows.values_list("code", "population", "geometry")
        if geometry
    ]
    if not counties:
        raise InvalidInput(
            f"{region.name} 没有县级边界数据 / {region_code} has no county boundaries",
            details={"field": "region"},
        )
    boxes = np.array([shape(county.geometry).bounds for county in counties])
    bounds = (boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max())
    model = build_model(areas.grid_over(bounds, cell_km), counties, _places_below(region))
    grid = model.grid
    values = {
        "west": grid.west,
        "south": grid.south,
        "cell_lon": grid.cell_lon,
        "cell_lat": grid.cell_lat,
        "rows": grid.rows,
        "cols": grid.cols,
        "county_codes": model.county_codes,
        "people": model.people.astype("<f4").tobytes(),
        "county_index": model.county_index.astype("<i4").tobytes(),
        "township_codes": model.township_codes,
        "township_index": model.township_index.astype("<i4").tobytes(),
        "village_cells": model.village_cells,
        "total_people": float(model.people.sum(dtype=np.float64)),
        "method": describe(model, cell_km),
        "built_at": timezone.now(),
    }
    with transaction.atomic():
        stored, _ = PopulationGrid.objects.update_or_create(region=region, defaults=values)
    return stored


@dataclass(frozen=True)
class LoadedGrid:
    """A stored population grid as numpy arrays (flat, one value per cell, cell = row * cols + col)."""

    region_code: str
    built_at: datetime
    grid: areas.Grid
    people: np.ndarray
    county_index: np.ndarray
    county_codes: list[str]
    township_index: np.ndarray
    township_codes: list[str]
    village_cells: dict[str, int]
    method: str

    def county_number(self, code: str) -> int:
        """The index of county `code` in `county_codes`, −1 if the grid has no such county."""
        return self.county_codes.index(code) if code in self.county_codes else -1

    def township_number(self, code: str) -> int:
        return self.township_codes.index(code) if code in self.township_codes else -1

    def cells_of_counties(self, codes: Collection[str]) -> np.ndarray:
        """Which cells belong to one of the counties `codes` (flat bool array): a region's cells, for
        clipping an area to it."""
        numbers = [number for number, code in enumerate(self.county_codes) if code in codes]
        return np.isin(self.county_index, numbers)


_loaded: dict[str, LoadedGrid] = {}
_loading = threading.Lock()


def _from_row(row: PopulationGrid) -> LoadedGrid:
    size = row.rows * row.cols
    townships = bytes(row.township_index)
    return LoadedGrid(
        region_code=row.region_id,
        built_at=row.built_at,
        grid=areas.Grid(row.west, row.south, row.cell_lon, row.cell_lat, row.rows, row.cols),
        people=np.frombuffer(bytes(row.people), dtype="<f4"),
        county_index=np.frombuffer(bytes(row.county_index), dtype="<i4"),
        county_codes=list(row.county_codes),
        township_index=(
            np.frombuffer(townships, dtype="<i4") if townships else np.full(size, -1, dtype=np.int32)
        ),
        township_codes=list(row.township_codes),
        village_cells=dict(row.village_cells),
        method=row.method,
    )


def load_grid(region: Region | str = DEFAULT_REGION) -> LoadedGrid | None:
    """The population grid that covers `region` (its own or its nearest ancestor's), None if none built.

    Kept in memory per process; one small query checks `built_at`, so a rebuild is seen at once.
    """
    if isinstance(region, str):
        found = Region.objects.filter(code=region).values_list("path", flat=True).first()
        if found is None:
            return None
        path = found
    else:
        path = region.path
    codes = regioncodes.codes_in_path(path)
    stamps = dict(PopulationGrid.objects.filter(region_id__in=codes).values_list("region_id", "built_at"))
    owner = next((code for code in reversed(codes) if code in stamps), None)
    if owner is None:
        return None
    cached = _loaded.get(owner)
    if cached is not None and cached.built_at == stamps[owner]:
        return cached
    with _loading:
        row = PopulationGrid.objects.filter(region_id=owner).first()
        if row is None:
            return None
        loaded = _from_row(row)
        _loaded[owner] = loaded
    return loaded


def sample_locations(
    loaded: LoadedGrid, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`count` random lon/lat points where people live (cells drawn by population, uniform inside a cell).

    For demo data and benchmarks: subscribers and loudspeakers placed the way people are.
    """
    weights = loaded.people.astype(np.float64)
    cells = rng.choice(loaded.grid.size, size=count, p=weights / weights.sum())
    lon, lat = loaded.grid.centre_of(cells)
    lon = lon + rng.uniform(-0.5, 0.5, count) * loaded.grid.cell_lon
    lat = lat + rng.uniform(-0.5, 0.5, count) * loaded.grid.cell_lat
    return lon, lat


def people_within_km(
    loaded: LoadedGrid, lon: float, lat: float, radii_km: Sequence[float]
) -> dict[float, int]:
    """How many people live within each radius of a point (cells whose centre lies in the circle).

    For the command domain's first look at a chemical incident: the population within 1, 3 and 5 km.
    """
    found = {}
    for radius in radii_km:
        mask = areas.area_mask(loaded.grid, areas.Area([], [areas.Circle(lon, lat, float(radius))])).ravel()
        found[radius] = round(float(loaded.people[mask].sum()))
    return found
