"""Road travel times for allocation and shipments, through the shared road network (yingji.geography.roads).

No straight-line stand-in: a place the network does not reach gets None and is ranked after every
reachable one.
"""

from __future__ import annotations

from yingji.geography import roads
from yingji.geography.roads import Trip

Point = tuple[float, float]  # (longitude, latitude)


def road_trips(origin: Point, points: list[Point]) -> list[Trip | None]:
    """Road time and distance from `origin` to each point (None where no road joins them), one search
    over the distinct points: warehouses and vehicles often share a yard."""
    distinct = list(dict.fromkeys(points))
    if not distinct:
        return []
    trips = dict(zip(distinct, roads.network().trips_from(origin, distinct), strict=True))
    return [trips[point] for point in points]


def rank_key(trip: Trip | None) -> tuple[int, float]:
    """Sort reachable places by minutes, unreachable ones last."""
    return (1, 0.0) if trip is None else (0, trip.minutes)
