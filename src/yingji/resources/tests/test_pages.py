"""Pages of resources: scoped content, 404 for other counties and for roles without the registers."""

from __future__ import annotations

from typing import Any

import pytest

from yingji.resources import kinds
from yingji.resources.models import Shelter, Team

pytestmark = pytest.mark.django_db


def _csrf(client: Any, path: str) -> str:
    client.get(path)
    return client.cookies["csrftoken"].value


def _post(client: Any, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, {**data, "csrfmiddlewaretoken": _csrf(client, path)})


@pytest.mark.parametrize(
    "path",
    [
        "/resources/",
        "/resources/teams/",
        "/resources/equipment/",
        "/resources/shelters/",
        "/resources/teams/new/",
        "/resources/shelters/new/",
        "/resources/equipment/new/",
    ],
)
def test_the_pages_open_for_a_county_admin(page_client: Any, county_admin: Any, path: str) -> None:
    response = page_client(county_admin).get(path)

    assert response.status_code == 200
    assert "定襄消防救援站" not in response.content.decode()


def test_another_countys_team_and_shelter_are_404(
    page_client: Any, county_admin: Any, station_b: Team, shelter_b: Shelter
) -> None:
    client = page_client(county_admin)

    assert client.get(f"/resources/teams/{station_b.pk}/").status_code == 404
    assert client.get(f"/resources/shelters/{shelter_b.pk}/").status_code == 404


def test_a_reporter_has_no_resource_pages(page_client: Any, reporter: Any) -> None:
    assert page_client(reporter).get("/resources/teams/").status_code == 404


def test_the_detail_page_changes_readiness(page_client: Any, county_admin: Any, station_a: Team) -> None:
    Team.objects.filter(pk=station_a.pk).update(status=kinds.STANDBY)
    path = f"/resources/teams/{station_a.pk}/"
    client = page_client(county_admin)

    response = _post(client, path, {"action": "status", "status": "dispatched", "note": "演练"})

    assert response.status_code == 302
    assert Team.objects.get(pk=station_a.pk).status == kinds.DISPATCHED
    assert "演练" in client.get(path).content.decode()


def test_the_shelter_page_refuses_more_people_than_room(
    page_client: Any, county_admin: Any, shelter_a: Shelter
) -> None:
    path = f"/resources/shelters/{shelter_a.pk}/"
    client = page_client(county_admin)
    _post(client, path, {"action": "open"})

    response = _post(
        client, path, {"action": "movement", "checked_in": shelter_a.capacity + 1, "checked_out": 0}
    )

    assert response.status_code == 200
    assert "超出容纳人数" in response.content.decode()
    assert Shelter.objects.get(pk=shelter_a.pk).occupancy == 0


def test_the_team_list_counts_teams_out_on_a_call(page_client: Any, city_admin: Any) -> None:
    out = Team.objects.filter(status__in=("dispatched", "en_route", "on_scene", "returning")).count()
    response = page_client(city_admin).get("/resources/teams/", {"status": "out"})

    assert f"<span data-list-total>{out}</span>" in response.content.decode()
