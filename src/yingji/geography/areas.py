"""Which points and which grid cells lie in an area: numpy scanlines, exact tests near edges.

Pure (numpy and shapely, no Django); every domain's areas go through it (a warning's area, a
shelter's catchment, an incident's surroundings). An area is a list of GeoJSON geometries in
lon/lat: Polygon, MultiPolygon (holes allowed), or
`{"type": "Circle", "coordinates": [lon, lat], "radius_km": r}`.
A point is in the area if it is in any of them: inside a polygon or on its boundary (shapely's
`intersects`), or within `r` km of a circle's centre on the sphere (haversine, mean Earth radius).

- `area_mask(grid, shapes)` classifies the centres of a regular lon/lat grid by a scanline fill:
  each polygon edge is crossed with the rows of cell centres, the crossings of a row are sorted
  and paired (even-odd rule, so holes come out by themselves), and the pairs are filled with a
  difference array and one cumulative sum. Cost: the cells of the shape's bounding box plus its
  edge crossings, never a point-in-polygon test per cell.
- `points_in_area(lon, lat, shapes)` is exact. For each polygon it rasterises its bounding box into
  about a million cells: cells that an edge passes through, with their neighbours, are "boundary";
  every other cell lies wholly inside or wholly outside, as its centre does. Points in those cells
  are answered from the raster; only points in boundary cells get shapely's exact test.
- `drawable(shape)` is a shape as plain GeoJSON for maps and shapely (a circle becomes a polygon).
- `clean_shapes(shapes)` checks shapes as they are typed in (API, CAP import) and returns them as
  stored; `parse_shapes` reads stored ones quickly and trusts that they were cleaned.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry import shape as shapely_shape

from yingji.geography.coordinates import is_number

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
KM_PER_DEGREE = (
    math.pi * EARTH_RADIUS_KM / 180
)  # 111.195 km per degree of latitude (and of longitude at the equator)
MAX_RADIUS_KM = 1000.0
RASTER_SIDE = 1024  # cells along the longer side of a polygon's classification raster
CIRCLE_POINTS = 72  # vertices of a circle drawn as a polygon


class ShapeError(ValueError):
    """An area geometry that is not one of the accepted GeoJSON forms (`index`: which one, from 0)."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class Grid:
    """A regular lon/lat grid: `rows × cols` cells from the south-west corner; cell = row * cols + col."""

    west: float
    south: float
    cell_lon: float
    cell_lat: float
    rows: int
    cols: int

    @property
    def size(self) -> int:
        return self.rows * self.cols

    @property
    def east(self) -> float:
        return self.west + self.cols * self.cell_lon

    @property
    def north(self) -> float:
        return self.south + self.rows * self.cell_lat

    def column_centres(self) -> np.ndarray:
        return self.west + (np.arange(self.cols) + 0.5) * self.cell_lon

    def row_centres(self) -> np.ndarray:
        return self.south + (np.arange(self.rows) + 0.5) * self.cell_lat

    def cell_of(self, lon: Any, lat: Any) -> np.ndarray:
        """The cell index of each point (int32), −1 for points outside the grid or not finite."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            col = np.floor((lon - self.west) / self.cell_lon)
            row = np.floor((lat - self.south) / self.cell_lat)
            inside = (col >= 0) & (col < self.cols) & (row >= 0) & (row < self.rows)
        cells = np.full(lon.shape, -1, dtype=np.int32)
        cells[inside] = (row[inside] * self.cols + col[inside]).astype(np.int32)
        return cells

    def centre_of(self, cells: Any) -> tuple[np.ndarray, np.ndarray]:
        """The lon and lat of the centres of `cells`."""
        cells = np.asarray(cells, dtype=np.int64)
        row, col = np.divmod(cells, self.cols)
        return self.west + (col + 0.5) * self.cell_lon, self.south + (row + 0.5) * self.cell_lat

    def cell_polygon(self, cell: int) -> list[list[float]]:
        """The closed outer ring (GeoJSON order, lon/lat) of one cell, for maps."""
        row, col = divmod(int(cell), self.cols)
        w, s = self.west + col * self.cell_lon, self.south + row * self.cell_lat
        e, n = w + self.cell_lon, s + self.cell_lat
        return [[w, s], [e, s], [e, n], [w, n], [w, s]]


def grid_over(bounds: tuple[float, float, float, float], cell_km: float) -> Grid:
    """A grid of ~`cell_km` square cells (at the middle latitude) covering lon/lat `bounds`."""
    west, south, east, north = bounds
    cell_lat = round(cell_km / KM_PER_DEGREE, 7)
    cell_lon = round(cell_lat / math.cos(math.radians((south + north) / 2)), 7)
    cols = max(1, math.ceil((east - west) / cell_lon))
    rows = max(1, math.ceil((north - south) / cell_lat))
    return Grid(west, south, cell_lon, cell_lat, rows, cols)


# Shapes ----------------------------------------------------------------------------------------


@dataclass
class PolygonPart:
    """One polygon: its rings (the outer first, then holes) as closed (n, 2) arrays, and its bbox."""

    rings: list[np.ndarray]
    bounds: tuple[float, float, float, float]
    _exact: Any = field(default=None, repr=False)

    @property
    def exact(self) -> Any:
        """The prepared shapely polygon, for the exact tests near the boundary."""
        if self._exact is None:
            self._exact = Polygon(self.rings[0], self.rings[1:])
            shapely.prepare(self._exact)
        return self._exact


@dataclass(frozen=True)
class Circle:
    lon: float
    lat: float
    radius_km: float

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """A bbox that holds the circle (slightly generous, for a prefilter)."""
        dlat = self.radius_km / KM_PER_DEGREE * 1.001 + 1e-9
        north_lat = min(89.9, abs(self.lat) + dlat)
        dlon = min(180.0, self.radius_km / (KM_PER_DEGREE * math.cos(math.radians(north_lat))) * 1.001 + 1e-9)
        return (self.lon - dlon, self.lat - dlat, self.lon + dlon, self.lat + dlat)


@dataclass
class Area:
    polygons: list[PolygonPart]
    circles: list[Circle]

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """The bbox of the whole area (for a SQL prefilter), None if empty."""
        boxes = [p.bounds for p in self.polygons] + [c.bounds for c in self.circles]
        if not boxes:
            return None
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    @property
    def is_empty(self) -> bool:
        return not self.polygons and not self.circles


def _position(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) < 2:
        raise ShapeError(f"{where}: a position is [lon, lat]")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2]):
        raise ShapeError(f"{where}: coordinates must be numbers")
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ShapeError(f"{where}: [{lon}, {lat}] is not a longitude/latitude")
    return lon, lat


def _ring(value: Any, where: str) -> np.ndarray:
    try:
        points = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        points = np.empty((0, 0))
    if points.ndim != 2 or points.shape[1] < 2 or np.asarray(value).dtype.kind not in "iuf":
        if not isinstance(value, list | tuple):
            raise ShapeError(f"{where}: a ring is a list of positions")
        points = np.array([_position(p, where) for p in value], dtype=np.float64).reshape(-1, 2)
    points = np.ascontiguousarray(points[:, :2])
    lon, lat = points[:, 0], points[:, 1]
    if not (np.isfinite(points).all() and (np.abs(lon) <= 180).all() and (np.abs(lat) <= 90).all()):
        raise ShapeError(f"{where}: coordinates must be longitudes and latitudes")
    if len(points) and not np.array_equal(points[0], points[-1]):
        points = np.vstack([points, points[:1]])
    if len(points) < 4:
        raise ShapeError(f"{where}: a ring needs at least 4 positions (closed)")
    return points


def _polygon(value: Any, where: str) -> PolygonPart:
    if not isinstance(value, list | tuple) or not value:
        raise ShapeError(f"{where}: a polygon is a list of rings")
    rings = [_ring(ring, where) for ring in value]
    outer = rings[0]
    return PolygonPart(rings, (outer[:, 0].min(), outer[:, 1].min(), outer[:, 0].max(), outer[:, 1].max()))


def parse_shapes(shapes: Iterable[Any]) -> Area:
    """The polygons and circles of an area's GeoJSON geometries; ShapeError on anything else."""
    polygons: list[PolygonPart] = []
    circles: list[Circle] = []
    for number, geometry in enumerate(shapes or (), start=1):
        where = f"shape {number}"
        if not isinstance(geometry, dict):
            raise ShapeError(f"{where}: a geometry is an object with a type")
        kind, coordinates = geometry.get("type"), geometry.get("coordinates")
        if kind == "Polygon":
            polygons.append(_polygon(coordinates, where))
        elif kind == "MultiPolygon":
            if not isinstance(coordinates, list | tuple) or not coordinates:
                raise ShapeError(f"{where}: a MultiPolygon is a list of polygons")
            polygons.extend(_polygon(part, where) for part in coordinates)
        elif kind == "Circle":
            lon, lat = _position(coordinates, where)
            try:
                radius = float(geometry.get("radius_km"))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise ShapeError(f"{where}: a circle needs radius_km") from None
            if not (0 < radius <= MAX_RADIUS_KM):
                raise ShapeError(f"{where}: radius_km must be in (0, {MAX_RADIUS_KM:g}]")
            circles.append(Circle(lon, lat, radius))
        else:
            raise ShapeError(f"{where}: type must be Polygon, MultiPolygon or Circle, not {kind!r}")
    return Area(polygons, circles)


def shape_problems(shapes: Any) -> list[str]:
    """Every reason the area's shapes cannot be used (empty if they can), for input validation."""
    if not isinstance(shapes, list):
        return ["area_shapes must be a list of geometries"]
    try:
        area = parse_shapes(shapes)
    except ShapeError as error:
        return [str(error)]
    problems = []
    for number, part in enumerate(area.polygons, start=1):
        if not part.exact.is_valid:
            problems.append(f"polygon {number}: {shapely.is_valid_reason(part.exact)}")
    return problems


def _clean_position(value: Any) -> list[float] | None:
    """A position as stored ([lon, lat] floats), or None if it is not two numbers in range."""
    if not isinstance(value, list | tuple) or len(value) != 2 or not all(is_number(v) for v in value):
        return None
    lon, lat = float(value[0]), float(value[1])
    return [lon, lat] if -180 <= lon <= 180 and -90 <= lat <= 90 else None


def _clean_rings(rings: Any) -> list[list[list[float]]] | None:
    """A polygon's rings as stored (closed, at least 4 positions each), or None."""
    if not isinstance(rings, list | tuple) or not rings:
        return None
    cleaned = []
    for ring in rings:
        if not isinstance(ring, list | tuple) or len(ring) < 4:
            return None
        positions = [position for position in map(_clean_position, ring) if position is not None]
        if len(positions) != len(ring) or positions[0] != positions[-1]:
            return None
        cleaned.append(positions)
    return cleaned


def clean_shapes(
    shapes: Any, *, max_vertices: int = 20_000, max_radius_km: float = 300.0
) -> list[dict[str, Any]]:
    """An area's shapes as typed in, checked and as stored; ShapeError (with the shape's index) otherwise.

    Stricter than `parse_shapes`, which reads shapes already stored: every coordinate must be a
    number (never true/false or text: `coordinates.is_number`), rings closed, polygons valid (no
    self-intersection), circles 0 < r ≤ `max_radius_km`, and at most `max_vertices` in all.
    """
    if not isinstance(shapes, list):
        raise ShapeError("区域图形应为列表 / area_shapes must be a list")
    cleaned: list[dict[str, Any]] = []
    vertices = 0
    for index, item in enumerate(shapes):
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "Circle":
            centre, radius = _clean_position(item.get("coordinates")), item.get("radius_km")
            if centre is None or not is_number(radius) or not 0 < radius <= max_radius_km:
                raise ShapeError(
                    f"圆需要中心经纬度（数字）和 0–{max_radius_km:g} 千米的半径 / A circle needs a lon,lat "
                    f"centre (numbers) and a radius of 0–{max_radius_km:g} km",
                    index,
                )
            cleaned.append({"type": "Circle", "coordinates": centre, "radius_km": float(radius)})
            continue
        if kind not in ("Polygon", "MultiPolygon"):
            raise ShapeError(
                "区域图形应为 Polygon、MultiPolygon 或 Circle / Shapes are Polygon, MultiPolygon or Circle",
                index,
            )
        parts = [item.get("coordinates")] if kind == "Polygon" else item.get("coordinates")
        if not isinstance(parts, list | tuple) or not parts:
            parts = [None]
        found = [_clean_rings(rings) for rings in parts]
        polygons = [polygon for polygon in found if polygon is not None]
        if len(polygons) != len(found):
            raise ShapeError(
                "多边形的每个环至少 4 个经纬度点（数字）且首尾相同 / Each polygon ring needs at least four "
                "lon,lat points (numbers) and must be closed",
                index,
            )
        vertices += sum(len(ring) for polygon in polygons for ring in polygon)
        if vertices > max_vertices:
            raise ShapeError(f"区域图形超过 {max_vertices} 个点 / More than {max_vertices} vertices", index)
        geometry = {"type": kind, "coordinates": polygons[0] if kind == "Polygon" else polygons}
        if not shapely_shape(geometry).is_valid:
            raise ShapeError("多边形自相交或无效 / The polygon intersects itself or is invalid", index)
        cleaned.append(geometry)
    return cleaned


# Distances -------------------------------------------------------------------------------------


def haversine_km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Great-circle distances on the sphere of mean Earth radius, in km (broadcasts)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi, dlambda = phi2 - phi1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


# Drawing ---------------------------------------------------------------------------------------


def circle_polygon(lon: float, lat: float, radius_km: float, points: int = CIRCLE_POINTS) -> dict[str, Any]:
    """A circle as a closed GeoJSON polygon (geodesic offsets from the centre), for drawing."""
    ring = []
    for step in range(points):
        bearing = 2 * math.pi * step / points
        ring.append(list(_destination(lon, lat, radius_km, bearing)))
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def _destination(lon: float, lat: float, distance_km: float, bearing: float) -> tuple[float, float]:
    phi, lam, delta = math.radians(lat), math.radians(lon), distance_km / EARTH_RADIUS_KM
    phi2 = math.asin(math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(bearing))
    lam2 = lam + math.atan2(
        math.sin(bearing) * math.sin(delta) * math.cos(phi), math.cos(delta) - math.sin(phi) * math.sin(phi2)
    )
    return round(math.degrees(lam2), 6), round(math.degrees(phi2), 6)


def drawable(item: dict[str, Any]) -> dict[str, Any]:
    """A stored area shape as plain GeoJSON (a circle becomes a polygon)."""
    if item.get("type") == "Circle":
        lon, lat = item["coordinates"]
        return circle_polygon(lon, lat, item["radius_km"])
    return {"type": item["type"], "coordinates": item["coordinates"]}


# Scanline fill ---------------------------------------------------------------------------------


def _window(grid: Grid, bounds: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """The rows [r0, r1) and columns [c0, c1) whose centres may lie in `bounds`."""
    west, south, east, north = bounds
    c0 = max(0, math.floor((west - grid.west) / grid.cell_lon - 0.5))
    c1 = min(grid.cols, math.ceil((east - grid.west) / grid.cell_lon + 0.5))
    r0 = max(0, math.floor((south - grid.south) / grid.cell_lat - 0.5))
    r1 = min(grid.rows, math.ceil((north - grid.south) / grid.cell_lat + 0.5))
    return r0, r1, c0, c1


def _fill_spans(grid: Grid, rings: Sequence[np.ndarray], r0: int, r1: int) -> tuple[np.ndarray, ...]:
    """The filled spans of one polygon on rows [r0, r1): (row, first col, end col), even-odd rule.

    A row's centre line y crosses edge (x1, y1)–(x2, y2) when min(y) ≤ y < max(y) (half-open, so a
    vertex is counted once); a cell is inside when its centre lies in [x_left, x_right) of a pair.
    """
    starts = np.concatenate([ring[:-1] for ring in rings])
    ends = np.concatenate([ring[1:] for ring in rings])
    x1, y1, x2, y2 = starts[:, 0], starts[:, 1], ends[:, 0], ends[:, 1]
    low, high = np.minimum(y1, y2), np.maximum(y1, y2)
    first = np.clip(np.ceil((low - grid.south) / grid.cell_lat - 0.5), r0, r1).astype(np.int64)
    stop = np.clip(np.ceil((high - grid.south) / grid.cell_lat - 0.5), r0, r1).astype(np.int64)
    counts = stop - first
    total = int(counts.sum())
    if total == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    edge = np.repeat(np.arange(len(counts)), counts)
    offsets = np.cumsum(counts) - counts
    row = first[edge] + (np.arange(total) - offsets[edge])
    y = grid.south + (row + 0.5) * grid.cell_lat
    x = x1[edge] + (y - y1[edge]) * (x2[edge] - x1[edge]) / (y2[edge] - y1[edge])
    order = np.lexsort((x, row))
    row, x = row[order], x[order]
    span_row, left, right = row[0::2], x[0::2], x[1::2]
    col_first = np.clip(np.ceil((left - grid.west) / grid.cell_lon - 0.5), 0, grid.cols).astype(np.int64)
    col_stop = np.clip(np.ceil((right - grid.west) / grid.cell_lon - 0.5), 0, grid.cols).astype(np.int64)
    return span_row, col_first, col_stop


def _circle_window_mask(grid: Grid, circle: Circle, window: tuple[int, int, int, int]) -> np.ndarray:
    r0, r1, c0, c1 = window
    lon = grid.west + (np.arange(c0, c1) + 0.5) * grid.cell_lon
    lat = grid.south + (np.arange(r0, r1) + 0.5) * grid.cell_lat
    return haversine_km(circle.lon, circle.lat, lon[None, :], lat[:, None]) <= circle.radius_km


def area_mask(grid: Grid, shapes: Any) -> np.ndarray:
    """Which cell centres of `grid` lie in the area: a bool array of shape (rows, cols)."""
    area = shapes if isinstance(shapes, Area) else parse_shapes(shapes)
    mask = np.zeros((grid.rows, grid.cols), dtype=bool)
    for part in area.polygons:
        r0, r1, c0, c1 = _window(grid, part.bounds)
        if r0 >= r1 or c0 >= c1:
            continue
        span_row, col_first, col_stop = _fill_spans(grid, part.rings, r0, r1)
        keep = col_stop > col_first
        if not keep.any():
            continue
        width = c1 - c0 + 1
        span_row, col_first, col_stop = span_row[keep] - r0, col_first[keep], col_stop[keep]
        col_first, col_stop = np.clip(col_first, c0, c1) - c0, np.clip(col_stop, c0, c1) - c0
        size = (r1 - r0) * width
        change = np.bincount(span_row * width + col_first, minlength=size)[:size]
        change -= np.bincount(span_row * width + col_stop, minlength=size)[:size]
        filled = np.cumsum(change.reshape(r1 - r0, width), axis=1)[:, :-1] > 0
        mask[r0:r1, c0:c1] |= filled
    for circle in area.circles:
        window = _window(grid, circle.bounds)
        r0, r1, c0, c1 = window
        if r0 < r1 and c0 < c1:
            mask[r0:r1, c0:c1] |= _circle_window_mask(grid, circle, window)
    return mask


# Exact point tests -----------------------------------------------------------------------------


def _raster_for(part: PolygonPart) -> Grid:
    """A classification raster over the polygon's bbox: square-ish cells, RASTER_SIDE on the long side."""
    west, south, east, north = part.bounds
    aspect = math.cos(math.radians((south + north) / 2))
    width_km, height_km = max((east - west) * aspect, 1e-9), max(north - south, 1e-9)
    side = max(width_km, height_km) / RASTER_SIDE
    cols = max(1, math.ceil(width_km / side))
    rows = max(1, math.ceil(height_km / side))
    cell_lon = max((east - west) / cols, 1e-12)
    cell_lat = max((north - south) / rows, 1e-12)
    # One cell of margin on each side, so that the bbox edges lie inside the raster.
    return Grid(west - cell_lon, south - cell_lat, cell_lon, cell_lat, rows + 2, cols + 2)


def _boundary_cells(raster: Grid, rings: Sequence[np.ndarray]) -> np.ndarray:
    """Every cell an edge passes through, with its 8 neighbours (a flat bool array).

    Each edge is sampled at most half a cell apart in each axis, so every point of the edge lies
    within one cell of a sample's cell: the samples' cells, grown by one, hold the whole edge.
    """
    starts = np.concatenate([ring[:-1] for ring in rings])
    ends = np.concatenate([ring[1:] for ring in rings])
    u1 = (starts[:, 0] - raster.west) / raster.cell_lon
    v1 = (starts[:, 1] - raster.south) / raster.cell_lat
    du = (ends[:, 0] - raster.west) / raster.cell_lon - u1
    dv = (ends[:, 1] - raster.south) / raster.cell_lat - v1
    steps = np.ceil(np.maximum(np.abs(du), np.abs(dv)) * 2).astype(np.int64) + 1
    edge = np.repeat(np.arange(len(steps)), steps)
    offsets = np.cumsum(steps) - steps
    t = (np.arange(int(steps.sum())) - offsets[edge]) / np.maximum(steps[edge] - 1, 1)
    col = np.clip(np.floor(u1[edge] + t * du[edge]), 0, raster.cols - 1).astype(np.int64)
    row = np.clip(np.floor(v1[edge] + t * dv[edge]), 0, raster.rows - 1).astype(np.int64)
    boundary = np.zeros((raster.rows, raster.cols), dtype=bool)
    boundary[row, col] = True
    grown = boundary.copy()
    grown[1:, :] |= boundary[:-1, :]
    grown[:-1, :] |= boundary[1:, :]
    rows_grown = grown.copy()
    grown[:, 1:] |= rows_grown[:, :-1]
    grown[:, :-1] |= rows_grown[:, 1:]
    return grown.ravel()


def _points_in_polygon(part: PolygonPart, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    raster = _raster_for(part)
    inside = area_mask(raster, Area([part], [])).ravel()
    boundary = _boundary_cells(raster, part.rings)
    # Every point here lies in the polygon's bbox, so inside the raster (which has a margin).
    col = np.clip(((lon - raster.west) / raster.cell_lon).astype(np.int64), 0, raster.cols - 1)
    row = np.clip(((lat - raster.south) / raster.cell_lat).astype(np.int64), 0, raster.rows - 1)
    cells = row * raster.cols + col
    result = inside[cells]
    near = np.flatnonzero(boundary[cells])
    if len(near):
        result[near] = shapely.intersects_xy(part.exact, lon[near], lat[near])
    return result


def points_in_area(lon: Any, lat: Any, shapes: Any) -> np.ndarray:
    """Exactly which points (lon/lat arrays) lie in the area: a bool array."""
    area = shapes if isinstance(shapes, Area) else parse_shapes(shapes)
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    result = np.zeros(lon.shape, dtype=bool)
    for part in area.polygons:
        west, south, east, north = part.bounds
        candidates = np.flatnonzero((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north))
        if len(candidates):
            candidates = candidates[~result[candidates]]
        if len(candidates):
            result[candidates] = _points_in_polygon(part, lon[candidates], lat[candidates])
    for circle in area.circles:
        west, south, east, north = circle.bounds
        candidates = np.flatnonzero((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north))
        if len(candidates):
            distance = haversine_km(circle.lon, circle.lat, lon[candidates], lat[candidates])
            result[candidates[distance <= circle.radius_km]] = True
    return result


def shapes_contain(shapes: list[dict[str, Any]], lon: float, lat: float) -> bool:
    """Whether any of the area's shapes contains the point (on the boundary counts)."""
    return bool(shapes) and bool(points_in_area(np.array([lon]), np.array([lat]), shapes)[0])
