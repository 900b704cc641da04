"""The core layers of the 一张图 map: county boundaries (the offline base layer) and population density,
and where the map opens for each user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from django.urls import reverse
from django.utils.translation import gettext_noop
from shapely.geometry import shape

from yingji.core import caching, regioncodes, roles
from yingji.core.models import Region
from yingji.core.registry import MapLayer, map_focus_for, register_map_layer
from yingji.core.scoping import scope_for

# How close the map opens on a user whose work is at one place (an enterprise): a few kilometres across.
FOCUS_ZOOM = 14

# Persons per km², upper bounds of each class, with a sequential palette light → dark.
DENSITY_CLASSES = [
    (50, "#fde0c5"),
    (100, "#facba6"),
    (200, "#f59e72"),
    (400, "#e8704e"),
    (float("inf"), "#c33c2d"),
]


def density_color(persons_per_km2: float) -> str:
    """The fill color of a density class."""
    return next(color for bound, color in DENSITY_CLASSES if persons_per_km2 < bound)


def density_legend() -> list[tuple[str, str]]:
    legend, lower = [], 0
    for bound, color in DENSITY_CLASSES:
        label = f"≥ {lower} 人/km²" if bound == float("inf") else f"{lower}–{int(bound)} 人/km²"
        legend.append((color, label))
        lower = int(bound) if bound != float("inf") else lower
    return legend


@dataclass(frozen=True)
class Boundary:
    """A region that has a boundary, with its GeoJSON geometry already encoded as JSON."""

    code: str
    name: str
    path: str
    population: int
    area_km2: float
    geometry: bytes


# West, south, east, north in degrees.
Bounds = tuple[float, float, float, float]


@dataclass(frozen=True)
class Boundaries:
    """What the region layers draw: every region with a boundary, by parent, and the first city loaded.

    `bounds` has the extent of every region with a boundary and of every parent of such regions
    (the union of its children's: the city, whose own outline is not loaded).
    """

    first_city: str
    by_parent: dict[str, list[Boundary]]
    bounds: dict[str, Bounds]


def boundaries() -> Boundaries:
    """The regions' boundaries, read and encoded once per process for each state of the regions.

    Decoding and re-encoding the ~85 KB of county boundaries was most of a layer request's cost;
    regions change only through the loader, which renews the stamp this is keyed on.
    """
    return caching.per_process(
        "core.maplayers.boundaries", caching.of_stamp(caching.REGIONS), _load_boundaries
    )


def _load_boundaries() -> Boundaries:
    by_parent: dict[str, list[Boundary]] = {}
    bounds: dict[str, Bounds] = {}
    rows = (
        Region.objects.filter(geometry__isnull=False, parent__isnull=False)
        .order_by("code")
        .values_list("parent_id", "code", "name", "path", "population", "area_km2", "geometry")
    )
    for parent, code, name, path, population, area_km2, geometry in rows:
        boundary = Boundary(code, name, path, population, area_km2, orjson.dumps(geometry))
        by_parent.setdefault(parent, []).append(boundary)
        bounds[code] = shape(geometry).bounds
    for parent, children in by_parent.items():
        if parent not in bounds:  # a parent with an outline of its own keeps it
            bounds[parent] = _union([bounds[child.code] for child in children])
    first_city = (
        Region.objects.filter(level=regioncodes.CITY).order_by("code").values_list("code", flat=True).first()
    )
    return Boundaries(first_city or "", by_parent, bounds)


def _union(extents: list[Bounds]) -> Bounds:
    west, south, east, north = zip(*extents, strict=True)
    return (min(west), min(south), max(east), max(north))


def start_view(user: Any) -> dict[str, Any]:
    """Where the 一张图 opens for a user, as Leaflet wants it.

    An enterprise officer's enterprise (a registered map focus) up close; otherwise the extent of the
    user's region, or of the nearest region above it that has a boundary (a township user sees
    their county; a city user the whole city).
    """
    focus = map_focus_for(user)
    if focus is not None:
        longitude, latitude = focus
        return {"center": [latitude, longitude], "zoom": FOCUS_ZOOM}
    layer = boundaries()
    codes = regioncodes.codes_in_path(user.region.path) if getattr(user, "is_authenticated", False) else []
    for code in [*reversed(codes), layer.first_city]:
        if code in layer.bounds:
            west, south, east, north = layer.bounds[code]
            return {"bounds": [[south, west], [north, east]]}
    return {"center": [35.0, 105.0], "zoom": 4}  # no boundaries loaded: the whole country


def region_features(user: Any, *, density: bool = False) -> dict[str, Any]:
    """The counties of the user's city (see `city_code_for`) as a FeatureCollection, for orjson.

    Geometries are `orjson.Fragment`s of the encoded boundaries; only the links depend on the user:
    a region the user's scope covers links its page.
    """
    scope = scope_for(user)
    layer = boundaries()
    features = []
    for region in layer.by_parent.get(city_code_for(user, layer.first_city), []):
        per_km2 = region.population / region.area_km2 if region.area_km2 else 0.0
        style: dict[str, Any] = {
            "color": "#3b5b7a",
            "weight": 1.5,
            "fillColor": "#eef3f8",
            "fillOpacity": 0.6,
        }
        if density:
            style = {
                "color": "#ffffff",
                "weight": 1,
                "fillColor": density_color(per_km2),
                "fillOpacity": 0.75,
            }
        properties = {
            "code": region.code,
            "name": region.name,
            "label": region.name if not density else None,
            "popup": [
                region.name,
                f"常住人口 {region.population:,} 人",
                f"面积 {region.area_km2:,.1f} km²",
                f"人口密度 {per_km2:,.0f} 人/km²",
            ],
            "style": style,
            "url": reverse("core:region", args=[region.code]) if scope.covers_path(region.path) else None,
        }
        features.append(
            {"type": "Feature", "geometry": orjson.Fragment(region.geometry), "properties": properties}
        )
    return {"type": "FeatureCollection", "features": features}


def city_code_for(user: Any, first_city: str) -> str:
    """The city whose counties the map shows: the user's own city, else the first city loaded."""
    if getattr(user, "is_authenticated", False):
        for code in regioncodes.codes_in_path(user.region.path):
            if regioncodes.level_of(code) == regioncodes.CITY:
                return code
    return first_city


def register_core_layers() -> None:
    register_map_layer(
        MapLayer(
            key="counties",
            title=gettext_noop("县级行政区"),
            url_name="api:map_counties",
            visible_by_default=True,
            order=0,
        )
    )
    register_map_layer(
        MapLayer(
            key="population_density",
            title=gettext_noop("人口密度"),
            url_name="api:map_population_density",
            legend=density_legend(),
            order=10,
            on_for_roles=frozenset({roles.DISASTER_REPORTER}),
        )
    )
