"""A warning's area as pages and maps show it: its regions by name and county, GeoJSON that Leaflet
draws, and whether a place lies in it.

Only the city and its counties have boundaries in the bundled data (townships and villages have
none), so a warning coded to some townships is drawn as its county with a dashed outline, and a
point in that county matches it only as "some townships of your county" (`PARTIAL`), never as
certainly inside. Shapes (polygons, circles) are tested exactly, by the same `areas.points_in_area`
that chooses the recipients, so "warnings where I am" agrees with who got the message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from shapely import prepared
from shapely.geometry import Point
from shapely.geometry import shape as shapely_shape

from yingji.core import caching
from yingji.core.models import Region
from yingji.geography import areas
from yingji.warnings.models import EarlyWarning

LEVEL_COLORS = {"blue": "#2f6fde", "yellow": "#f2c400", "orange": "#f28c28", "red": "#d7263d"}
LEVEL_ORDER = {"blue": 0, "yellow": 1, "orange": 2, "red": 3}
INSIDE, PARTIAL = "inside", "partial"


@dataclass
class County:
    """A county-level region with its boundary, ready for point and overlap tests."""

    code: str
    name: str
    path: str
    geometry: Any  # GeoJSON
    _shape: Any = None
    _prepared: Any = None

    def _ready(self) -> Any:
        if self._shape is None:
            self._shape = shapely_shape(self.geometry)
            self._prepared = prepared.prep(self._shape)
        return self._prepared

    def contains(self, lon: float, lat: float) -> bool:
        return bool(self._ready().covers(Point(lon, lat)))


@dataclass
class AreaIndex:
    """Counties with boundaries and the regions the given warnings name, loaded in two queries."""

    counties: list[County]
    # code → (name, level, path) of every region the warnings name
    regions: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    # Boundaries of named regions above the counties (the city), drawn whole.
    outlines: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def build(cls, warnings: Iterable[EarlyWarning]) -> AreaIndex:
        codes = {code for warning in warnings for code in warning.area_codes}
        known = boundaries()
        index = cls([County(*county) for county in known.counties])
        for code, name, level, path in Region.objects.filter(code__in=codes).values_list(
            "code", "name", "level", "path"
        ):
            index.regions[code] = (name, level, path)
            if code in known.above_counties:
                index.outlines[code] = known.above_counties[code]
        return index

    def county_at(self, lon: float, lat: float) -> County | None:
        return next((county for county in self.counties if county.contains(lon, lat)), None)

    def names(self, warning: EarlyWarning) -> list[str]:
        """The names of the warning's coded regions, in its order."""
        return [self.regions[code][0] for code in warning.area_codes if code in self.regions]

    def _path(self, code: str) -> str:
        return self.regions[code][2] if code in self.regions else ""

    def coded_counties(self, warning: EarlyWarning) -> dict[str, str]:
        """{county code: INSIDE (wholly coded) or PARTIAL (some of its townships or villages)}."""
        touched: dict[str, str] = {}
        for path in filter(None, map(self._path, warning.area_codes)):
            for county in self.counties:
                if county.path.startswith(path):
                    touched[county.code] = INSIDE
                elif path.startswith(county.path):
                    touched.setdefault(county.code, PARTIAL)
        return touched

    def at_point(self, warning: EarlyWarning, lon: float, lat: float, county: County | None) -> str | None:
        """INSIDE if the point is in the warning's area, PARTIAL if only some townships of its county are."""
        if areas.shapes_contain(warning.area_shapes, lon, lat):
            return INSIDE
        if county is None:
            return None
        return self.coded_counties(warning).get(county.code)

    def touching(self, warning: EarlyWarning, region: Region) -> str | None:
        """INSIDE if the warning covers the whole region, PARTIAL if it covers part of it (or may)."""
        paths = list(filter(None, map(self._path, warning.area_codes)))
        if any(region.path.startswith(path) for path in paths):
            return INSIDE
        if any(path.startswith(region.path) for path in paths):
            return PARTIAL
        boundary = region.geometry
        if boundary is None:  # a township or village: its county's boundary is the closest known
            county = next((c for c in self.counties if region.path.startswith(c.path)), None)
            boundary = county.geometry if county else None
        if boundary is not None and warning.area_shapes:
            outline = shapely_shape(boundary)
            if any(outline.intersects(shapely_shape(areas.drawable(item))) for item in warning.area_shapes):
                return PARTIAL
        return None

    def features(self, warning: EarlyWarning, *, popup: list[str], url: str | None) -> list[dict[str, Any]]:
        """GeoJSON features of the warning's area, styled by level: the coded city or counties (dashed
        where only some of a county's townships are coded) and the drawn shapes."""
        color = LEVEL_COLORS.get(warning.level, "#6b7785")
        base = {"warning": warning.pk, "level": warning.level, "label": None, "popup": popup, "url": url}
        outlined = [code for code in warning.area_codes if code in self.outlines]
        features = [_feature(self.outlines[code], base, color, whole=True) for code in outlined]
        by_code = {county.code: county for county in self.counties}
        for code, extent in self.coded_counties(warning).items():
            covered_by_outline = any(by_code[code].path.startswith(self._path(outer)) for outer in outlined)
            if not covered_by_outline:
                features.append(_feature(by_code[code].geometry, base, color, whole=extent == INSIDE))
        for item in warning.area_shapes:
            features.append(_feature(areas.drawable(item), base, color, whole=True, shape=True))
        return features


@dataclass(frozen=True)
class Boundaries:
    """The boundaries areas are drawn and tested with: the counties (code, name, path, GeoJSON), and
    the regions above them (province, city) by code."""

    counties: list[tuple[str, str, str, dict[str, Any]]]
    above_counties: dict[str, dict[str, Any]]


def boundaries() -> Boundaries:
    """The boundaries, decoded once per process for each state of the regions (core/caching.py):
    decoding them on every request was most of the cost of a page with a warning map. Every thread
    of the process shares them, so nothing may change them."""
    return caching.per_process(
        "warnings.areamap.boundaries", caching.of_stamp(caching.REGIONS), _load_boundaries
    )


def _load_boundaries() -> Boundaries:
    rows = Region.objects.filter(level__in=("province", "city", "county"), geometry__isnull=False)
    found = Boundaries([], {})
    for code, name, level, path, geometry in rows.order_by("code").values_list(
        "code", "name", "level", "path", "geometry"
    ):
        if level == "county":
            found.counties.append((code, name, path, geometry))
        elif geometry:
            found.above_counties[code] = geometry
    return found


def _feature(
    geometry: dict[str, Any], properties: dict[str, Any], color: str, *, whole: bool, shape: bool = False
) -> dict[str, Any]:
    style = {
        "color": color,
        "weight": 3 if shape else 2,
        "fillColor": color,
        "fillOpacity": 0.35 if whole else 0.12,
    }
    if not whole:
        style["dashArray"] = "6 5"
    return {"type": "Feature", "geometry": geometry, "properties": properties | {"style": style}}


def by_level(warnings: Iterable[EarlyWarning]) -> list[EarlyWarning]:
    """Lowest level first, so the highest draws on top."""
    return sorted(warnings, key=lambda warning: (LEVEL_ORDER.get(warning.level, 0), warning.pk))


def collection(
    warnings: Iterable[EarlyWarning],
    *,
    popup: Callable[[EarlyWarning, AreaIndex], list[str]],
    url: Callable[[EarlyWarning], str | None],
) -> dict[str, Any]:
    """A FeatureCollection of the warnings' areas, highest level drawn last."""
    listed = by_level(warnings)
    index = AreaIndex.build(listed)
    features = [
        feature
        for warning in listed
        for feature in index.features(warning, popup=popup(warning, index), url=url(warning))
    ]
    return {"type": "FeatureCollection", "features": features}
