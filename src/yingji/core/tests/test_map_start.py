"""Where the 一张图 opens and which layers are on: the user's county (their enterprise, the whole city),
with the layers their role uses most (issue 12, new user's item 9)."""

from __future__ import annotations

from typing import Any

from conftest import COUNTY_A

from yingji.core import roles
from yingji.core.models import Region, User
from yingji.enterprises.models import Enterprise


def map_config(page_client: Any, user: Any) -> dict[str, Any]:
    return page_client(user).get("/map/").context["map_config"]


def switched_on(config: dict[str, Any]) -> set[str]:
    return {layer["key"] for layer in config["layers"] if layer["visible"]}


def inside(inner: list[list[float]], outer: list[list[float]]) -> bool:
    (south, west), (north, east) = inner
    (outer_south, outer_west), (outer_north, outer_east) = outer
    return outer_south <= south < north <= outer_north and outer_west <= west < east <= outer_east


def test_a_county_admin_opens_on_their_county(page_client: Any, county_admin: Any, city_admin: Any) -> None:
    county = map_config(page_client, county_admin)["view"]["bounds"]
    city = map_config(page_client, city_admin)["view"]["bounds"]
    assert inside(county, city) and county != city
    centroid = Region.objects.get(code=COUNTY_A)
    (south, west), (north, east) = county
    assert south < centroid.centroid_lat < north and west < centroid.centroid_lon < east


def test_the_city_opens_on_every_county(page_client: Any, city_admin: Any) -> None:
    (south, west), (north, east) = map_config(page_client, city_admin)["view"]["bounds"]
    for county in Region.objects.filter(parent_id="140900"):
        assert south < county.centroid_lat < north and west < county.centroid_lon < east


def test_a_township_user_opens_on_their_county(page_client: Any, county_admin: Any) -> None:
    township = Region.objects.filter(parent_id=COUNTY_A).order_by("code").first()
    reporter = User.objects.create_user(
        "reporter-in-a-township", password="x", role=roles.DISASTER_REPORTER, region=township
    )
    assert map_config(page_client, reporter)["view"] == map_config(page_client, county_admin)["view"]


def test_an_enterprise_officer_opens_close_on_their_enterprise(page_client: Any, demo: None) -> None:
    enterprise = Enterprise.objects.filter(longitude__isnull=False).order_by("pk").first()
    officer = User.objects.filter(role=roles.ENTERPRISE_OFFICER, organization=enterprise.organization).first()
    view = map_config(page_client, officer)["view"]
    assert view == {"center": [enterprise.latitude, enterprise.longitude], "zoom": 14}


def test_an_enterprise_without_a_location_opens_on_its_region(page_client: Any, county_admin: Any) -> None:
    enterprise = Enterprise.objects.filter(region__path__contains=f"/{COUNTY_A}/").order_by("pk").first()
    Enterprise.objects.filter(pk=enterprise.pk).update(longitude=None, latitude=None)
    officer = User.objects.filter(role=roles.ENTERPRISE_OFFICER, organization=enterprise.organization).first()
    assert map_config(page_client, officer)["view"] == map_config(page_client, county_admin)["view"]


def test_each_role_opens_with_the_layers_it_uses_most(page_client: Any, county_admin: Any) -> None:
    assert switched_on(map_config(page_client, county_admin)) == {
        "counties",
        "incidents",
        "warnings",
        "monitoring",
        "major_hazards",
    }
    officer = User.objects.filter(role=roles.ENTERPRISE_OFFICER).order_by("pk").first()
    assert switched_on(map_config(page_client, officer)) == {
        "counties",
        "enterprise_risks",
        "monitoring",
        "major_hazards",
    }
    duty = User.objects.get(username=f"demo-duty-{COUNTY_A}")
    assert switched_on(map_config(page_client, duty)) == {
        "counties",
        "incidents",
        "warnings",
        "monitoring",
        "resource_teams",
    }
    reporter = User.objects.get(username=f"demo-reporter-{COUNTY_A}")
    assert switched_on(map_config(page_client, reporter)) == {"counties", "population_density"}


def test_the_layers_api_says_what_is_on_for_the_caller(
    api_client: Any, county_admin: Any, client: Any
) -> None:
    signed_in = {
        layer["key"]
        for layer in api_client(county_admin).get("/api/v1/map/layers").json()
        if layer["visible"]
    }
    assert signed_in == {"counties", "incidents", "warnings", "monitoring", "major_hazards"}
    anonymous = {layer["key"] for layer in client.get("/api/v1/map/layers").json() if layer["visible"]}
    assert anonymous == {"counties"}
