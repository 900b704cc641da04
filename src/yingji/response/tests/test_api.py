"""The response's API: scoped to the incident, bounded, every write through a service."""

from __future__ import annotations

import pytest

from yingji.response import rules
from yingji.response.models import DispatchOrder, GroupKind, Response
from yingji.response.tests.conftest import COUNTY, standby_teams

BASE = "/api/v1/incidents/{}"


def _post(client, path, body, method="post"):
    return getattr(client, method)(path, body, content_type="application/json")


def test_an_incident_goes_from_launch_to_stand_down_through_the_api(api_client, county_admin, incident):
    client = api_client(county_admin)
    url = BASE.format(incident.pk)
    assert client.get(url + "/response").json()["response"] is None

    launched = _post(client, url + "/response", {"level": 4, "sitrep_every_hours": 2})
    assert launched.status_code == 201, launched.content
    assert launched.json()["incident_status"] == "responding"
    adjusted = _post(client, url + "/response", {"level": 3, "reason": "扩大"}, "patch").json()
    assert adjusted["response"]["level"] == 3 and len(adjusted["response"]["level_changes"]) == 2
    assert (
        _post(client, url + "/headquarters/members", {"group": "rescue", "name": "李队长"}).status_code == 201
    )
    assert client.get(url + "/headquarters").json()["groups"]
    task = _post(client, url + "/tasks", {"title": "巡查", "due_at": "2100-01-01T08:00:00+08:00"})
    assert task.status_code == 400  # more than 30 days ahead
    assert _post(client, url + "/tasks", {"title": "巡查"}).status_code == 400  # neither a time nor hours
    assert _post(client, url + "/tasks", {"title": "巡查现场", "hours": 2}).status_code == 201
    tasks = client.get(url + "/tasks").json()
    assert tasks and all(t["status"] == "open" for t in tasks)
    done = _post(
        client, f"/api/v1/response-tasks/{tasks[0]['id']}/feedback", {"feedback": "完成", "done": True}
    )
    assert done.json()["status"] == "done"
    filed = _post(client, url + "/sitreps", {"progress": "平稳", "evacuated": 12})
    assert filed.status_code == 201 and filed.json()["evacuated"] == 12
    recommendation = client.get(url + "/recommendation").json()
    assert recommendation["teams"] and recommendation["population"]
    order = _post(client, url + "/dispatch-orders", {"team_id": 0, "task": "堵漏"})
    assert order.status_code == 201 and order.json()["team_id"] == recommendation["teams"][0]["id"]
    order_id = order.json()["id"]
    assert _post(client, f"/api/v1/dispatch-orders/{order_id}/acknowledge", {}).json()["status"] == "received"
    moved = _post(client, f"/api/v1/dispatch-orders/{order_id}/status", {"status": "departed"}).json()
    assert moved["status"] == "departed" and moved["departed_at"]
    assert client.get(url + "/dispatch-orders").json()[0]["status"] == "departed"

    ended = _post(client, url + "/response/end", {"summary": "处置完毕"}).json()
    assert ended["incident_status"] == "closed" and ended["response"]["status"] == "ended"
    assert DispatchOrder.objects.get(pk=order_id).status == rules.RECALLED


def test_another_county_gets_404_on_every_response_route(
    api_client, other_county_admin, county_admin, incident
):
    client = api_client(other_county_admin)
    url = BASE.format(incident.pk)
    for path in ("/response", "/headquarters", "/tasks", "/sitreps", "/recommendation", "/dispatch-orders"):
        answer = client.get(url + path)
        assert answer.status_code == 404 and answer.json()["code"] == "not_found", path
    assert _post(client, url + "/response", {"level": 4}).status_code == 404
    order = _post(
        api_client(county_admin), url + "/dispatch-orders", {"team_id": standby_teams(COUNTY)[0].pk}
    )
    assert _post(client, f"/api/v1/dispatch-orders/{order.json()['id']}/acknowledge", {}).status_code == 404
    assert not Response.objects.filter(incident=incident).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"level": 0},
        {"level": 5},
        {"level": "high"},
        {},
        {"level": 4, "expected_hours": 10_000},
        {"level": 4, "matters": "x" * 2001},
    ],
)
def test_bad_launches_are_4xx_in_the_error_format(api_client, county_admin, incident, body):
    answer = _post(api_client(county_admin), BASE.format(incident.pk) + "/response", body)
    assert 400 <= answer.status_code < 500 and {"code", "message", "details"} <= set(answer.json())
    assert not Response.objects.filter(incident=incident).exists()


def test_an_unknown_order_step_and_a_wrong_transition_are_refused(api_client, county_admin, incident):
    client = api_client(county_admin)
    order = _post(
        client, BASE.format(incident.pk) + "/dispatch-orders", {"team_id": standby_teams(COUNTY)[0].pk}
    )
    url = f"/api/v1/dispatch-orders/{order.json()['id']}/status"
    assert _post(client, url, {"status": "teleported"}).status_code == 400
    assert _post(client, url, {"status": "completed"}).json()["code"] == "invalid_transition"


def test_the_reference_tables_are_read_by_all_and_kept_by_the_city(api_client, city_admin, county_admin):
    county = api_client(county_admin)
    assert len(county.get("/api/v1/response/group-kinds").json()) >= 7
    assert county.get("/api/v1/response/measures").json()
    assert county.get("/api/v1/response/profiles").json()
    body = {"code": "aviation", "name": "航空救援组", "duties": "直升机调度"}
    assert _post(county, "/api/v1/response/group-kinds", body, "put").status_code == 403
    assert _post(api_client(city_admin), "/api/v1/response/group-kinds", body, "put").status_code == 200
    assert GroupKind.objects.get(code="aviation").name == "航空救援组"
    measure = {
        "category": "natural",
        "subtype": "森林草原火灾",
        "text": "落实直升机取水点",
        "group": "aviation",
        "hours": 3,
    }
    saved = _post(api_client(city_admin), "/api/v1/response/measures", measure)
    assert saved.status_code == 200 and saved.json()["group"] == "aviation"
    assert (
        _post(api_client(city_admin), "/api/v1/response/measures", {**measure, "category": "x"}).status_code
        == 400
    )
