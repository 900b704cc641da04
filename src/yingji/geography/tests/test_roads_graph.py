"""Routing on small graphs built in the test: minutes, km, access legs, limits, unreachable parts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from yingji.geography.roads.data import RoadData, edge_kmh, from_features, parse_maxspeed, to_network
from yingji.geography.roads.graph import RoadNetwork, Trip, haversine_km

SPEEDS = {"motorway": 100.0, "trunk": 80.0, "primary": 60.0, "secondary": 50.0, "tertiary": 40.0}


def line(*points: tuple[float, float], **properties: object) -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "LineString", "coordinates": [list(p) for p in points]},
    }


def network_of(features: list[dict], winding: float = 1.0) -> RoadNetwork:
    return to_network(
        from_features(features),
        winding_factor=winding,
        speeds=SPEEDS,
        other_kmh=30.0,
        default_kmh=60.0,
        access_kmh=20.0,
        access_winding=1.0,
        access_nodes=2,
    )


def test_a_trip_along_one_road_takes_its_length_at_its_speed() -> None:
    # Given a primary road of two straight segments along the equator
    net = network_of([line((0.0, 0.0), (0.1, 0.0), (0.2, 0.0), highway="primary")])
    km = float(haversine_km(0.0, 0.0, 0.2, 0.0))
    # When routing from one end to the other
    trip = net.trip((0.0, 0.0), (0.2, 0.0))
    # Then it is the road's length at 60 km/h
    assert trip is not None
    assert trip.km == pytest.approx(km)
    assert trip.minutes == pytest.approx(km / 60 * 60)


def test_the_winding_factor_lengthens_roads() -> None:
    features = [line((0.0, 0.0), (0.2, 0.0), highway="primary")]
    straight = network_of(features).trip((0.0, 0.0), (0.2, 0.0))
    winding = network_of(features, winding=1.25).trip((0.0, 0.0), (0.2, 0.0))
    assert straight is not None and winding is not None
    assert winding.minutes == pytest.approx(1.25 * straight.minutes)
    assert winding.km == pytest.approx(1.25 * straight.km)


def test_a_point_off_the_road_adds_its_access_leg_at_the_access_speed() -> None:
    net = network_of([line((0.0, 0.0), (0.2, 0.0), highway="motorway")])
    off = (0.2, 0.01)  # ≈ 1.1 km north of the road's east end
    trip = net.trip((0.0, 0.0), off)
    leg = float(haversine_km(0.2, 0.0, 0.2, 0.01))
    road = float(haversine_km(0.0, 0.0, 0.2, 0.0))
    assert trip is not None
    assert trip.minutes == pytest.approx(road / 100 * 60 + leg / 20 * 60)
    assert trip.km == pytest.approx(road + leg)


def test_the_faster_road_wins_even_when_longer() -> None:
    # A slow direct track and a motorway detour
    net = network_of(
        [
            line((0.0, 0.0), (0.3, 0.0), highway="track"),
            line((0.0, 0.0), (0.15, 0.05), (0.3, 0.0), highway="motorway"),
        ]
    )
    trip = net.trip((0.0, 0.0), (0.3, 0.0))
    detour = float(haversine_km(0.0, 0.0, 0.15, 0.05) + haversine_km(0.15, 0.05, 0.3, 0.0))
    assert trip is not None
    assert trip.km == pytest.approx(detour)
    assert trip.minutes == pytest.approx(detour / 100 * 60)


def test_trips_from_answers_each_destination_and_none_beyond_the_limit() -> None:
    net = network_of([line((0.0, 0.0), (0.1, 0.0), (0.2, 0.0), (0.3, 0.0), highway="primary")])
    trips = net.trips_from((0.0, 0.0), [(0.1, 0.0), (0.3, 0.0)], limit_minutes=15)
    near = float(haversine_km(0.0, 0.0, 0.1, 0.0))
    assert trips[0] == Trip(pytest.approx(near), pytest.approx(near))  # type: ignore[arg-type]
    assert trips[1] is None  # 33 km at 60 km/h: 33 minutes


def test_points_join_the_largest_connected_part_only() -> None:
    # Given a road of three segments and a one-segment fragment far from it
    net = network_of(
        [
            line((0.0, 0.0), (0.1, 0.0), (0.2, 0.0), (0.3, 0.0), highway="primary"),
            line((1.0, 1.0), (1.1, 1.0), highway="primary"),
        ]
    )
    # A point on the fragment is reached through the main road (a long access leg), not never
    trip = net.trip((0.0, 0.0), (1.1, 1.0))
    assert trip is not None and trip.minutes > 100
    # and beyond a limit it is None
    assert net.trips_from((0.0, 0.0), [(1.1, 1.0)], limit_minutes=60) == [None]


def test_two_near_points_far_from_roads_are_joined_directly() -> None:
    net = network_of([line((0.0, 0.0), (0.1, 0.0), highway="primary")])
    walk = net.trip((0.5, 0.5), (0.5, 0.501))
    assert walk is not None
    assert walk.minutes == pytest.approx(float(haversine_km(0.5, 0.5, 0.5, 0.501)) / 20 * 60)


def test_minutes_to_takes_the_nearest_of_several_origins() -> None:
    net = network_of([line((0.0, 0.0), (0.1, 0.0), (0.2, 0.0), (0.3, 0.0), highway="primary")])
    minutes = net.minutes_to([(0.0, 0.0), (0.3, 0.0)], [(0.1, 0.0), (0.2, 0.0)])
    one = float(haversine_km(0.0, 0.0, 0.1, 0.0))
    assert minutes == pytest.approx([one, one])


def test_speeds_come_from_maxspeed_then_class_then_default() -> None:
    data = from_features(
        [
            line((0.0, 0.0), (0.1, 0.0), highway="trunk_link"),
            line((0.0, 1.0), (0.1, 1.0), highway="residential"),
            line((0.0, 2.0), (0.1, 2.0), highway="primary", maxspeed="40"),
            line((0.0, 3.0), (0.1, 3.0)),
        ]
    )
    assert list(edge_kmh(data, SPEEDS, 30.0, 60.0)) == [80.0, 30.0, 40.0, 60.0]


@pytest.mark.parametrize(
    ("raw", "kmh"),
    [("60", 60.0), (80, 80.0), ("30 mph", 30 * 1.609344), ("signals", math.nan), (None, math.nan)],
)
def test_maxspeed_is_read_in_kmh(raw: object, kmh: float) -> None:
    assert parse_maxspeed(raw) == pytest.approx(kmh, nan_ok=True)


def test_lines_meeting_at_a_shared_vertex_are_joined() -> None:
    data = from_features(
        [line((0.0, 0.0), (0.1, 0.0), (0.2, 0.0)), line((0.1, -0.1), (0.1, 0.0), (0.1, 0.1))]
    )
    assert isinstance(data, RoadData)
    assert data.node_count == 5 and data.edge_count == 4
    assert np.bincount(np.concatenate((data.edge_a, data.edge_b))).max() == 4


def test_road_speeds_are_configured_over_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    from yingji.config import ConfigError, env_float_mapping

    monkeypatch.setenv("ROADS_SPEEDS", "motorway=110, living_street=10")
    assert env_float_mapping("ROADS_SPEEDS", {"motorway": 100.0, "trunk": 80.0}) == {
        "motorway": 110.0, "trunk": 80.0, "living_street": 10.0,
    }  # fmt: skip
    monkeypatch.setenv("ROADS_SPEEDS", "motorway=fast")
    with pytest.raises(ConfigError, match="motorway"):
        env_float_mapping("ROADS_SPEEDS", {})


def test_a_point_that_is_not_a_number_is_reached_by_nothing() -> None:
    net = network_of([line((0.0, 0.0), (0.1, 0.0), (0.2, 0.0), highway="primary")])
    nan = (math.nan, 0.0)
    assert net.trips_from((0.0, 0.0), [nan, (0.2, 0.0)])[0] is None
    assert net.trips_from((0.0, 0.0), [nan, (0.2, 0.0)])[1] is not None
    assert net.trips_from(nan, [(0.2, 0.0)]) == [None]
    assert [i for i, _ in net.nearest((0.0, 0.0), [nan, (0.2, 0.0)], 5)] == [1]
    minutes = net.minutes_to([nan, (0.0, 0.0)], [(0.1, 0.0), (math.inf, 1.0)])
    assert np.isfinite(minutes[0]) and np.isinf(minutes[1])


def test_a_multilinestring_gives_its_lines_without_joining_them() -> None:
    multi = {
        "type": "Feature",
        "properties": {"highway": "secondary", "maxspeed": "70"},
        "geometry": {"type": "MultiLineString", "coordinates": [[[0, 0], [0.1, 0]], [[1, 1], [1.1, 1]]]},
    }
    data = from_features([multi])
    assert (data.node_count, data.edge_count) == (4, 2)
    assert list(edge_kmh(data, SPEEDS, 30.0, 60.0)) == [70.0, 70.0]


@pytest.mark.parametrize(
    ("feature", "reason"),
    [
        ({"type": "Feature", "properties": {}, "geometry": None}, "no geometry"),
        (
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [0, 0]}},
            "LineString",
        ),
        (line((0.0, 0.0)), "at least two"),
        (line((0.0, 0.0), (0.0, 91.0)), "not a valid"),
        ({"type": "Feature", "properties": [], "geometry": None}, "properties"),
        ({"type": "Polygon"}, "not a GeoJSON Feature"),
    ],
)
def test_a_bad_feature_is_refused_with_where_and_why(feature: dict, reason: str) -> None:
    from yingji.geography.roads.data import RoadDataError

    with pytest.raises(RoadDataError, match=reason) as error:
        from_features([line((0.0, 0.0), (0.1, 0.0)), feature])
    assert "feature 2" in str(error.value)
