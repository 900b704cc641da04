"""Extension points that later domains plug into: county dashboard counts and 一张图 map layers.

A domain registers its counts and layers in its AppConfig.ready(); the home dashboard, the
`/api/v1/dashboard/counties` endpoint and the map page then show them without further wiring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from yingji.core import caching, regioncodes

# In a path "140000/140900/140902/…" the county code sits at characters 15–20 (1-based).
_COUNTY_IN_PATH = (15, 6)

CountFunction = Callable[[Any], dict[str, int]]


@dataclass(frozen=True)
class CountyCount:
    """One column of the per-county dashboard: a label and a function user → {county code: n}."""

    key: str
    label: str
    count: CountFunction


@dataclass(frozen=True)
class MapLayer:
    """A layer of the 一张图 map: a GeoJSON endpoint whose features carry their own style and popup."""

    key: str
    title: str
    url_name: str
    visible_by_default: bool = False
    legend: list[tuple[str, str]] = field(default_factory=list)
    is_available: Callable[[Any], bool] = lambda user: True
    order: int = 100

    def as_config(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": gettext(self.title),
            "url": reverse(self.url_name),
            "visible": self.visible_by_default,
            "legend": [{"color": color, "label": label} for color, label in self.legend],
        }


@dataclass(frozen=True)
class NavItem:
    """An entry of the top navigation: a URL name, its label and who sees it."""

    url_name: str
    label: str
    is_available: Callable[[Any], bool] = lambda user: True
    order: int = 100


_nav_items: dict[str, NavItem] = {}
_county_counts: dict[str, CountyCount] = {}
_map_layers: dict[str, MapLayer] = {}


def register_county_count(key: str, label: str) -> Callable[[CountFunction], CountFunction]:
    """Add a column to the county dashboard: `fn(user)` → {county code: n}.

    The dashboard keeps counts per role, region and organization (`county_counts`), so `fn` may
    depend on nothing else of the user.
    """

    def decorator(function: CountFunction) -> CountFunction:
        _county_counts[key] = CountyCount(key, label, function)
        return function

    return decorator


def register_nav_item(item: NavItem) -> None:
    _nav_items[item.url_name] = item


def nav_items_for(user: Any) -> list[NavItem]:
    return sorted(
        (item for item in _nav_items.values() if item.is_available(user)), key=lambda item: item.order
    )


def register_map_layer(layer: MapLayer) -> None:
    _map_layers[layer.key] = layer


def county_count_columns() -> list[CountyCount]:
    return list(_county_counts.values())


def map_layers_for(user: Any) -> list[MapLayer]:
    return sorted(
        (layer for layer in _map_layers.values() if layer.is_available(user)), key=lambda layer: layer.order
    )


def count_by_county(queryset: QuerySet, path_field: str = "region__path") -> dict[str, int]:
    """{county code: number of records} for a queryset, in one GROUP BY on the region path."""
    start, length = _COUNTY_IN_PATH
    rows = (
        queryset.order_by()
        .annotate(county=Substr(path_field, start, length))
        .values("county")
        .annotate(n=Count("pk"))
        .values_list("county", "n")
    )
    return {county: n for county, n in rows if county}


def counties_for(user: Any) -> QuerySet:
    """The counties a user works in or above: all of them for the city, one for a county user."""
    from yingji.core.models import Region

    if not getattr(user, "is_authenticated", False):
        return Region.objects.none()
    path = user.region.path
    counties = Region.objects.filter(level=regioncodes.COUNTY)
    if user.region.level in (regioncodes.PROVINCE, regioncodes.CITY):
        return counties.filter(path__startswith=path)
    county_codes = [
        code for code in regioncodes.codes_in_path(path) if regioncodes.level_of(code) == regioncodes.COUNTY
    ]
    return counties.filter(code__in=county_codes)


@dataclass(frozen=True)
class CountyCounts:
    """The county dashboard's rows, one per county the user may see, and when they were counted."""

    rows: list[dict[str, Any]]
    counted_at: datetime


def county_counts(user: Any) -> CountyCounts:
    """The county dashboard for a user, counted at most `COUNTY_COUNTS_MAX_AGE` seconds ago.

    One count is a `GROUP BY` per registered column, tens of milliseconds in all, and a red warning
    brings a city's staff onto the dashboard at once; so the counts are kept that long, per scope:
    the role, region and organization that are all a count function may depend on.
    """
    max_age = settings.COUNTY_COUNTS_MAX_AGE
    if max_age <= 0:
        return _count_counties(user)
    return caching.cached(
        lambda: ("core.county_counts", *_scope_key(user)), lambda: _count_counties(user), seconds=max_age
    )


def _scope_key(user: Any) -> tuple[Any, ...]:
    if not getattr(user, "is_authenticated", False):
        return ("anonymous",)
    return (user.is_active, user.role, user.region_id, user.organization_id)


def _count_counties(user: Any) -> CountyCounts:
    counted_at = timezone.now()
    counties = list(counties_for(user).only("code", "name", "population", "area_km2").order_by("code"))
    columns = {column.key: column.count(user) for column in county_count_columns()}
    rows = [
        {
            "region_code": county.code,
            "name": county.name,
            "population": county.population,
            "area_km2": county.area_km2,
            "counts": {key: values.get(county.code, 0) for key, values in columns.items()},
        }
        for county in counties
    ]
    return CountyCounts(rows, counted_at)
