"""The risk API: lists and filters in scope, detail, create, patch, assess, measures, bandings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.core.models import AuditEntry, Region
from yingji.risks.models import ControlMeasure, RiskBanding, RiskPoint
from yingji.risks.tests.conftest import enterprises_in, lec_point


def post(client: Any, path: str, body: Any, method: str = "post") -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def region_codes_of(county: str) -> set[str]:
    return set(Region.objects.filter(path__contains=f"/{county}/").values_list("code", flat=True))


def test_a_county_admin_lists_only_their_countys_points(api_client: Any, county_admin: Any) -> None:
    body = api_client(county_admin).get("/api/v1/risk-points", {"limit": 1000}).json()
    assert (
        body["count"] == RiskPoint.objects.filter(enterprise__region__path__contains="/140902/").count() > 0
    )
    assert {row["region_code"] for row in body["items"]} <= region_codes_of("140902")


def test_an_officer_lists_only_their_own_enterprises_points(
    api_client: Any, officer_a: Any, enterprise_a: Any
) -> None:
    body = api_client(officer_a).get("/api/v1/risk-points", {"limit": 1000}).json()
    assert body["count"] == enterprise_a.risk_points.count()
    assert {row["enterprise_id"] for row in body["items"]} == {enterprise_a.pk}


@pytest.mark.parametrize("level", ["major", "significant", "general", "low"])
def test_the_list_filters_by_level(api_client: Any, city_admin: Any, level: str) -> None:
    body = api_client(city_admin).get("/api/v1/risk-points", {"level": level, "limit": 1000}).json()
    assert body["count"] == RiskPoint.objects.filter(level=level).count() > 0
    assert {row["level"] for row in body["items"]} == {level}


def test_the_list_filters_by_region_enterprise_and_method(
    api_client: Any, city_admin: Any, enterprise_a: Any
) -> None:
    client = api_client(city_admin)
    by_region = client.get("/api/v1/risk-points", {"region": "140921", "limit": 1000}).json()
    assert {row["region_code"] for row in by_region["items"]} <= region_codes_of("140921")
    assert (
        by_region["count"] == RiskPoint.objects.filter(enterprise__region__path__contains="/140921/").count()
    )
    by_enterprise = client.get("/api/v1/risk-points", {"enterprise_id": enterprise_a.pk}).json()
    assert by_enterprise["count"] == enterprise_a.risk_points.count()
    by_method = client.get("/api/v1/risk-points", {"method": "ls", "limit": 1000}).json()
    assert by_method["count"] == RiskPoint.objects.filter(method="ls").count()
    assert {row["method"] for row in by_method["items"]} == {"ls"}
    assert {row["s"] is not None and row["e"] is None for row in by_method["items"]} == {True}


def test_the_list_shows_points_due_for_reassessment(api_client: Any, city_admin: Any) -> None:
    body = api_client(city_admin).get("/api/v1/risk-points", {"due": True, "limit": 1000}).json()
    assert body["count"] == RiskPoint.objects.filter(reassessment_due=True).count() > 0
    assert {row["reassessment_due"] for row in body["items"]} == {True}


def test_an_unknown_region_filter_is_a_400(api_client: Any, city_admin: Any) -> None:
    response = api_client(city_admin).get("/api/v1/risk-points", {"region": "999999"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"


def test_the_list_takes_a_constant_number_of_queries(api_client: Any, city_admin: Any) -> None:
    client = api_client(city_admin)
    client.get("/api/v1/risk-points", {"limit": 1})
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/risk-points", {"limit": 1000})
    assert len(response.json()["items"]) > 300
    assert len(queries) <= 5, [q["sql"][:120] for q in queries]


def test_a_detail_carries_the_measures(api_client: Any, county_admin: Any, enterprise_a: Any) -> None:
    point = enterprise_a.risk_points.first()
    body = api_client(county_admin).get(f"/api/v1/risk-points/{point.pk}").json()
    assert body["name"] == point.name and body["level"] == point.level and body["color"] == point.color
    assert {m["id"] for m in body["measures"]} == set(point.measures.values_list("id", flat=True))
    assert body["measure_count"] == len(body["measures"]) > 0


def test_another_countys_point_is_not_found(api_client: Any, county_admin: Any, enterprise_b: Any) -> None:
    point = enterprise_b.risk_points.first()
    response = api_client(county_admin).get(f"/api/v1/risk-points/{point.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_an_officer_registers_a_point(api_client: Any, officer_a: Any, enterprise_a: Any) -> None:
    body = lec_point(enterprise_id=enterprise_a.pk, reassess_on="2027-06-30", longitude=112.7, latitude=38.4)
    response = post(api_client(officer_a), "/api/v1/risk-points", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["score"], created["level"], created["color"]) == (270, "significant", "orange")
    assert created["assessed_by"] == officer_a.username and created["reassess_on"] == "2027-06-30"
    assert created["region_code"] == enterprise_a.region_id


def test_bad_factors_are_a_400_and_nothing_is_written(
    api_client: Any, county_admin: Any, enterprise_a: Any
) -> None:
    points, entries = RiskPoint.objects.count(), AuditEntry.objects.count()
    response = post(
        api_client(county_admin), "/api/v1/risk-points", lec_point(enterprise_id=enterprise_a.pk, l=5)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_factors" and "LEC" in response.json()["message"]
    assert (RiskPoint.objects.count(), AuditEntry.objects.count()) == (points, entries)


def test_a_missing_field_is_a_422(api_client: Any, county_admin: Any, enterprise_a: Any) -> None:
    response = post(api_client(county_admin), "/api/v1/risk-points", {"enterprise_id": enterprise_a.pk})
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"


def test_creating_for_another_county_is_not_found(
    api_client: Any, county_admin: Any, enterprise_b: Any
) -> None:
    response = post(api_client(county_admin), "/api/v1/risk-points", lec_point(enterprise_id=enterprise_b.pk))
    assert response.status_code == 404


def test_patch_changes_the_given_fields_only(api_client: Any, county_admin: Any, enterprise_a: Any) -> None:
    point = enterprise_a.risk_points.first()
    response = post(
        api_client(county_admin), f"/api/v1/risk-points/{point.pk}", {"responsible_person": "张伟"}, "patch"
    )
    assert response.status_code == 200
    assert response.json()["responsible_person"] == "张伟" and response.json()["name"] == point.name


def test_assess_regrades_the_point(api_client: Any, county_admin: Any, enterprise_a: Any) -> None:
    point = enterprise_a.risk_points.first()
    body = {"method": "ls", "l": 5, "s": 5, "reassess_on": "2027-12-31"}
    response = post(api_client(county_admin), f"/api/v1/risk-points/{point.pk}/assess", body)
    assert response.status_code == 200
    answer = response.json()
    assert (answer["method"], answer["score"], answer["level"], answer["color"]) == ("ls", 25, "major", "red")
    assert answer["reassess_on"] == "2027-12-31"


def test_assess_with_a_factor_outside_the_table_is_a_400(
    api_client: Any, county_admin: Any, enterprise_a: Any
) -> None:
    point = enterprise_a.risk_points.filter(method="lec").first() or enterprise_a.risk_points.first()
    before = (point.score, point.level)
    response = post(
        api_client(county_admin),
        f"/api/v1/risk-points/{point.pk}/assess",
        {"method": "lec", "l": 3, "e": 4, "c": 15},
    )
    assert response.status_code == 400
    point.refresh_from_db()
    assert (point.score, point.level) == before


def test_measures_are_added_and_removed(api_client: Any, officer_a: Any, enterprise_a: Any) -> None:
    client = api_client(officer_a)
    point = enterprise_a.risk_points.first()
    response = post(
        client, f"/api/v1/risk-points/{point.pk}/measures", {"kind": "ppe", "description": "佩戴防毒面具"}
    )
    assert response.status_code == 201 and response.json()["kind_label"] == "个体防护措施"
    measure_id = response.json()["id"]
    assert client.delete(f"/api/v1/risk-measures/{measure_id}").status_code == 200
    assert not ControlMeasure.objects.filter(pk=measure_id).exists()


def test_another_enterprises_measure_is_not_found_for_an_officer(api_client: Any, officer_a: Any) -> None:
    neighbour = enterprises_in("140902")[1]
    measure = ControlMeasure.objects.filter(risk_point__enterprise=neighbour).first()
    assert api_client(officer_a).delete(f"/api/v1/risk-measures/{measure.pk}").status_code == 404


# Bandings ----------------------------------------------------------------------------------------

BANDING = {"method": "lec", "major": 250, "significant": 100, "general": 40}


def test_a_county_admin_sets_and_clears_their_countys_banding(
    api_client: Any, county_admin: Any, enterprise_a: Any
) -> None:
    client = api_client(county_admin)
    point = RiskPoint.objects.create(
        enterprise=enterprise_a,
        name="接口测试点",
        kind="place",
        method="lec",
        factor_l=3,
        factor_e=6,
        factor_c=15,
        score=270,
        level="significant",
        color="orange",
        responsible_level="workshop",
    )
    response = post(client, "/api/v1/risk-bandings/140902", BANDING, "put")
    assert response.status_code == 200, response.content
    assert response.json()["region_code"] == "140902" and response.json()["regraded_points"] >= 1
    point.refresh_from_db()
    assert point.level == "major"
    listed = client.get("/api/v1/risk-bandings").json()
    assert [(row["region_code"], row["method"], row["major"]) for row in listed["items"]] == [
        ("140902", "lec", 250)
    ]
    in_force = {row["method"]: row for row in client.get("/api/v1/risk-bandings/in-force").json()}
    assert in_force["lec"]["source_region"] == "140902" and in_force["ls"]["is_default"]
    cleared = client.delete("/api/v1/risk-bandings/140902").json()
    assert cleared["cleared"] == ["lec"]
    point.refresh_from_db()
    assert point.level == "significant"


def test_a_county_admin_cannot_set_another_countys_banding(api_client: Any, county_admin: Any) -> None:
    response = post(api_client(county_admin), "/api/v1/risk-bandings/140921", BANDING, "put")
    assert response.status_code == 404
    assert not RiskBanding.objects.filter(region_id="140921").exists()


def test_a_banding_that_does_not_decrease_is_a_400(api_client: Any, city_admin: Any) -> None:
    body = {**BANDING, "significant": 300}
    response = post(api_client(city_admin), "/api/v1/risk-bandings/140900", body, "put")
    assert response.status_code == 400 and response.json()["code"] == "invalid_banding"
    assert not RiskBanding.objects.filter(region_id="140900").exists()


def test_an_officer_may_not_set_bandings(api_client: Any, officer_a: Any) -> None:
    response = post(api_client(officer_a), "/api/v1/risk-bandings/140902", BANDING, "put")
    assert response.status_code == 403


def test_the_banding_list_takes_a_constant_number_of_queries(api_client: Any, city_admin: Any) -> None:
    client = api_client(city_admin)
    for code in ("140902", "140921", "140922"):
        post(client, f"/api/v1/risk-bandings/{code}", BANDING, "put")
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/risk-bandings", {"limit": 1000}).json()
    assert body["count"] >= 3 and len(queries) <= 5
