"""Road travel times for allocation and shipments, through the shared road network (yingji.geography.roads).

Everything in this app that needs a road time calls `_road_trips`, so the one dependency on the
road interface sits here. No straight-line stand-in: a place the network does not reach gets None
and is ranked after every reachable one.
"""

from __future__ import annotations

from dataclasses import dataclass

Point = tuple[float, float]  # (longitude, latitude)


@dataclass(frozen=True)
class Leg:
    """A road trip's minutes and kilometres."""

    minutes: float
    km: float


def _road_trips(origin: Point, points: list[Point]) -> list[Leg | None]:
    """Road time and distance from `origin` to each point (None where no road joins them)."""
    if not points:
        return []
    from yingji.geography import roads

    trips = roads.network().trips_from(origin, points)
    return [None if trip is None else Leg(float(trip.minutes), float(trip.km)) for trip in trips]


def road_trips(origin: Point, points: list[Point]) -> list[Leg | None]:
    """`_road_trips` over distinct points: warehouses and vehicles often share a yard."""
    distinct = list(dict.fromkeys(points))
    legs = dict(zip(distinct, _road_trips(origin, distinct), strict=True))
    return [legs[point] for point in points]


def rank_key(leg: Leg | None) -> tuple[int, float]:
    """Sort reachable places by minutes, unreachable ones last."""
    return (1, 0.0) if leg is None else (0, leg.minutes)
