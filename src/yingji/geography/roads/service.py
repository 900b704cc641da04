"""Travel time between two points as the command line and the API ask for it: input checked first.

A point is "LON,LAT" text (the form of `yingji route --from` and `?from=`): two finite numbers, in
the platform's bounds (geography/coordinates.py) and in the area the network in use answers for.
"""

from __future__ import annotations

import math

from yingji.core.errors import InvalidInput
from yingji.geography.coordinates import CHINA
from yingji.geography.roads.graph import Point, RoadNetwork, Trip
from yingji.geography.roads.store import network as current_network

MAX_POINT_TEXT = 64


def parse_point(text: str, field: str) -> Point:
    """A point from "LON,LAT" text, else a 400 naming `field`."""
    parts = str(text)[: MAX_POINT_TEXT + 1].split(",")
    try:
        if len(text) > MAX_POINT_TEXT or len(parts) != 2:
            raise ValueError
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        raise InvalidInput(
            f"{field} 应为“经度,纬度”，例如 112.73,38.42 / {field} must be LON,LAT, e.g. 112.73,38.42",
            details={"field": field},
        ) from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(
            f"{field} 的经纬度超出范围 / {field}: longitude must be −180…180 and latitude −90…90",
            details={"field": field},
        )
    west, south, east, north = CHINA
    if not (west <= lon <= east and south <= lat <= north):
        raise InvalidInput(f"{field} 不在中国境内 / {field} is outside China", details={"field": field})
    return lon, lat


def check_covered(network: RoadNetwork, point: Point, field: str) -> None:
    """A 400 `outside_network` when `point` lies outside the area the network answers for."""
    if not network.covers(point):
        raise InvalidInput(
            f"{field} 在路网范围之外 / {field} is outside the area of the road network",
            code="outside_network",
            details={
                "field": field,
                "bounds": [round(v, 4) for v in (network.west, network.south, network.east, network.north)],
            },
        )


def travel_time(origin: str, destination: str) -> tuple[RoadNetwork, Trip | None]:
    """The network in use and the quickest trip from `origin` to `destination` ("LON,LAT" each)."""
    start = parse_point(origin, "from")
    end = parse_point(destination, "to")
    network = current_network()
    check_covered(network, start, "from")
    check_covered(network, end, "to")
    return network, network.trip(start, end)
