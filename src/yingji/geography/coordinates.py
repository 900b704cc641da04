"""Coordinates as every domain accepts them: numbers in range, never true/false or text.

In Python `True` is an `int`, and pydantic's lax mode reads JSON `true` as 1.0, so `[true, 38.4]`
used to pass as a position and reach CAP as "38.4,1". Every route and service that takes a
longitude or a latitude goes through this module:

- `Longitude` and `Latitude` are the API schemas' field types (a JSON number, −180…180 / −90…90);
- `is_number(value)` is the one test of a single coordinate, for code that reads positions from
  GeoJSON (`areas.clean_shapes`) or a spreadsheet;
- `check_location(lon, lat)` is the services' check of a point: both or neither, numbers, and
  inside the bounds the platform serves (China's, by default), else a 400 naming the field.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from yingji.core.errors import InvalidInput

# Longitude and latitude bounds of the places the platform serves: mainland China with a margin.
CHINA = (73.0, 3.0, 136.0, 54.0)  # west, south, east, north
NOT_A_NUMBER = "坐标须为数字（不能是 true/false 或文字）/ Coordinates are numbers, not true/false or text"


def is_number(value: Any) -> bool:
    """Whether `value` is a finite number as JSON means it: an int or a float, and not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _numbers_only(value: Any) -> Any:
    """Refuse booleans and text before pydantic's lax mode turns them into floats."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(NOT_A_NUMBER)
    return value


Longitude = Annotated[
    float,
    BeforeValidator(_numbers_only),
    Field(ge=-180, le=180, description="经度（WGS84/CGCS2000，数字）/ longitude, a number"),
]
Latitude = Annotated[
    float,
    BeforeValidator(_numbers_only),
    Field(ge=-90, le=90, description="纬度（WGS84/CGCS2000，数字）/ latitude, a number"),
]


def check_location(
    longitude: Any,
    latitude: Any,
    *,
    field: str = "longitude",
    bounds: tuple[float, float, float, float] = CHINA,
) -> None:
    """A point as services store it: both coordinates or neither, numbers, inside `bounds`; else 400."""
    if (longitude is None) != (latitude is None):
        raise InvalidInput("经纬度须同时填写 / Give both longitude and latitude", details={"field": field})
    if longitude is None:
        return
    if not (is_number(longitude) and is_number(latitude)):
        raise InvalidInput(NOT_A_NUMBER, details={"field": field})
    west, south, east, north = bounds
    if not (west <= longitude <= east and south <= latitude <= north):
        raise InvalidInput(
            "坐标不在中国境内 / The coordinates are outside China",
            details={"field": field},
        )
