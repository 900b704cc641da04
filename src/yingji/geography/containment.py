"""Whether an area's shapes lie within a region's boundary, allowing a tolerance in metres.

A county may warn only its own people: a warning's shapes must lie within the issuing region. They
are drawn by hand on a map at county scale, and the bundled boundaries of neighbouring counties
leave gaps and overlaps of tens of metres, so a shape may reach past the boundary by a tolerance
(warnings: 500 m, `WARNINGS_AREA_TOLERANCE_M`) and still count as inside. What lies in that band
belongs to the neighbour: the domain clips its recipients to the region (warnings' targeting).

Distances are measured in metres in a transverse Mercator projection centred on the boundary (the
Gauss-Krüger form, on the GRS 80 ellipsoid that CGCS2000 uses; pyproj): over a city's extent its
scale error stays below 0.1 %. A circle is tested as the polygon of 360 sides drawn around it
(never inside it), so a circle is never taken for smaller than it is.

Pure (shapely and pyproj, no Django).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyproj
import shapely
from shapely.geometry import shape as shapely_shape

from yingji.geography import areas

CIRCLE_SIDES = 360


@dataclass(frozen=True)
class Overreach:
    """A shape that reaches past the boundary: its index in the area and how far, in metres."""

    index: int
    reach_m: float


def _projection(boundary: Any) -> pyproj.Transformer:
    centre = boundary.centroid
    crs = pyproj.CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={centre.x:.6f} +k=1 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"
    )
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _in_metres(geometry: Any, transformer: pyproj.Transformer) -> Any:
    def project(points: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(points[:, 0], points[:, 1])
        return np.column_stack((x, y))

    return shapely.transform(geometry, project)


def _outline(item: dict[str, Any]) -> Any:
    """The shape as a lon/lat shapely geometry; a circle as a polygon drawn around it."""
    if item.get("type") == "Circle":
        lon, lat = item["coordinates"]
        grown = item["radius_km"] / math.cos(math.pi / CIRCLE_SIDES)
        return shapely_shape(areas.circle_polygon(lon, lat, grown, points=CIRCLE_SIDES))
    return shapely_shape(areas.drawable(item))


def beyond(shapes: list[dict[str, Any]], boundary: dict[str, Any], tolerance_m: float) -> list[Overreach]:
    """The shapes that reach more than `tolerance_m` past `boundary` (GeoJSON), and how far each does."""
    if not shapes:
        return []
    region = shapely_shape(boundary)
    transformer = _projection(region)
    region_m = _in_metres(region, transformer)
    allowed = region_m.buffer(tolerance_m)
    shapely.prepare(allowed)
    found = []
    for index, item in enumerate(shapes):
        outline = _outline(item)
        shape_m = _in_metres(outline, transformer)
        if not np.isfinite(shapely.get_coordinates(shape_m)).all():
            # A quarter of the globe away: the projection has no plane there. Far outside, by about
            # the distance between the centres.
            centre, home = outline.centroid, region.centroid
            reach = float(areas.haversine_km(home.x, home.y, centre.x, centre.y)) * 1000
            found.append(Overreach(index, round(max(reach, tolerance_m), 1)))
            continue
        if allowed.covers(shape_m):
            continue
        outside = shape_m.difference(region_m)
        corners = shapely.points(shapely.get_coordinates(outside))
        reach = float(np.max(shapely.distance(region_m, corners))) if len(corners) else tolerance_m
        found.append(Overreach(index, round(max(reach, tolerance_m), 1)))
    return found
