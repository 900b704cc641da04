"""`GET /api/v1/routing/travel-time` and `yingji route`: the quickest trip, or a clear 400 / exit."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

URL = "/api/v1/routing/travel-time"
XINZHOU = "112.73,38.42"
TAIYUAN = "112.55,37.87"


def test_the_api_answers_the_quickest_trip(api_client: Any, county_admin: Any) -> None:
    response = api_client(county_admin).get(URL, {"from": XINZHOU, "to": TAIYUAN})
    assert response.status_code == 200
    body = response.json()
    assert body["reachable"] is True
    assert 60 < body["minutes"] < 150 and 60 < body["km"] < 130
    back = api_client(county_admin).get(URL, {"from": TAIYUAN, "to": XINZHOU}).json()
    assert back["minutes"] == pytest.approx(body["minutes"], rel=0.01)


@pytest.mark.parametrize(
    ("origin", "code", "field"),
    [
        ("112.73", "invalid_input", "from"),
        ("abc,38.4", "invalid_input", "from"),
        ("nan,38.4", "invalid_input", "from"),
        ("200,38.4", "invalid_input", "from"),
        ("12.7,38.4", "invalid_input", "from"),  # outside China
        ("116.4,39.9", "outside_network", "from"),  # Beijing: outside the network's area
    ],
)
def test_a_bad_point_is_a_400_naming_it(
    api_client: Any, county_admin: Any, origin: str, code: str, field: str
) -> None:
    response = api_client(county_admin).get(URL, {"from": origin, "to": TAIYUAN})
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["details"]["field"] == field


@pytest.mark.django_db
def test_the_api_needs_an_account() -> None:
    response = Client().get(URL, {"from": XINZHOU, "to": TAIYUAN})
    assert response.status_code == 401


@pytest.mark.django_db
def test_the_command_prints_minutes_and_km_as_json() -> None:
    out = StringIO()
    call_command("route", "--from", XINZHOU, "--to", TAIYUAN, "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert set(body) == {"minutes", "km"}
    assert 60 < body["minutes"] < 150


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["112.73", "x,y", "116.4,39.9"])
def test_the_command_refuses_a_bad_point_in_one_line(bad: str) -> None:
    with pytest.raises(CommandError) as error:
        call_command("route", "--from", bad, "--to", TAIYUAN, stdout=StringIO())
    assert "\n" not in str(error.value)


@pytest.mark.django_db
def test_roads_info_and_load_bundled() -> None:
    out = StringIO()
    call_command("roads", "info", stdout=out)
    assert "bundled, not loaded" in out.getvalue() and "1,484 nodes" in out.getvalue()
    out = StringIO()
    call_command("roads", "load", "--bundled", stdout=out)
    assert "loaded" in out.getvalue() and "2,259 edges" in out.getvalue()
