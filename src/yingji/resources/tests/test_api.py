"""The resources API: scoped lists and details, writes through services, errors, query counts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yingji.resources import kinds
from yingji.resources.models import Shelter, Team

pytestmark = pytest.mark.django_db


def _send(client: Any, method: str, path: str, body: Any = None) -> Any:
    return client.generic(method, path, json.dumps(body or {}), content_type="application/json")


@pytest.mark.parametrize(
    "path", ["/api/v1/resources/teams", "/api/v1/resources/equipment", "/api/v1/resources/shelters"]
)
def test_a_county_admin_lists_only_their_countys_resources(
    api_client: Any, county_admin: Any, path: str
) -> None:
    body = api_client(county_admin).get(path, {"limit": 1000}).json()

    assert body["count"] > 0
    assert {row["region_code"][:6] for row in body["items"]} == {"140902"}


def test_the_team_list_filters_by_kind_status_and_region(api_client: Any, city_admin: Any) -> None:
    client = api_client(city_admin)
    stations = client.get("/api/v1/resources/teams", {"kind": "fire_station", "limit": 1000}).json()["items"]
    assert len(stations) == 15  # one per county and the city's special-service station
    standby = client.get("/api/v1/resources/teams", {"status": "standby", "limit": 1000}).json()["items"]
    assert standby and all(row["status"] == "standby" for row in standby)
    dingxiang = client.get("/api/v1/resources/teams", {"region": "140921", "limit": 1000}).json()["items"]
    assert dingxiang and all(row["region_code"].startswith("140921") for row in dingxiang)


def test_another_countys_team_is_a_404(api_client: Any, county_admin: Any, station_b: Team) -> None:
    response = api_client(county_admin).get(f"/api/v1/resources/teams/{station_b.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_team_detail_carries_members_equipment_and_readiness_history(
    api_client: Any, county_admin: Any, station_a: Team
) -> None:
    body = api_client(county_admin).get(f"/api/v1/resources/teams/{station_a.pk}").json()

    assert body["members"] and body["members"][0]["certificates"]
    assert {row["kind"] for row in body["equipment"]} >= {"fire_engine"}
    assert body["status_history"][0]["to_status"] == body["status"]


def test_a_status_change_out_of_the_cycle_is_a_409_with_the_code(
    api_client: Any, county_admin: Any, station_a: Team
) -> None:
    Team.objects.filter(pk=station_a.pk).update(status=kinds.RESTING)
    response = _send(
        api_client(county_admin),
        "POST",
        f"/api/v1/resources/teams/{station_a.pk}/status",
        {"status": "on_scene"},
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_a_team_posts_its_position_with_its_key_and_nothing_else_does(
    api_client: Any, county_admin: Any, station_a: Team
) -> None:
    issued = _send(api_client(county_admin), "POST", f"/api/v1/resources/teams/{station_a.pk}/key")
    assert issued.status_code == 201
    key = issued.json()["key"]
    tracker = Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    moved = _send(
        tracker, "POST", "/api/v1/resources/team-positions", {"longitude": 112.77, "latitude": 38.45}
    )
    assert moved.status_code == 200 and moved.json()["position_longitude"] == 112.77
    person = _send(
        api_client(county_admin),
        "POST",
        "/api/v1/resources/team-positions",
        {"longitude": 112.7, "latitude": 38.4},
    )
    assert person.status_code == 401


def test_check_ins_over_the_capacity_are_a_409_and_change_nothing(
    api_client: Any, county_admin: Any, shelter_a: Shelter
) -> None:
    client = api_client(county_admin)
    assert _send(client, "POST", f"/api/v1/resources/shelters/{shelter_a.pk}/open").status_code == 200

    response = _send(
        client,
        "POST",
        f"/api/v1/resources/shelters/{shelter_a.pk}/movements",
        {"checked_in": shelter_a.capacity + 5},
    )
    assert response.status_code == 409 and response.json()["code"] == "over_capacity"
    assert Shelter.objects.get(pk=shelter_a.pk).occupancy == 0
    ok = _send(client, "POST", f"/api/v1/resources/shelters/{shelter_a.pk}/movements", {"checked_in": 3})
    assert ok.json()["occupancy"] == 3 and ok.json()["room"] == shelter_a.capacity - 3


def test_shelter_coverage_names_each_county_and_its_fixed_share(api_client: Any, city_admin: Any) -> None:
    rows = api_client(city_admin).get("/api/v1/resources/shelter-coverage").json()

    assert len(rows) == 14
    for row in rows:
        assert 0 <= row["covered"] <= row["population"]
        assert row["meets_fixed_target"] == (row["fixed_share"] >= 0.15)
    assert any(row["covered"] > 0 for row in rows)


def test_a_new_shelter_gets_its_capacity_from_the_norm(api_client: Any, county_admin: Any) -> None:
    response = _send(
        api_client(county_admin),
        "POST",
        "/api/v1/resources/shelters",
        {
            "name": "忻府区北城公园",
            "shelter_type": "emergency",
            "level": "township",
            "region_code": "140902",
            "longitude": 112.73,
            "latitude": 38.43,
            "area_m2": 3000,
            "facilities": ["water", "toilets"],
        },
    )

    assert response.status_code == 201
    assert response.json()["capacity"] == 6000 and response.json()["status"] == "closed"


def test_an_unknown_kind_for_the_nearest_help_is_a_400(api_client: Any, county_admin: Any) -> None:
    response = api_client(county_admin).get(
        "/api/v1/resources/nearest", {"lon": 112.7, "lat": 38.4, "kind": "navy"}
    )

    assert response.status_code == 400 and response.json()["code"] == "unknown_kind"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/resources/teams?limit=1000",
        "/api/v1/resources/equipment?limit=1000",
        "/api/v1/resources/shelters?limit=1000",
        "/api/v1/map/resource-teams",
        "/api/v1/map/shelters",
        "/api/v1/map/resource-equipment",
        "/api/v1/map/helipads",
    ],
)
def test_lists_and_layers_take_a_constant_number_of_queries(
    api_client: Any, city_admin: Any, path: str
) -> None:
    client = api_client(city_admin)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    assert len(queries) <= 8
