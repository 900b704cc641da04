"""containment.beyond: which shapes reach past a boundary by more than a tolerance, in metres."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import mapping, shape

from yingji.geography import containment

COUNTIES = Path(__file__).resolve().parents[2] / "core" / "data" / "xinzhou" / "counties.geojson"


@pytest.fixture(scope="module")
def boundaries() -> dict[str, dict[str, Any]]:
    features = json.loads(COUNTIES.read_text())["features"]
    return {feature["properties"]["code"]: feature["geometry"] for feature in features}


def grown(boundary: dict[str, Any], metres: float) -> dict[str, Any]:
    """A boundary grown outwards by `metres`, as GeoJSON."""
    region = shape(boundary)
    metric = pyproj.CRS.from_proj4(f"+proj=tmerc +lon_0={region.centroid.x} +ellps=GRS80 +units=m")
    forward = pyproj.Transformer.from_crs("EPSG:4326", metric, always_xy=True)
    back = pyproj.Transformer.from_crs(metric, "EPSG:4326", always_xy=True)
    in_metres = shapely.transform(region, lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1])))
    return mapping(
        shapely.transform(
            in_metres.buffer(metres), lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1]))
        )
    )


def test_a_region_lies_within_itself_and_within_the_tolerance(boundaries: dict[str, Any]) -> None:
    county = boundaries["140921"]
    assert containment.beyond([county, grown(county, 300)], county, 500) == []


def test_a_shape_past_the_tolerance_is_named_with_how_far(boundaries: dict[str, Any]) -> None:
    county = boundaries["140921"]
    found = containment.beyond([county, grown(county, 800)], county, 500)
    assert [item.index for item in found] == [1] and found[0].reach_m == pytest.approx(800, abs=20)
    city = containment.beyond([boundaries["140900"]], county, 500)
    assert city[0].reach_m > 20_000


def test_circles_are_never_taken_for_smaller_than_they_are(boundaries: dict[str, Any]) -> None:
    county = boundaries["140921"]
    inside = shape(county).representative_point()
    small = {"type": "Circle", "coordinates": [inside.x, inside.y], "radius_km": 1}
    huge = {"type": "Circle", "coordinates": [inside.x, inside.y], "radius_km": 60}
    found = containment.beyond([small, huge], county, 500)
    assert [item.index for item in found] == [1] and found[0].reach_m > 10_000


def test_a_shape_a_quarter_of_the_globe_away_is_outside_by_about_that(boundaries: dict[str, Any]) -> None:
    county = boundaries["140921"]
    lon = shape(county).centroid.x - 90
    far = {"type": "Polygon", "coordinates": [[[lon, 0], [lon + 1, 0], [lon + 1, 1], [lon, 0]]]}
    found = containment.beyond([far], county, 500)
    assert len(found) == 1 and math.isfinite(found[0].reach_m) and found[0].reach_m > 5_000_000
