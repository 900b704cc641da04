"""`/api/v1/hazards`: lists and filters, detail, the loop as actions, criteria, stats and scoping."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.core.models import User
from yingji.hazards.models import Hazard
from yingji.hazards.tests.conftest import COUNTY_A, COUNTY_B, PLAN, in_days, report_general, today

pytestmark = pytest.mark.django_db


def post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body, default=str), content_type="application/json")


def test_the_list_shows_only_the_counties_own_hazards(county_admin: User, api_client: Any) -> None:
    body = api_client(county_admin).get("/api/v1/hazards", {"limit": 1000}).json()
    assert (
        body["count"] == Hazard.objects.filter(enterprise__region__path__contains=f"/{COUNTY_A}/").count() > 0
    )
    assert {row["region_code"][:6] for row in body["items"]} == {COUNTY_A}


def test_an_officer_lists_only_their_own_enterprise(officer: User, chemical: Any, api_client: Any) -> None:
    report_general(officer, chemical)
    rows = api_client(officer).get("/api/v1/hazards", {"limit": 1000}).json()["items"]
    assert rows and {row["enterprise_id"] for row in rows} == {chemical.pk}


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ({"status": "closed"}, lambda row: row["status"] == "closed"),
        ({"grade": "major"}, lambda row: row["grade"] == "major"),
        ({"overdue": "true"}, lambda row: row["is_overdue"] and row["status"] != "closed"),
        ({"listed": "true"}, lambda row: row["listed_at"] is not None),
        ({"listed": "false"}, lambda row: row["listed_at"] is None),
    ],
)
def test_the_list_filters(city_admin: User, api_client: Any, query: dict[str, str], check: Any) -> None:
    rows = api_client(city_admin).get("/api/v1/hazards", {"limit": 1000, **query}).json()["items"]
    assert rows and all(check(row) for row in rows)


def test_the_region_and_enterprise_filters(city_admin: User, api_client: Any, chemical: Any) -> None:
    client = api_client(city_admin)
    rows = client.get("/api/v1/hazards", {"region": COUNTY_B, "limit": 1000}).json()["items"]
    assert rows and {row["region_code"][:6] for row in rows} == {COUNTY_B}
    rows = client.get("/api/v1/hazards", {"enterprise_id": chemical.pk}).json()["items"]
    assert rows and {row["enterprise_id"] for row in rows} == {chemical.pk}
    assert client.get("/api/v1/hazards", {"region": "999999"}).status_code == 400


def test_the_list_takes_a_constant_number_of_queries(city_admin: User, api_client: Any) -> None:
    client = api_client(city_admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/hazards", {"limit": 1000})
    assert response.status_code == 200 and len(response.json()["items"]) > 100
    assert len(queries) <= 6, [q["sql"] for q in queries]


def test_the_detail_carries_plan_timeline_attachments_extensions_and_actions(
    county_admin: User, api_client: Any
) -> None:
    hazard = (
        Hazard.objects.visible_to(county_admin)
        .filter(status="rectifying", extensions__status="pending")
        .first()
    )
    body = api_client(county_admin).get(f"/api/v1/hazards/{hazard.pk}").json()
    assert body["timeline"][0]["action"] == "report"
    assert body["extensions"][0]["status"] == "pending"
    assert "decide_extension" in body["allowed_actions"] and "accept" not in body["allowed_actions"]
    assert body["attachments"] and body["attachments"][0]["stage"] == "before"


def test_another_countys_hazard_is_not_found(
    other_county_admin: User, county_admin: User, api_client: Any
) -> None:
    hazard = Hazard.objects.visible_to(county_admin).first()
    client = api_client(other_county_admin)
    assert client.get(f"/api/v1/hazards/{hazard.pk}").status_code == 404
    answer = post(client, f"/api/v1/hazards/{hazard.pk}/reject", {"reason": "x"})
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


def test_the_whole_loop_through_the_api(
    officer: User, chemical: Any, county_admin: User, api_client: Any
) -> None:
    enterprise, admin = api_client(officer), api_client(county_admin)
    created = post(
        enterprise,
        "/api/v1/hazards",
        {
            "enterprise_id": chemical.pk,
            "title": "加油机防爆接线盒损坏",
            "found_on": today(),
            "grade": "major",
            "criterion_code": "chem-12",
        },
    )
    assert created.status_code == 201, created.content
    hazard = created.json()["id"]
    assert created.json()["criterion_title"].startswith("涉及可燃和有毒有害气体")
    refused = post(enterprise, f"/api/v1/hazards/{hazard}/start-rectification", {})
    assert refused.status_code == 400 and refused.json()["code"] == "plan_required"
    plan = enterprise.put(
        f"/api/v1/hazards/{hazard}/plan",
        json.dumps({**PLAN, "deadline": in_days(20)}, default=str),
        content_type="application/json",
    )
    assert plan.status_code == 200 and plan.json()["plan"]["responsible_person"] == "王强"
    assert (
        post(enterprise, f"/api/v1/hazards/{hazard}/start-rectification", {}).json()["status"] == "rectifying"
    )
    listed = post(
        admin,
        f"/api/v1/hazards/{hazard}/list-supervision",
        {"deadline": in_days(15), "document_number": "忻府应急督〔2026〕9号"},
    )
    assert listed.json()["listed_by_level"] == "county" and listed.json()["rectification_deadline"] == str(
        in_days(15)
    )
    asked = post(
        enterprise,
        f"/api/v1/hazards/{hazard}/request-extension",
        {"requested_deadline": in_days(25), "reason": "需停产检修"},
    )
    assert asked.json()["extensions"][0]["status"] == "pending"
    decided = post(admin, f"/api/v1/hazards/{hazard}/decide-extension", {"approve": True})
    assert decided.json()["listed_deadline"] == str(in_days(25))
    assert post(enterprise, f"/api/v1/hazards/{hazard}/submit", {}).json()["status"] == "awaiting_acceptance"
    assert post(enterprise, f"/api/v1/hazards/{hazard}/accept", {}).status_code == 403
    rejected = post(admin, f"/api/v1/hazards/{hazard}/reject", {"reason": "接线盒型号不符"})
    assert rejected.json()["status"] == "rectifying"
    post(enterprise, f"/api/v1/hazards/{hazard}/submit", {"note": "已更换"})
    closed = post(admin, f"/api/v1/hazards/{hazard}/accept", {"note": "合格"})
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"]
    actions = [step["action"] for step in closed.json()["timeline"]]
    assert actions == [
        "report",
        "edit_plan",
        "start_rectification",
        "list_supervision",
        "request_extension",
        "decide_extension",
        "submit",
        "reject",
        "submit",
        "accept",
    ]


def test_a_bad_report_is_a_clear_4xx_with_nothing_written(
    officer: User, chemical: Any, api_client: Any
) -> None:
    before = Hazard.objects.count()
    client = api_client(officer)
    missing = post(client, "/api/v1/hazards", {"enterprise_id": chemical.pk, "title": "x"})
    assert missing.status_code == 422 and missing.json()["code"] == "invalid_input"
    wrong = post(
        client,
        "/api/v1/hazards",
        {"enterprise_id": chemical.pk, "title": "x", "found_on": today(), "grade": "major"},
    )
    assert wrong.status_code == 400 and wrong.json()["details"] == {"field": "criterion_code"}
    assert " / " in wrong.json()["message"]
    assert Hazard.objects.count() == before


def test_the_criteria_are_served_per_industry(officer: User, api_client: Any) -> None:
    client = api_client(officer)
    coal = client.get("/api/v1/hazard-criteria", {"industry": "coal_mine"}).json()
    chemical = client.get("/api/v1/hazard-criteria", {"industry": "hazardous_chemicals"}).json()
    assert (len(coal), len(chemical)) == (15, 20)
    assert coal[1] == {
        "code": "coal-02",
        "industry": "coal_mine",
        "number": 2,
        "title": "瓦斯超限作业",
        "standard": coal[1]["standard"],
    }
    assert client.get("/api/v1/hazard-criteria", {"industry": "gas"}).status_code == 422
    assert len(client.get("/api/v1/hazard-criteria").json()) == 35


def test_the_stats_count_the_countys_hazards(county_admin: User, api_client: Any) -> None:
    body = api_client(county_admin).get("/api/v1/hazards/stats").json()
    assert [c["key"] for c in body["counties"]] == [COUNTY_A]
    own = Hazard.objects.visible_to(county_admin).filter(
        found_on__gte=body["start"], found_on__lte=body["end"]
    )
    assert body["found"] == own.count() and body["closed"] == own.filter(status="closed").count()
    assert body["rectification_rate"] == pytest.approx(body["closed"] / body["found"])
    assert body["mean_days_to_close"] > 0
    assert sum(m["open"] + m["closed"] for m in body["months"]) == body["found"]


def test_roles_that_do_not_see_hazards_are_refused(api_client: Any, demo: None) -> None:
    duty = User.objects.get(username="demo-duty")
    assert api_client(duty).get("/api/v1/hazards").status_code == 403
