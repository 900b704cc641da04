"""The duty rota's API: who is on duty now, scoped lists, writes through the services, the error format."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.command.models import CheckIn
from yingji.command.tests.conftest import COUNTY, OTHER, people_on, post_of, shift_now, user


def post(client: Any, path: str, data: Any) -> Any:
    return client.post(path, json.dumps(data), content_type="application/json")


def test_duty_now_names_the_shift_and_who_is_told(api_client: Any, county_admin: Any) -> None:
    answer = api_client(county_admin).get("/api/v1/duty/now").json()
    shift = shift_now(COUNTY)
    assert answer["region_code"] == COUNTY and answer["covered"] is True
    [on] = answer["shifts"]
    assert on["id"] == shift.pk and on["leader"]["username"] == shift.leader.username
    assert {p["username"] for p in answer["told"]} == people_on(shift)


def test_the_city_asks_for_a_county_and_a_county_cannot_ask_for_another(
    api_client: Any, city_admin: Any, county_admin: Any
) -> None:
    assert api_client(city_admin).get(f"/api/v1/duty/now?region={OTHER}").json()["region_code"] == OTHER
    refused = api_client(county_admin).get(f"/api/v1/duty/now?region={OTHER}")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    township = api_client(county_admin).get(f"/api/v1/duty/now?region={COUNTY}001000")
    assert township.status_code == 400


def test_the_rota_lists_only_the_users_county_in_a_constant_number_of_queries(
    api_client: Any, county_admin: Any
) -> None:
    client = api_client(county_admin)
    client.get("/api/v1/duty/shifts?limit=1")
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/api/v1/duty/shifts?limit=1000").json()
    assert answer["count"] > 50 and {row["region_code"] for row in answer["items"]} == {COUNTY}
    assert len(queries) <= 6, [q["sql"] for q in queries]


def test_lists_of_swaps_handovers_matters_and_check_ins_are_scoped(
    api_client: Any, county_admin: Any
) -> None:
    client = api_client(county_admin)
    for route in ("swaps", "handovers", "matters", "checkins", "posts"):
        answer = client.get(f"/api/v1/duty/{route}?limit=1000")
        assert answer.status_code == 200, route
        rows = answer.json()["items"]
        assert rows and {row["region_code"] for row in rows} == {COUNTY}, route


def test_a_shift_assigned_through_the_api(api_client: Any, county_admin: Any) -> None:
    body = {
        "pattern": "白班",
        "day": "2030-01-02",
        "leader": county_admin.username,
        "officers": [f"demo-duty-{COUNTY}"],
    }
    created = post(api_client(county_admin), f"/api/v1/duty/posts/{post_of(COUNTY).pk}/shifts", body)
    assert created.status_code == 201, created.content
    assert created.json()["officers"][0]["username"] == f"demo-duty-{COUNTY}"
    unknown = post(
        api_client(county_admin),
        f"/api/v1/duty/posts/{post_of(COUNTY).pk}/shifts",
        {**body, "pattern": "早班"},
    )
    assert unknown.status_code == 400 and unknown.json()["details"]["field"] == "pattern"


def test_check_ins_sent_and_answered_through_the_api(api_client: Any, demo: None) -> None:
    sent = post(
        api_client(user("demo-duty")),
        "/api/v1/duty/checkins",
        {"regions": [COUNTY], "question": "请报告在岗情况"},
    )
    assert sent.status_code == 201, sent.content
    [checkin] = sent.json()
    answered = post(
        api_client(user(f"demo-duty-{COUNTY}")), f"/api/v1/duty/checkins/{checkin['id']}/answer", {}
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    again = post(api_client(user(f"demo-duty-{COUNTY}")), f"/api/v1/duty/checkins/{checkin['id']}/answer", {})
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_a_county_cannot_send_check_ins(api_client: Any, county_admin: Any) -> None:
    refused = post(
        api_client(county_admin), "/api/v1/duty/checkins", {"regions": [COUNTY], "question": "查岗"}
    )
    assert refused.status_code == 403 and not CheckIn.objects.filter(question="查岗").exists()


def test_the_current_shift_is_handed_over_through_the_api(api_client: Any, county_admin: Any) -> None:
    answer = post(api_client(county_admin), f"/api/v1/duty/posts/{post_of(COUNTY).pk}/handover",
                  {"notes": "本班平稳", "new_matters": ["跟踪降雪"]})  # fmt: skip
    assert answer.status_code == 201 and answer.json()["shift_id"] == shift_now(COUNTY).pk


def test_reporters_and_enterprises_see_no_duty_data(api_client: Any, demo: None) -> None:
    reporter = api_client(user(f"demo-reporter-{COUNTY}"))
    assert reporter.get("/api/v1/duty/now").status_code == 403
    assert reporter.get("/api/v1/duty/shifts").status_code == 403


def test_a_custom_overnight_pattern_is_added_and_listed_as_hh_mm(api_client: Any, county_admin: Any) -> None:
    client = api_client(county_admin)
    route = f"/api/v1/duty/posts/{post_of(COUNTY).pk}/patterns"
    added = post(client, route, {"name": "备勤", "starts": "22:00", "ends": "06:00"})
    assert added.status_code == 201 and added.json()["ends"] == "06:00"
    assert post(client, route, {"name": "备勤", "starts": "09:00", "ends": "10:00"}).status_code == 409
    assert post(client, route, {"name": "错", "starts": "9:00", "ends": "24:00"}).status_code == 422
    assert post(client, route, {"name": "空", "starts": "09:00", "ends": "09:00"}).status_code == 400
