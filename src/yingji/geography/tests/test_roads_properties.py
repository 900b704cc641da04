"""Properties of road travel times on the bundled Xinzhou graph (undirected), for random points.

What holds exactly (graph.py's docstring, docs/roads.md): trips are symmetric; never quicker than the
straight line at the network's top speed, nor shorter than it; between nodes, times are shortest-path
distances and obey the triangle inequality; for any points it holds too when each point joins the
graph through its one nearest node and no point-to-point leg is allowed. With k nearest nodes and
direct legs, b's legs may join two roads that are far apart by road, a shortcut the route from a to
c cannot take: there the inequality is not promised (docs/roads.md gives how often it fails).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yingji.geography.roads import store
from yingji.geography.roads.data import to_network
from yingji.geography.roads.graph import RoadNetwork, haversine_km

XINZHOU = (110.94, 38.13, 113.96, 39.66)
RELATIVE = 1e-9  # floating-point sums in a different order

longitudes = st.floats(XINZHOU[0], XINZHOU[2])
latitudes = st.floats(XINZHOU[1], XINZHOU[3])
points = st.tuples(longitudes, latitudes)
checks = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def bundled() -> RoadNetwork:
    return store.build(store.bundled_data(), django_settings.ROADS_WINDING_BUNDLED)


@functools.cache
def one_access_node() -> RoadNetwork:
    return to_network(
        store.bundled_data(),
        winding_factor=django_settings.ROADS_WINDING_BUNDLED,
        speeds=django_settings.ROADS_SPEEDS,
        other_kmh=django_settings.ROADS_OTHER_KMH,
        default_kmh=django_settings.ROADS_DEFAULT_KMH,
        access_kmh=django_settings.ROADS_ACCESS_KMH,
        access_winding=django_settings.ROADS_ACCESS_WINDING,
        access_nodes=1,
        direct_km=0.0,
    )


def test_with_the_defaults_the_triangle_inequality_fails_rarely_and_by_little() -> None:
    # 300 triples, a and c within a few km of b (where access legs matter most), seed fixed:
    # the figures docs/roads.md gives (measured over 1,000: 0.2 %, at most 3 minutes).
    network = bundled()
    rng = np.random.default_rng(5)
    excess = []
    for _ in range(300):
        b = (rng.uniform(XINZHOU[0], XINZHOU[2]), rng.uniform(XINZHOU[1], XINZHOU[3]))
        a = (b[0] + rng.normal(0, 0.05), b[1] + rng.normal(0, 0.05))
        c = (b[0] + rng.normal(0, 0.05), b[1] + rng.normal(0, 0.05))
        ab, bc, ac = network.trip(a, b), network.trip(b, c), network.trip(a, c)
        assert ab is not None and bc is not None and ac is not None
        excess.append(ac.minutes - ab.minutes - bc.minutes)
    assert np.mean(np.array(excess) > 1e-9) <= 0.01
    assert max(excess) <= 5.0


@checks
@given(points, points)
def test_a_trip_takes_the_same_time_both_ways(a: tuple[float, float], b: tuple[float, float]) -> None:
    there, back = bundled().trip(a, b), bundled().trip(b, a)
    assert (there is None) == (back is None)
    if there is not None and back is not None:
        assert back.minutes == pytest.approx(there.minutes, rel=0.01)
        assert back.km == pytest.approx(there.km, rel=0.01)


@checks
@given(points, points)
def test_no_trip_beats_the_straight_line_at_the_top_speed(
    a: tuple[float, float], b: tuple[float, float]
) -> None:
    network = bundled()
    trip = network.trip(a, b)
    straight = float(haversine_km(a[0], a[1], b[0], b[1]))
    assert trip is not None
    assert trip.km >= straight * (1 - RELATIVE)
    assert trip.minutes >= straight / network.top_kmh * 60 * (1 - RELATIVE)


@checks
@given(st.data())
def test_road_times_between_nodes_obey_the_triangle_inequality(data: st.DataObject) -> None:
    network = bundled()
    a, b, c = (data.draw(st.integers(0, network.node_count - 1)) for _ in range(3))
    times = network.node_minutes([a, b])
    assert times[0, c] <= (times[0, b] + times[1, c]) * (1 + RELATIVE)


@checks
@given(points, points, points)
def test_with_one_access_node_trips_obey_the_triangle_inequality(
    a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]
) -> None:
    network = one_access_node()
    ab, bc, ac = network.trip(a, b), network.trip(b, c), network.trip(a, c)
    if ab is None or bc is None:
        return
    assert ac is not None
    assert ac.minutes <= (ab.minutes + bc.minutes) * (1 + RELATIVE)


def test_trips_from_agrees_with_single_trips() -> None:
    network = bundled()
    rng = np.random.default_rng(7)
    origin = (112.73, 38.42)
    targets = np.column_stack(
        (rng.uniform(XINZHOU[0], XINZHOU[2], 40), rng.uniform(XINZHOU[1], XINZHOU[3], 40))
    )
    many = network.trips_from(origin, targets)
    for target, trip in zip(targets, many, strict=True):
        single = network.trip(origin, (float(target[0]), float(target[1])))
        assert trip == single


def test_nearest_finds_what_a_full_search_ranks_first() -> None:
    network = bundled()
    rng = np.random.default_rng(11)
    targets = np.column_stack(
        (rng.uniform(XINZHOU[0], XINZHOU[2], 200), rng.uniform(XINZHOU[1], XINZHOU[3], 200))
    )
    for origin in [(112.73, 38.42), (111.15, 39.38), (113.5, 39.2)]:
        full = sorted((t.minutes, i) for i, t in enumerate(network.trips_from(origin, targets)) if t)
        assert [i for i, _ in network.nearest(origin, targets, 5)] == [i for _, i in full[:5]]
