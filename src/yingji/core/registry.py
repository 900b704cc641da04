"""Extension points that later domains plug into: lists and the figures that count them, home items,
county counts, map layers and navigation.

A domain registers them in its AppConfig.ready(); the home page, the region pages, the
`/api/v1/dashboard/counties` endpoint and the map page then show them without further wiring.

Every figure the platform shows about a list (a home item, a county column) names that list with a
`ListLink`: the list page and the very function that list applies to its query string. The figure is
that function's count, so a figure and the list it links to cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from yingji.core import caching, regioncodes

# In a path "140000/140900/140902/…" the county code sits at characters 15–20 (1-based).
_COUNTY_IN_PATH = (15, 6)

ListFilter = Callable[[Any, Mapping[str, str]], QuerySet]


@dataclass(frozen=True)
class ListLink:
    """A list page filtered by `params`, and the function the page itself filters with.

    `records(user, params)` must be what the list view calls with its query string: the records the
    user may see (`visible_to`) narrowed by the parameters it understands, ignoring the others.
    """

    url_name: str
    records: ListFilter
    params: tuple[tuple[str, str], ...] = ()

    def queryset(self, user: Any, **more: str) -> QuerySet:
        return self.records(user, {**dict(self.params), **more})

    def count(self, user: Any, **more: str) -> int:
        return self.queryset(user, **more).count()

    def url(self, **more: str) -> str:
        query = urlencode({**dict(self.params), **more})
        return reverse(self.url_name) + (f"?{query}" if query else "")


# user → (longitude, latitude) of the one place the user works at, or None.
MapFocus = Callable[[Any], "tuple[float, float] | None"]


@dataclass(frozen=True)
class CountyCount:
    """One column of the county table: what it counts, per county and in all.

    `records(user)` are the records counted (or, with `link`, the list's own records); the county of
    each is read from `path_field`, and the list narrowed to one county with `county_param`.
    """

    key: str
    label: str
    link: ListLink | None = None
    records: Callable[[Any], QuerySet] | None = None
    path_field: str = "region__path"
    county_param: str = "county"

    def queryset(self, user: Any) -> QuerySet:
        if self.link is not None:
            return self.link.queryset(user)
        assert self.records is not None, f"county count {self.key} counts nothing"
        return self.records(user)

    def count(self, user: Any) -> dict[str, int]:
        """{county code: n}: the records that lie in each county (none for records of the city itself)."""
        return count_by_county(self.queryset(user), self.path_field)

    def total(self, user: Any) -> int:
        """Every record the user may see, the list's total: the counties' and the city's own."""
        return self.queryset(user).count()

    def url(self, county: str | None = None) -> str:
        if self.link is None:
            return ""
        return self.link.url(**({self.county_param: county} if county else {}))


ACT, WATCH = "act", "watch"


@dataclass(frozen=True)
class HomeRow:
    """A record shown under a home item: what it is, a date or note beside it, and its page."""

    text: str
    detail: str
    url: str


@dataclass(frozen=True)
class HomeItem:
    """A figure on the home page of some roles, counted from live state, linking to the list it counts.

    `section` ACT is what needs the user (warnings to approve, alarms to acknowledge), WATCH what they
    keep an eye on (live warnings). `preview(records, n)`, if given, gives the first n records as rows.
    """

    key: str
    label: str
    link: ListLink
    roles: frozenset[str]
    section: str = ACT
    order: int = 100
    preview: Callable[[QuerySet, int], list[HomeRow]] | None = None
    preview_size: int = 5


@dataclass(frozen=True)
class MapLayer:
    """A layer of the 一张图 map: a GeoJSON endpoint whose features carry their own style and popup.

    The map opens with the layer switched on for everyone (`visible_by_default`, the base layer) or
    for the roles that use it most (`on_for_roles`); anyone it is available to may switch it on.
    """

    key: str
    title: str
    url_name: str
    visible_by_default: bool = False
    legend: list[tuple[str, str]] = field(default_factory=list)
    is_available: Callable[[Any], bool] = lambda user: True
    order: int = 100
    on_for_roles: frozenset[str] = frozenset()

    def is_on_for(self, user: Any) -> bool:
        """Whether the map opens with this layer switched on for `user`."""
        return self.visible_by_default or getattr(user, "role", None) in self.on_for_roles

    def as_config(self, user: Any = None) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": gettext(self.title),
            "url": reverse(self.url_name),
            "visible": self.is_on_for(user),
            "legend": [{"color": color, "label": gettext(label)} for color, label in self.legend],
        }


@dataclass(frozen=True)
class NavItem:
    """An entry of the top navigation: a URL name, its label and who sees it."""

    url_name: str
    label: str
    is_available: Callable[[Any], bool] = lambda user: True
    order: int = 100


@dataclass(frozen=True)
class NearestSearch:
    """What a nearest-help search asks of a resource besides being near: filled from the request of
    `GET /api/v1/resources/nearest` (and of the command domain's recommendations)."""

    capability: str | None = None  # a team kind, an equipment kind or a vehicle kind (the source's own codes)
    item: str | None = None  # a GB/T 38565 material code that a warehouse must have in stock
    quantity: float | None = None  # how much of `item` must be available (not reserved)
    available_only: bool = True  # only resources that can be sent now (team standing by, shelter open…)


@dataclass(frozen=True)
class ResourceCandidate:
    """A resource that could be sent to (or used at) a place: where it is and why it qualifies.

    The nearest-help search ranks candidates by road travel time; `qualifies` is the line shown
    beside each (e.g. "待命 · 32 人" or "帐篷 120 顶可用").
    """

    kind: str
    id: int
    label: str
    longitude: float
    latitude: float
    qualifies: str = ""
    url: str | None = None


# (user, search) → the candidates of one kind that the user may see and that meet the search.
ResourceSource = Callable[[Any, NearestSearch], "list[ResourceCandidate]"]


_nav_items: dict[str, NavItem] = {}
_county_counts: dict[str, CountyCount] = {}
_map_layers: dict[str, MapLayer] = {}
_home_items: dict[str, HomeItem] = {}
_map_focuses: list[MapFocus] = []
_resource_sources: dict[str, ResourceSource] = {}


def register_county_count(column: CountyCount) -> None:
    """Add a column to the county table (region pages, `/api/v1/dashboard/counties`).

    The table keeps counts per role, region and organization (`county_counts`), so what a column
    counts may depend on nothing else of the user.
    """
    _county_counts[column.key] = column


def register_home_item(item: HomeItem) -> None:
    """Add a figure to the home page of the item's roles."""
    _home_items[item.key] = item


def home_items_for(user: Any) -> list[HomeItem]:
    """The home items of the user's role, in order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return sorted(
        (item for item in _home_items.values() if user.role in item.roles), key=lambda item: item.order
    )


def register_nav_item(item: NavItem) -> None:
    _nav_items[item.url_name] = item


def nav_items_for(user: Any) -> list[NavItem]:
    return sorted(
        (item for item in _nav_items.values() if item.is_available(user)), key=lambda item: item.order
    )


def register_map_layer(layer: MapLayer) -> None:
    _map_layers[layer.key] = layer


def register_map_focus(focus: MapFocus) -> None:
    """Add a place the 一张图 may open on: `focus(user)` gives the (longitude, latitude) of the one
    place a user works at (an enterprise officer's enterprise), or None to leave it to the region."""
    _map_focuses.append(focus)


def map_focus_for(user: Any) -> tuple[float, float] | None:
    """The first registered focus that has a place for this user, or None."""
    for focus in _map_focuses:
        place = focus(user)
        if place is not None:
            return place
    return None


def register_resource_source(kind: str, source: ResourceSource) -> None:
    """Make a kind of resource (team, warehouse, shelter, equipment, vehicle) findable by the
    nearest-help search: `source(user, search)` lists the candidates the user may see."""
    _resource_sources[kind] = source


def resource_sources() -> dict[str, ResourceSource]:
    """Every registered kind of resource and its source, by kind."""
    return dict(_resource_sources)


def county_count_columns() -> list[CountyCount]:
    return list(_county_counts.values())


def map_layers_for(user: Any) -> list[MapLayer]:
    return sorted(
        (layer for layer in _map_layers.values() if layer.is_available(user)), key=lambda layer: layer.order
    )


def county_of_path(path: str) -> str:
    """The county code inside a region path ("" for the city and above): for tables that sum per county
    what `count_by_county` only counts."""
    start, length = _COUNTY_IN_PATH
    return path[start - 1 : start - 1 + length]


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


def county_filter(user: Any, code: str | None) -> Any:
    """The county `code` names if the user works in or above it, else None: the `county` filter of lists."""
    if not code or len(code) != 6 or not code.isdigit():
        return None
    return counties_for(user).filter(code=code).first()


@dataclass(frozen=True)
class CountyCounts:
    """The county table: a row per county the user may see, the records of the city itself (records
    in none of the counties, e.g. the city's own bureau), the totals, and when they were counted."""

    rows: list[dict[str, Any]]
    counted_at: datetime
    city_level: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)


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
    totals = {column.key: column.total(user) for column in county_count_columns()}
    in_counties = {key: sum(row["counts"][key] for row in rows) for key in columns}
    city_level = {key: totals[key] - in_counties[key] for key in columns}
    return CountyCounts(rows, counted_at, city_level if any(city_level.values()) else {}, totals)
