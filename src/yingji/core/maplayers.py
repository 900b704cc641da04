"""The core layers of the 一张图 map: county boundaries (the offline base layer) and population density."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_noop

from yingji.core import regioncodes
from yingji.core.models import Region
from yingji.core.registry import MapLayer, register_map_layer
from yingji.core.scoping import scope_for

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


def region_features(user: Any, parent_code: str, *, density: bool = False) -> dict[str, Any]:
    """A FeatureCollection of the children of `parent_code` that have boundaries."""
    scope = scope_for(user)
    regions = Region.objects.filter(parent_id=parent_code, geometry__isnull=False).order_by("code")
    features = []
    for region in regions:
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
            "url": reverse("core:region", args=[region.code]) if scope.covers_region(region) else None,
        }
        features.append({"type": "Feature", "geometry": region.geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def city_code_for(user: Any) -> str:
    """The city whose counties the map shows: the user's own city, else the first city loaded."""
    if getattr(user, "is_authenticated", False):
        for code in regioncodes.codes_in_path(user.region.path):
            if regioncodes.level_of(code) == regioncodes.CITY:
                return code
    first_city = (
        Region.objects.filter(level=regioncodes.CITY).order_by("code").values_list("code", flat=True).first()
    )
    return first_city or ""


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
        )
    )
