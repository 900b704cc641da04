"""Caches of rarely changing data: built once per state of that data, never from inside a transaction,
the map's base layer rebuilt when the regions are loaded, and the county dashboard kept per scope for
a few seconds at most."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from yingji.core import caching
from yingji.core.models import Organization, Region
from yingji.core.regions_loader import load_regions

COUNTY_A, COUNTY_B = "140902", "140921"


class Builds:
    """A build function that counts its calls and answers the number of the call."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> int:
        self.count += 1
        return self.count


def test_a_value_is_built_once_per_version_of_its_data() -> None:
    build, version = Builds(), ["first"]
    for _ in range(3):
        assert caching.per_process("test.value", lambda: version[0], build) == 1
    version[0] = "second"
    assert caching.per_process("test.value", lambda: version[0], build) == 2
    assert build.count == 2


def test_an_entry_lives_only_its_seconds() -> None:
    build = Builds()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert caching.cached(lambda: ("test.short",), build, seconds=30) == 1
        clock.shift(timedelta(seconds=29))
        assert caching.cached(lambda: ("test.short",), build, seconds=30) == 1
        clock.shift(timedelta(seconds=2))
        assert caching.cached(lambda: ("test.short",), build, seconds=30) == 2


@pytest.mark.django_db
def test_nothing_is_read_or_stored_inside_a_transaction() -> None:
    build = Builds()

    def key() -> tuple[str]:
        raise AssertionError("the key is not needed when the cache is not used")

    assert caching.cached(key, build) == 1
    assert caching.cached(key, build) == 2
    assert caching.per_process("test.in_transaction", key, build) == 3


# The map's base layer --------------------------------------------------------------------------

# These tests commit, as a server's requests do (nothing is cached inside a transaction); the demo
# database is put back when each ends.
committing = pytest.mark.django_db(transaction=True)


def linked_counties(client: Client) -> list[str]:
    features = client.get("/api/v1/map/counties").json()["features"]
    return [feature["properties"]["code"] for feature in features if feature["properties"]["url"]]


@committing
def test_the_cached_base_layer_links_each_user_only_their_own_counties(
    demo: None, county_admin: Any, other_county_admin: Any, city_admin: Any, api_client: Any
) -> None:
    assert linked_counties(Client()) == []
    assert linked_counties(api_client(county_admin)) == [COUNTY_A]
    assert linked_counties(api_client(other_county_admin)) == [COUNTY_B]
    assert len(linked_counties(api_client(city_admin))) == 14
    assert linked_counties(Client()) == []


@committing
def test_loading_the_regions_rebuilds_the_base_layer(demo: None) -> None:
    Region.objects.filter(code=COUNTY_A).update(name="旧名区")
    client = Client()

    def name_of_county_a() -> str:
        features = client.get("/api/v1/map/counties").json()["features"]
        return next(f["properties"]["name"] for f in features if f["properties"]["code"] == COUNTY_A)

    assert name_of_county_a() == "旧名区"
    load_regions()  # the bundled data: 忻府区 again
    assert name_of_county_a() == "忻府区"


# The county dashboard --------------------------------------------------------------------------


def dashboard(client: Client) -> dict[str, dict[str, Any]]:
    return {row["region_code"]: row for row in client.get("/api/v1/dashboard/counties").json()}


@committing
def test_cached_counts_are_per_scope(
    demo: None, city_admin: Any, county_admin: Any, other_county_admin: Any, api_client: Any
) -> None:
    assert len(dashboard(api_client(city_admin))) == 14
    assert list(dashboard(api_client(county_admin))) == [COUNTY_A]
    assert list(dashboard(api_client(other_county_admin))) == [COUNTY_B]


@committing
def test_counts_are_at_most_their_max_age_old_and_say_when_they_were_counted(
    demo: None, county_admin: Any, api_client: Any, settings: Any
) -> None:
    settings.COUNTY_COUNTS_MAX_AGE = 30
    client = api_client(county_admin)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        counted = client.get("/api/v1/dashboard/counties")
        before = counted.json()[0]["counts"]["organizations"]
        Organization.objects.create(name="新设单位", kind=Organization.DEPARTMENT, region_id=COUNTY_A)

        clock.shift(timedelta(seconds=20))
        again = client.get("/api/v1/dashboard/counties")
        assert again.json()[0]["counts"]["organizations"] == before
        assert again["Last-Modified"] == counted["Last-Modified"]

        clock.shift(timedelta(seconds=11))
        recounted = client.get("/api/v1/dashboard/counties")
        assert recounted.json()[0]["counts"]["organizations"] == before + 1
        assert parsedate_to_datetime(recounted["Last-Modified"]) > parsedate_to_datetime(
            counted["Last-Modified"]
        )


@committing
def test_the_region_page_says_when_it_counted(demo: None, county_admin: Any, page_client: Any) -> None:
    page = page_client(county_admin).get(f"/regions/{county_admin.region_id}/").content.decode()
    assert 'id="counted-at"' in page and "每 30 秒更新" in page
