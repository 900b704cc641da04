"""The nearest help by road time, reach of the teams, the aviation network and the public's shelter search."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yingji.core.errors import InvalidInput
from yingji.core.registry import NearestSearch, resource_sources
from yingji.geography import roads
from yingji.resources import kinds, nearest, reach
from yingji.resources.models import Equipment, Shelter, Team

pytestmark = pytest.mark.django_db
XINZHOU = (112.73, 38.42)  # 忻府区, the city's centre


def test_the_kinds_this_app_registers_are_sources_of_the_search() -> None:
    assert {"team", "shelter", "equipment", "vehicle"} <= set(resource_sources())


def test_the_nearest_fire_stations_are_the_soonest_by_road_and_standing_by(city_admin: Any) -> None:
    found = nearest.nearest(city_admin, XINZHOU, "team", NearestSearch(capability=kinds.FIRE_STATION), 5)

    assert len(found) == 5
    assert [item.minutes for item in found] == sorted(item.minutes for item in found)
    teams = {t.pk: t for t in Team.objects.filter(pk__in=[item.candidate.id for item in found])}
    assert all(teams[item.candidate.id].kind == kinds.FIRE_STATION for item in found)
    assert all(teams[item.candidate.id].status == kinds.STANDBY for item in found)
    network = roads.network()
    for item in found:
        trip = network.trip(XINZHOU, (item.candidate.longitude, item.candidate.latitude))
        assert trip is not None and trip.minutes == pytest.approx(item.minutes)
        assert item.km >= item.straight_km * 0.99  # a road is never shorter than the straight line


def test_no_standing_by_station_beats_the_first_answer(city_admin: Any) -> None:
    first = nearest.nearest(city_admin, XINZHOU, "team", NearestSearch(capability=kinds.FIRE_STATION), 1)[0]
    network = roads.network()
    for lon, lat in Team.objects.filter(kind=kinds.FIRE_STATION, status=kinds.STANDBY).values_list(
        "longitude", "latitude"
    ):
        trip = network.trip(XINZHOU, (lon, lat))
        assert trip is None or trip.minutes >= first.minutes - 1e-9


def test_a_county_admin_is_offered_only_their_own_countys_resources(county_admin: Any) -> None:
    found = nearest.nearest(county_admin, XINZHOU, "vehicle", NearestSearch(), 10)

    assert found
    regions = set(
        Equipment.objects.filter(pk__in=[i.candidate.id for i in found]).values_list("region_id", flat=True)
    )
    assert {code[:6] for code in regions} == {"140902"}


def test_shelters_offered_are_open_with_room_for_the_people(city_admin: Any) -> None:
    found = nearest.nearest(city_admin, (111.17, 39.40), "shelter", NearestSearch(quantity=500), 5)

    assert found
    for item in found:
        shelter = Shelter.objects.get(pk=item.candidate.id)
        assert shelter.status == kinds.OPEN and shelter.capacity - shelter.occupancy >= 500


def test_equipment_with_too_little_capability_is_left_out(city_admin: Any) -> None:
    found = nearest.nearest(
        city_admin, XINZHOU, "equipment", NearestSearch(capability="pump", quantity=800), 5
    )

    assert found and all(Equipment.objects.get(pk=i.candidate.id).capability >= 800 for i in found)


def test_a_point_outside_the_network_is_refused(city_admin: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        nearest.nearest(city_admin, (100.0, 30.0), "team")
    assert refused.value.code == "outside_network"


def test_the_api_answers_minutes_km_and_what_qualifies(api_client: Any, city_admin: Any) -> None:
    response = api_client(city_admin).get(
        "/api/v1/resources/nearest",
        {"lon": XINZHOU[0], "lat": XINZHOU[1], "kind": "team", "capability": "fire_station", "limit": 3},
    )

    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 3 and rows[0]["minutes"] <= rows[1]["minutes"] <= rows[2]["minutes"]
    assert "待命" in rows[0]["qualifies"] and rows[0]["km"] > 0 and rows[0]["straight_km"] > 0


def test_the_public_finds_open_shelters_without_signing_in(demo: None) -> None:
    response = Client().get("/api/v1/public/shelters/nearest", {"lon": 111.17, "lat": 39.40})

    assert response.status_code == 200
    rows = response.json()
    assert rows and "url" not in rows[0]
    assert all(Shelter.objects.get(pk=row["id"]).status == kinds.OPEN for row in rows)
    page = Client().get("/public/shelters/", {"lon": 111.17, "lat": 39.40})
    assert page.status_code == 200 and rows[0]["label"] in page.content.decode()


def test_fire_station_reach_grows_with_the_minutes_and_stays_within_the_people(city_admin: Any) -> None:
    result = reach.team_reach(city_admin)

    assert result.origins == Team.objects.filter(kind=kinds.FIRE_STATION).count()
    people = [band.population for band in result.bands]
    assert people == sorted(people) and people[0] > 0 and people[-1] <= result.population
    assert result.isochrones["features"]


def test_a_county_admin_sees_reach_over_their_county_only(county_admin: Any) -> None:
    result = reach.team_reach(county_admin)

    assert all(set(band.by_county) == {"140902"} for band in result.bands)


def test_the_aviation_network_shows_the_gap_of_the_planned_helipads(city_admin: Any) -> None:
    network = reach.aviation(city_admin)

    assert 0 < network.within < network.population
    short = {row["region_code"] for row in network.counties if row["share"] < 1}
    assert short and short <= {"140930", "140931", "140932"}  # the Yellow River corner
    assert network.gaps["features"]
