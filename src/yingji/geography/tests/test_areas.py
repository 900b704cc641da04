"""areas: the scanline fill of grid cells and the exact point tests, against shapely and the haversine."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from yingji.core.regions_loader import BUNDLED_REGIONS
from yingji.geography import areas

COUNTIES = {
    feature["properties"]["code"]: feature["geometry"]
    for feature in json.loads((BUNDLED_REGIONS / "counties.geojson").read_text(encoding="utf-8"))["features"]
}


def square(west, south, east, north):
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def centres(grid):
    lon, lat = np.meshgrid(grid.column_centres(), grid.row_centres())
    return lon, lat


# The grid ----------------------------------------------------------------------------------------


def test_grid_cells_count_from_the_south_west_corner():
    grid = areas.Grid(west=112.0, south=38.0, cell_lon=0.5, cell_lat=0.25, rows=4, cols=3)
    cells = grid.cell_of([112.1, 113.4, 112.6, 111.9, 112.1, math.nan], [38.1, 38.9, 38.3, 38.5, 39.1, 38.5])
    assert cells.tolist() == [0, 3 * 3 + 2, 1 * 3 + 1, -1, -1, -1]
    lon, lat = grid.centre_of([0, 11])
    assert lon.tolist() == [112.25, 113.25] and lat.tolist() == [38.125, 38.875]
    assert grid.cell_polygon(4) == [
        [112.5, 38.25],
        [113.0, 38.25],
        [113.0, 38.5],
        [112.5, 38.5],
        [112.5, 38.25],
    ]


def test_grid_over_a_city_has_square_kilometre_cells():
    grid = areas.grid_over((110.9, 38.1, 114.0, 39.7), 1.0)
    height_km = grid.cell_lat * areas.KM_PER_DEGREE
    width_km = grid.cell_lon * areas.KM_PER_DEGREE * math.cos(math.radians(38.9))
    assert height_km == pytest.approx(1.0, abs=1e-4)
    assert width_km == pytest.approx(1.0, abs=1e-3)
    assert grid.east >= 114.0 and grid.north >= 39.7


# area_mask ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["140902", "140922", "140981", "140900"])
def test_area_mask_classifies_every_cell_centre_like_shapely(code):
    geometry = COUNTIES[code]
    exact = shapely.geometry.shape(geometry)
    grid = areas.grid_over(exact.bounds, 0.5)
    mask = areas.area_mask(grid, [geometry])
    lon, lat = centres(grid)
    assert (mask == shapely.intersects_xy(exact, lon, lat)).all()
    assert mask.sum() > 1000


def test_area_mask_leaves_holes_empty_and_joins_multipolygon_parts():
    outer, hole = square(0, 0, 10, 10), square(3, 3, 7, 7)
    far = square(20, 0, 22, 2)
    grid = areas.Grid(west=-1, south=-1, cell_lon=1, cell_lat=1, rows=13, cols=25)
    mask = areas.area_mask(grid, [{"type": "MultiPolygon", "coordinates": [[outer, hole], [far]]}])
    lon, lat = centres(grid)
    expected = (
        (lon > 0) & (lon < 10) & (lat > 0) & (lat < 10) & ~((lon > 3) & (lon < 7) & (lat > 3) & (lat < 7))
    ) | ((lon > 20) & (lon < 22) & (lat > 0) & (lat < 2))
    assert (mask == expected).all()
    assert not mask[5, 5]  # centre (4.5, 4.5) is in the hole


def test_area_mask_of_a_circle_uses_the_distance_on_the_sphere():
    circle = {"type": "Circle", "coordinates": [112.7, 38.5], "radius_km": 7.5}
    grid = areas.grid_over((112.5, 38.35, 112.9, 38.65), 0.5)
    mask = areas.area_mask(grid, [circle])
    lon, lat = centres(grid)
    assert (mask == (areas.haversine_km(112.7, 38.5, lon, lat) <= 7.5)).all()
    # About π r² of square half-kilometre cells.
    assert mask.sum() == pytest.approx(math.pi * 7.5**2 / 0.25, rel=0.03)


def test_area_mask_ignores_shapes_off_the_grid():
    grid = areas.Grid(west=0, south=0, cell_lon=1, cell_lat=1, rows=5, cols=5)
    assert not areas.area_mask(grid, [{"type": "Polygon", "coordinates": [square(50, 50, 60, 60)]}]).any()


def test_a_county_polygon_fills_millions_of_cells_by_scanline():
    exact = shapely.geometry.shape(COUNTIES["140900"])
    grid = areas.grid_over(exact.bounds, 0.12)  # about 3 million cells over the city
    assert grid.size > 2_500_000
    mask = areas.area_mask(grid, [COUNTIES["140902"]])
    county = shapely.geometry.shape(COUNTIES["140902"])
    assert mask.sum() * 0.12**2 == pytest.approx(1984.3, rel=0.01)  # its area, km²
    rows, cols = np.nonzero(mask)
    sample = np.random.default_rng(1).choice(len(rows), 2000, replace=False)
    lon, lat = grid.centre_of(rows[sample] * grid.cols + cols[sample])
    assert shapely.intersects_xy(county, lon, lat).all()


# points_in_area ----------------------------------------------------------------------------------


def star(center, radii, angles):
    """A simple polygon: vertices at increasing angles around `center` (so it never crosses itself)."""
    order = np.argsort(angles)
    angles, radii = np.asarray(angles)[order], np.asarray(radii)[order]
    ring = np.column_stack((center[0] + radii * np.cos(angles), center[1] + radii * np.sin(angles)))
    return np.vstack([ring, ring[:1]])


@st.composite
def polygons_with_holes(draw):
    count = draw(st.integers(3, 40))
    angles = draw(
        st.lists(st.floats(0, 2 * math.pi, exclude_max=True), min_size=count, max_size=count, unique=True)
    )
    radii = draw(st.lists(st.floats(0.4, 1.0), min_size=count, max_size=count))
    outer = star((112.5, 38.5), radii, angles)
    rings = [outer]
    if draw(st.booleans()):
        holes = draw(st.integers(3, 12))
        hole_angles = draw(
            st.lists(st.floats(0, 2 * math.pi, exclude_max=True), min_size=holes, max_size=holes, unique=True)
        )
        hole_radii = draw(st.lists(st.floats(0.05, 0.25), min_size=holes, max_size=holes))
        rings.append(star((112.5, 38.5), hole_radii, hole_angles))
    polygon = shapely.Polygon(rings[0], rings[1:])
    assume(polygon.is_valid and polygon.area > 1e-4)
    return polygon


def probe_points(polygon, rng):
    """Random points in the bbox, points on edges and vertices, and points a hair off the edges."""
    west, south, east, north = polygon.bounds
    lon = [rng.uniform(west - 0.05, east + 0.05, 3000)]
    lat = [rng.uniform(south - 0.05, north + 0.05, 3000)]
    for ring in [polygon.exterior, *polygon.interiors]:
        coords = np.asarray(ring.coords)
        lon.append(coords[:, 0])
        lat.append(coords[:, 1])
        start, end = coords[:-1], coords[1:]
        for _ in range(4):
            t = rng.uniform(0, 1, len(start))[:, None]
            on_edge = start + t * (end - start)
            normal = np.column_stack((-(end - start)[:, 1], (end - start)[:, 0]))
            for offset in (0.0, 1e-12, -1e-12, 1e-7, -1e-7):
                lon.append(on_edge[:, 0] + offset * normal[:, 0])
                lat.append(on_edge[:, 1] + offset * normal[:, 1])
    return np.concatenate(lon), np.concatenate(lat)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(polygon=polygons_with_holes(), seed=st.integers(0, 2**32 - 1))
def test_points_in_area_agrees_with_shapely_everywhere(polygon, seed):
    lon, lat = probe_points(polygon, np.random.default_rng(seed))
    geometry = json.loads(shapely.to_geojson(polygon))
    expected = shapely.intersects_xy(polygon, lon, lat)
    default = areas.RASTER_SIDE
    try:
        # Coarse rasters too: there every edge crosses big cells, so a boundary cell missed shows.
        for side in (default, 16, 5):
            areas.RASTER_SIDE = side
            assert (areas.points_in_area(lon, lat, [geometry]) == expected).all(), side
    finally:
        areas.RASTER_SIDE = default


def test_points_on_the_boundary_are_in_and_points_in_a_hole_are_out():
    geometry = {
        "type": "Polygon",
        "coordinates": [square(112, 38, 113, 39), square(112.4, 38.4, 112.6, 38.6)],
    }
    lon = np.array([112.0, 112.5, 113.0, 112.5, 112.5, 112.4, 112.3, 113.0000001])
    lat = np.array([38.5, 38.0, 39.0, 38.5, 38.45, 38.5, 38.3, 38.5])
    assert areas.points_in_area(lon, lat, [geometry]).tolist() == [
        True,
        True,
        True,
        False,
        False,
        True,
        True,
        False,
    ]


def test_points_in_a_real_county_match_shapely():
    rng = np.random.default_rng(5)
    county = shapely.geometry.shape(COUNTIES["140902"])
    west, south, east, north = county.bounds
    lon, lat = rng.uniform(west, east, 200_000), rng.uniform(south, north, 200_000)
    assert (
        areas.points_in_area(lon, lat, [COUNTIES["140902"]]) == shapely.intersects_xy(county, lon, lat)
    ).all()


def test_circles_measure_on_the_sphere():
    circle = {"type": "Circle", "coordinates": [112.7, 38.5], "radius_km": 10}
    per_km = 1 / areas.KM_PER_DEGREE  # degrees of latitude per km, on the sphere
    lat = 38.5 + np.array([9.999, 10.001, -9.999, -10.001]) * per_km
    inside = areas.points_in_area(np.full(4, 112.7), lat, [circle])
    assert inside.tolist() == [True, False, True, False]
    assert areas.haversine_km(0, 0, 1, 0) == pytest.approx(areas.KM_PER_DEGREE)


def test_a_point_in_any_shape_is_in_the_area():
    shapes = [
        {"type": "Polygon", "coordinates": [square(112, 38, 112.1, 38.1)]},
        {"type": "Circle", "coordinates": [113, 39], "radius_km": 1},
    ]
    inside = areas.points_in_area([112.05, 113.0, 112.5], [38.05, 39.0, 38.5], shapes)
    assert inside.tolist() == [True, True, False]
    assert not areas.points_in_area([112.05], [38.05], []).any()


def test_one_point_is_tested_against_the_shapes_like_many():
    shapes = [{"type": "Polygon", "coordinates": [square(112, 38, 112.1, 38.1)]}]
    assert areas.shapes_contain(shapes, 112.1, 38.05)  # on the edge
    assert not areas.shapes_contain(shapes, 112.2, 38.05)
    assert not areas.shapes_contain([], 112.05, 38.05)


# Drawing -----------------------------------------------------------------------------------------


def test_a_circle_is_drawn_as_a_closed_polygon_on_its_radius():
    drawn = areas.drawable({"type": "Circle", "coordinates": [112.7, 38.5], "radius_km": 3})
    ring = np.array(drawn["coordinates"][0])
    assert drawn["type"] == "Polygon" and len(ring) == areas.CIRCLE_POINTS + 1
    assert ring[0].tolist() == ring[-1].tolist()
    distance = areas.haversine_km(112.7, 38.5, ring[:, 0], ring[:, 1])
    assert distance == pytest.approx(np.full(len(ring), 3.0), abs=1e-3)  # vertices rounded to 1e-6°


def test_a_polygon_is_drawn_as_it_is_without_extra_members():
    polygon = {"type": "Polygon", "coordinates": [square(0, 0, 1, 1)], "label": "x"}
    assert areas.drawable(polygon) == {"type": "Polygon", "coordinates": [square(0, 0, 1, 1)]}


# Parsing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ({"type": "Point", "coordinates": [1, 2]}, "type must be"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least 4"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 91], [0, 0]]]}, "longitude"),
        ({"type": "Polygon", "coordinates": [[["0", 0], [1, 0], [1, 1], [0, 0]]]}, "numbers"),
        ({"type": "Circle", "coordinates": [112, 38], "radius_km": 0}, "radius_km"),
        ({"type": "Circle", "coordinates": [112, 38]}, "radius_km"),
        ("Polygon", "object"),
    ],
)
def test_parse_shapes_names_what_is_wrong(shape, message):
    with pytest.raises(areas.ShapeError, match=message):
        areas.parse_shapes([shape])


def test_shape_problems_lists_an_invalid_polygon():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    assert "Self-intersection" in areas.shape_problems([bowtie])[0]
    assert areas.shape_problems([{"type": "Polygon", "coordinates": [square(0, 0, 1, 1)]}]) == []
    assert areas.shape_problems("not a list") == ["area_shapes must be a list of geometries"]


def test_an_open_ring_is_closed():
    area = areas.parse_shapes([{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}])
    assert area.polygons[0].rings[0].tolist()[-1] == [0.0, 0.0]
    assert area.bounds == (0.0, 0.0, 1.0, 1.0)
