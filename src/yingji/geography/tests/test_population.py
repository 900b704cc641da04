"""The population grid: each county's census population spread over ~1 km cells around its settlements."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from django.core.management import call_command

from yingji.core import regioncodes
from yingji.core.errors import InvalidInput
from yingji.core.models import Region
from yingji.geography import areas, population
from yingji.geography.models import PopulationGrid


@pytest.fixture
def city_grid(demo):
    population.build_grid("140900", cell_km=1.0)
    return population.load_grid("140900")


def test_each_county_adds_up_to_its_census_population_exactly(city_grid):
    census = dict(Region.objects.filter(level=regioncodes.COUNTY).values_list("code", "population"))
    assert len(city_grid.county_codes) == 14
    for number, code in enumerate(city_grid.county_codes):
        cells = city_grid.people[city_grid.county_index == number]
        assert cells.sum(dtype=np.float64) == census[code]
        assert (cells == np.round(cells)).all()  # whole persons
        assert (cells > 0).all()  # the rural floor leaves no cell of a county empty
    assert city_grid.people[city_grid.county_index < 0].sum() == 0
    assert city_grid.people.sum(dtype=np.float64) == 2_689_668
    stored = PopulationGrid.objects.get(region_id="140900")
    assert stored.total_people == 2_689_668
    assert "exp(−d/λ)" in stored.method and "1 千米" in stored.method


def test_cells_belong_to_the_county_around_their_centre(city_grid):
    grid = city_grid.grid
    assert grid.cell_lat * areas.KM_PER_DEGREE == pytest.approx(1.0, abs=1e-3)
    county = Region.objects.get(code="140902")
    number = city_grid.county_number("140902")
    cells = np.flatnonzero(city_grid.county_index == number)
    lon, lat = grid.centre_of(cells)
    assert shapely.intersects_xy(shapely.geometry.shape(county.geometry), lon, lat).all()
    assert len(cells) == pytest.approx(county.area_km2, rel=0.02)  # ~1 km² cells


def test_people_gather_around_settlements(city_grid):
    people = city_grid.people[city_grid.county_index >= 0]
    floor_only = people.min()
    # Dense cells near settlements, a thin floor elsewhere: far from uniform.
    assert np.percentile(people, 99) > 5 * np.percentile(people, 50)
    assert floor_only >= 1


def test_townships_and_villages_get_places_on_the_grid(city_grid):
    townships = Region.objects.filter(level=regioncodes.TOWNSHIP).count()
    villages = set(Region.objects.filter(level=regioncodes.VILLAGE).values_list("code", flat=True))
    assert len(city_grid.township_codes) == townships
    assert set(city_grid.village_cells) == villages
    populated = city_grid.county_index >= 0
    assert (city_grid.township_index[populated] >= 0).all()
    # A township's zone lies in its own county.
    township = "140902001000"
    zone = city_grid.township_index == city_grid.township_number(township)
    assert zone.any()
    assert set(city_grid.county_index[zone]) == {city_grid.county_number("140902")}


def test_rebuilding_replaces_the_grid_and_the_cache_follows(city_grid):
    assert population.load_grid("140902") is city_grid  # a county uses its city's grid, from memory
    population.build_grid("140900", cell_km=2.0)
    assert PopulationGrid.objects.count() == 1
    rebuilt = population.load_grid("140902")
    assert rebuilt.built_at > city_grid.built_at
    assert rebuilt.grid.size < city_grid.grid.size / 3
    assert rebuilt.people.sum(dtype=np.float64) == 2_689_668


def test_the_same_data_gives_the_same_grid(demo):
    first = population.build_grid("140900", cell_km=2.0)
    again = population.build_grid("140900", cell_km=2.0)
    assert bytes(first.people) == bytes(again.people)


def test_no_grid_means_none(demo):
    PopulationGrid.objects.all().delete()
    assert population.load_grid("140902") is None


def test_bad_requests_are_refused(demo):
    with pytest.raises(InvalidInput):
        population.build_grid("140900", cell_km=0.01)
    with pytest.raises(InvalidInput):
        population.build_grid("999999")


def test_the_command_builds_the_grid(demo, capsys):
    call_command("population-grid", "build", "--cell-km", "2")
    assert "2,689,668 people in 14 counties" in capsys.readouterr().out
    assert PopulationGrid.objects.get(region_id="140900").rows > 0


def test_centroids_in_the_data_are_used_as_settlements():
    grid = areas.Grid(west=0.0, south=0.0, cell_lon=0.01, cell_lat=0.01, rows=40, cols=40)
    county = population.County(
        "999901",
        10_000,
        {"type": "Polygon", "coordinates": [[[0, 0], [0.4, 0], [0.4, 0.4], [0, 0.4], [0, 0]]]},
    )
    places = [
        population.Place("999901001000", regioncodes.TOWNSHIP, "999901", "999901001000", 10_000),
        population.Place("999901001001", regioncodes.VILLAGE, "999901", "999901001000", 9_000, 0.105, 0.105),
        population.Place("999901001002", regioncodes.VILLAGE, "999901", "999901001000", 1_000, 0.305, 0.305),
    ]
    model = population.build_model(grid, [county], places)
    assert model.people.sum(dtype=np.float64) == 10_000
    assert model.synthetic_counties == []
    peak = int(np.argmax(model.people))
    assert peak == grid.cell_of(0.105, 0.105)
    assert model.village_cells == {
        "999901001001": grid.cell_of(0.105, 0.105),
        "999901001002": grid.cell_of(0.305, 0.305),
    }
    assert model.people[grid.cell_of(0.305, 0.305)] > model.people[grid.cell_of(0.005, 0.395)]


def test_sampled_locations_follow_the_people(city_grid):
    lon, lat = population.sample_locations(city_grid, 20_000, np.random.default_rng(3))
    cells = city_grid.grid.cell_of(lon, lat)
    assert (cells >= 0).all()
    counties = city_grid.county_index[cells]
    share = (counties == city_grid.county_number("140902")).mean()
    assert share == pytest.approx(577_089 / 2_689_668, abs=0.02)
