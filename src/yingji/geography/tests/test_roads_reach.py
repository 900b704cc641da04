"""Reach over the demo's population grid: by road within time bands, by air from helipads."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from shapely.geometry import shape

from yingji.core.errors import InvalidInput
from yingji.geography import population, roads
from yingji.geography.roads import synthetic
from yingji.geography.roads.reach import cells_polygon

XINZHOU = (112.73, 38.42)
DAIXIAN = (112.96, 39.07)


def test_population_within_grows_with_the_band_and_adds_up(demo: None) -> None:
    result = roads.population_within([XINZHOU, DAIXIAN], minutes=(15, 30, 60))
    people = [band["people"] for band in result["bands"]]
    assert 0 < people[0] < people[1] < people[2] < result["people"]
    for number in range(3):
        assert sum(c["within"][number] for c in result["counties"]) == people[number]
    assert len(result["bands"][0]["cells"]) < len(result["bands"][2]["cells"])
    rings = result["isochrones"]["features"]
    assert [f["properties"]["minutes"] for f in rings] == [15, 30, 60]
    assert sum(f["properties"]["people"] for f in rings) == people[2]
    for feature in rings:
        assert shape(feature["geometry"]).is_valid


def test_no_origin_reaches_no_one(demo: None) -> None:
    result = roads.population_within([], minutes=(30,))
    assert result["bands"][0]["people"] == 0
    assert result["isochrones"]["features"] == []


def test_bad_bands_are_refused(demo: None) -> None:
    with pytest.raises(InvalidInput):
        roads.population_within([XINZHOU], minutes=(0, 30))


def test_air_reach_counts_the_people_a_helicopter_reaches_within_the_hour(demo: None) -> None:
    # 200 km/h after 15 min: 150 km of flight reach from one pad in the middle of the city
    one = roads.air_reach([XINZHOU])
    none = roads.air_reach([])
    slow = roads.air_reach([XINZHOU], cruise_kmh=50, dispatch_delay_min=30)
    assert none["reached"] == 0 and none["gap_people"] == none["people"]
    assert 0 < slow["reached"] < one["reached"] <= one["people"]
    xinfu = next(c for c in one["counties"] if c["code"] == "140902")
    assert xinfu["share"] == 1.0
    assert one["reached"] + one["gap_people"] == one["people"]
    assert (one["gaps"]["features"] == []) == (one["gap_people"] == 0)


def test_cells_polygon_covers_exactly_the_cells(demo: None) -> None:
    loaded = population.load_grid("140900")
    assert loaded is not None
    cells = np.array([0, 1, 2, loaded.grid.cols + 1])  # an L of four cells
    area = shape(cells_polygon(loaded.grid, cells))
    assert area.area == pytest.approx(4 * loaded.grid.cell_lon * loaded.grid.cell_lat, rel=0.01)


def test_the_synthetic_network_is_deterministic_and_detailed() -> None:
    small = synthetic.synthetic_data(2_000, seed=3)
    again = synthetic.synthetic_data(2_000, seed=3)
    other = synthetic.synthetic_data(2_000, seed=4)
    assert small.node_count >= 2_000
    assert np.array_equal(small.lon, again.lon) and np.array_equal(small.edge_a, again.edge_a)
    assert not np.array_equal(small.lon, other.lon)
    assert set(small.classes) == {"motorway", "primary", "tertiary", "residential"}


def test_the_default_synthetic_network_has_a_quarter_million_nodes(settings: Any) -> None:
    network = roads.synthetic_network()
    assert network.node_count >= 250_000
    trip = network.trip(XINZHOU, DAIXIAN)
    assert trip is not None and 30 < trip.minutes < 120


def test_minutes_to_cells_gives_every_county_cell_its_minutes(demo: None) -> None:
    loaded, cells, minutes = roads.minutes_to_cells([XINZHOU], limit_minutes=30)
    assert len(cells) == len(minutes) == int((loaded.county_index >= 0).sum())
    here = int(loaded.grid.cell_of(*XINZHOU))
    assert minutes[np.searchsorted(cells, here)] < 5
    assert np.isinf(minutes).any() and (minutes[np.isfinite(minutes)] <= 30).all()
