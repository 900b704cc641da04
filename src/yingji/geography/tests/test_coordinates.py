"""The shared coordinate checks: numbers only (never true/false or text), in range, both or neither."""

from __future__ import annotations

from typing import Any

import pytest
from ninja import Schema
from pydantic import ValidationError

from yingji.core.errors import InvalidInput
from yingji.geography import areas, coordinates
from yingji.geography.coordinates import Latitude, Longitude


class Point(Schema):
    longitude: Longitude | None = None
    latitude: Latitude | None = None


@pytest.mark.parametrize("value", ["true", "false", '"112.5"', "1e999", "181"])
def test_the_schema_types_take_only_numbers_in_range(value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Point.model_validate_json(f'{{"longitude": {value}, "latitude": 38.4}}')
    assert refused.value.errors()[0]["loc"] == ("longitude",)


def test_the_schema_types_take_ints_floats_and_null() -> None:
    assert Point.model_validate_json('{"longitude": 112, "latitude": 38.4}').longitude == 112.0
    assert Point.model_validate_json('{"longitude": null}').longitude is None


@pytest.mark.parametrize("value", [True, False, "38", float("nan"), float("inf"), None, [1]])
def test_is_number_refuses_what_json_would_not_call_a_number(value: Any) -> None:
    assert not coordinates.is_number(value)


def test_check_location_refuses_booleans_halves_and_places_outside_china() -> None:
    coordinates.check_location(112.7, 38.4)
    coordinates.check_location(None, None)
    for lon, lat in [(True, 38.4), (112.7, True), (112.7, None), (2.35, 48.85)]:
        with pytest.raises(InvalidInput) as refused:
            coordinates.check_location(lon, lat, field="place")
        assert refused.value.details == {"field": "place"}


@pytest.mark.parametrize(
    "shape",
    [
        {"type": "Polygon", "coordinates": [[[True, 38.4], [112.8, 38.4], [112.8, 38.5], [True, 38.4]]]},
        {"type": "Polygon", "coordinates": [[[112.7, 38.4], [112.8, False], [112.8, 38.5], [112.7, 38.4]]]},
        {
            "type": "MultiPolygon",
            "coordinates": [[[[112.7, 38.4], ["112.8", 38.4], [112.8, 38.5], [112.7, 38.4]]]],
        },
        {"type": "Circle", "coordinates": [True, 38.4], "radius_km": 3},
        {"type": "Circle", "coordinates": [112.7, 38.4], "radius_km": True},
    ],
)
def test_clean_shapes_refuses_booleans_and_text_as_coordinates(shape: dict[str, Any]) -> None:
    with pytest.raises(areas.ShapeError, match="numbers") as refused:
        areas.clean_shapes([{"type": "Circle", "coordinates": [112.7, 38.4], "radius_km": 1}, shape])
    assert refused.value.index == 1


def test_clean_shapes_returns_floats_closed_and_valid() -> None:
    square = [[112, 38], [113, 38], [113, 39], [112, 39], [112, 38]]
    cleaned = areas.clean_shapes(
        [
            {"type": "Polygon", "coordinates": [square]},
            {"type": "Circle", "coordinates": [112, 38], "radius_km": 2},
        ]
    )
    assert cleaned[0]["coordinates"][0][0] == [112.0, 38.0] and cleaned[1]["radius_km"] == 2.0
    bowtie = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]
    with pytest.raises(areas.ShapeError, match="intersects itself"):
        areas.clean_shapes([{"type": "Polygon", "coordinates": [bowtie]}])
    with pytest.raises(areas.ShapeError, match="More than 10"):
        areas.clean_shapes([{"type": "Polygon", "coordinates": [square, square, square]}], max_vertices=10)
