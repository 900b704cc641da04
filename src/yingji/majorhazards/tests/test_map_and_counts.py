"""The 一张图 layer and the county count: scoped, colored by level, one query."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.core.registry import county_count_columns, map_layers_for
from yingji.majorhazards.models import Installation
from yingji.majorhazards.registrations import LEVEL_COLORS, NOT_MAJOR_COLOR

pytestmark = pytest.mark.django_db


def test_the_layer_shows_a_county_admin_only_their_countys_installations(
    api_client: Any, county_admin: Any
) -> None:
    features = api_client(county_admin).get("/api/v1/map/major-hazards").json()["features"]
    own = Installation.objects.filter(enterprise__region__path__contains="/140902/")

    assert sorted(f["properties"]["id"] for f in features) == sorted(own.values_list("pk", flat=True))


def test_points_are_colored_by_level_and_grey_when_not_major(api_client: Any, city_admin: Any) -> None:
    features = api_client(city_admin).get("/api/v1/map/major-hazards").json()["features"]
    levels = dict(Installation.objects.values_list("pk", "level"))

    for feature in features:
        level = levels[feature["properties"]["id"]]
        expected = LEVEL_COLORS[level] if level else NOT_MAJOR_COLOR
        assert feature["properties"]["style"]["fillColor"] == expected
        assert feature["properties"]["url"] == f"/major-hazards/{feature['properties']['id']}/"
        assert feature["geometry"]["type"] == "Point"
    assert {LEVEL_COLORS[1], NOT_MAJOR_COLOR} <= {f["properties"]["style"]["fillColor"] for f in features}


def test_an_installation_without_coordinates_sits_at_its_enterprise(api_client: Any, city_admin: Any) -> None:
    installation = Installation.objects.filter(
        longitude__isnull=True, enterprise__longitude__isnull=False
    ).first()
    features = api_client(city_admin).get("/api/v1/map/major-hazards").json()["features"]

    feature = next(f for f in features if f["properties"]["id"] == installation.pk)
    enterprise = installation.enterprise
    assert feature["geometry"]["coordinates"] == [enterprise.longitude, enterprise.latitude]
    assert feature["properties"]["popup"][:3] == [installation.name, enterprise.name, "未构成重大危险源"]


def test_the_layer_is_one_query_however_many_installations(api_client: Any, city_admin: Any) -> None:
    client = api_client(city_admin)
    client.get("/api/v1/map/major-hazards")
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/map/major-hazards")
    assert len(queries) <= 3


def test_the_layer_is_offered_to_administrators_not_to_reporters(county_admin: Any, reporter_a: Any) -> None:
    assert "major_hazards" in [layer.key for layer in map_layers_for(county_admin)]
    assert "major_hazards" not in [layer.key for layer in map_layers_for(reporter_a)]


def test_the_county_count_counts_major_installations_per_county(city_admin: Any, county_admin: Any) -> None:
    column = next(c for c in county_count_columns() if c.key == "major_hazard_installations")

    counts = column.count(city_admin)

    expected = Installation.objects.filter(
        is_major=True, enterprise__region__path__contains="/140921/"
    ).count()
    assert counts["140921"] == expected > 0
    assert set(column.count(county_admin)) == {"140902"}
