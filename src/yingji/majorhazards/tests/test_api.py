"""The register's API: filters, detail with the figures, writes through services, scope, query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.enterprises.models import Enterprise
from yingji.majorhazards.models import Installation, Inventory

pytestmark = pytest.mark.django_db


def _json(client: Any, method: str, path: str, body: Any = None) -> Any:
    import json

    return client.generic(method, path, json.dumps(body or {}), content_type="application/json")


def test_the_list_shows_a_county_admin_only_their_countys_installations(
    api_client: Any, county_admin: Any
) -> None:
    response = api_client(county_admin).get("/api/v1/major-hazards", {"limit": 1000})

    assert response.status_code == 200
    body = response.json()
    assert (
        body["count"]
        == Installation.objects.filter(enterprise__region__path__contains="/140902/").count()
        > 0
    )
    assert {row["region_code"][:6] for row in body["items"]} == {"140902"}


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ({"level": 1}, lambda row: row["level"] == 1),
        ({"is_major": "false"}, lambda row: not row["is_major"] and row["level"] is None),
        ({"filing_status": "filed"}, lambda row: row["filing_status"] == "filed"),
        ({"region": "140921"}, lambda row: row["region_code"].startswith("140921")),
    ],
)
def test_the_list_filters(api_client: Any, city_admin: Any, query: dict[str, Any], check: Any) -> None:
    rows = api_client(city_admin).get("/api/v1/major-hazards", {**query, "limit": 1000}).json()["items"]

    assert rows and all(check(row) for row in rows)


def test_the_list_filters_by_enterprise(api_client: Any, city_admin: Any, station_a: Enterprise) -> None:
    rows = (
        api_client(city_admin).get("/api/v1/major-hazards", {"enterprise_id": station_a.pk}).json()["items"]
    )

    assert [row["enterprise_name"] for row in rows] == [station_a.name]


def test_an_unknown_region_filter_is_a_400(api_client: Any, city_admin: Any) -> None:
    response = api_client(city_admin).get("/api/v1/major-hazards", {"region": "999999"})

    assert response.status_code == 400 and response.json()["code"] == "invalid_input"


def test_a_disaster_reporter_may_not_read_the_register(api_client: Any, reporter_a: Any) -> None:
    assert api_client(reporter_a).get("/api/v1/major-hazards").status_code == 403
    assert api_client(reporter_a).get("/api/v1/map/major-hazards").status_code == 403


def test_the_detail_carries_units_inventories_and_their_figures(api_client: Any, county_admin: Any) -> None:
    installation = Installation.objects.filter(
        enterprise__region__path__contains="/140902/", is_major=True
    ).first()

    body = api_client(county_admin).get(f"/api/v1/major-hazards/{installation.pk}").json()

    assert body["is_major"] is True and body["level"] == installation.level
    assert body["alpha"] in (0.5, 1.0, 1.2, 1.5, 2.0)
    unit = next(unit for unit in body["units"] if unit["is_major"])
    assert unit["r"] is not None and unit["level"] in (1, 2, 3, 4)
    line = unit["inventories"][0]
    assert line["critical_t"] > 0 and line["beta"] > 0
    assert line["ratio"] == pytest.approx(line["quantity_t"] / line["critical_t"])


def test_another_countys_installation_is_not_found(
    api_client: Any, county_admin: Any, station_b: Enterprise
) -> None:
    installation = Installation.objects.filter(enterprise=station_b).first()
    client = api_client(county_admin)

    for method, path in [
        ("GET", f"/api/v1/major-hazards/{installation.pk}"),
        ("PATCH", f"/api/v1/major-hazards/{installation.pk}"),
        ("PATCH", f"/api/v1/major-hazard-units/{installation.units.first().pk}"),
    ]:
        response = _json(client, method, path)
        assert response.status_code == 404 and response.json()["code"] == "not_found", path


def test_an_officer_builds_a_register_entry_through_the_api(
    api_client: Any, officer_a: Any, station_a: Enterprise
) -> None:
    client = api_client(officer_a)

    created = _json(
        client,
        "POST",
        "/api/v1/major-hazards",
        {"enterprise_id": station_a.pk, "name": "三号油库", "exposed_population": 120},
    )
    assert created.status_code == 201, created.content
    installation_id = created.json()["id"]
    unit = _json(
        client,
        "POST",
        f"/api/v1/major-hazards/{installation_id}/units",
        {"name": "油罐区", "kind": "storage", "inventories": [{"name": "汽油", "quantity_t": 150}]},
    )
    assert unit.status_code == 201 and unit.json()["s"] == 0.75 and unit.json()["is_major"] is False
    unit_id = unit.json()["id"]
    line = _json(
        client,
        "POST",
        f"/api/v1/major-hazard-units/{unit_id}/inventories",
        {"name": "甲醇", "quantity_t": 200},
    )
    assert line.status_code == 201 and line.json()["table1_no"] == 65 and line.json()["ratio"] == 0.4

    detail = client.get(f"/api/v1/major-hazards/{installation_id}").json()
    assert (detail["is_major"], detail["max_s"], detail["max_r"], detail["level"]) == (True, 1.15, 2.3, 4)

    removed = _json(client, "DELETE", f"/api/v1/major-hazard-inventories/{line.json()['id']}")
    assert removed.status_code == 200 and removed.json()["is_major"] is False

    patched = _json(client, "PATCH", f"/api/v1/major-hazard-units/{unit_id}", {"name": "一号油罐区"})
    assert patched.status_code == 200 and patched.json()["name"] == "一号油罐区"
    deleted = _json(client, "DELETE", f"/api/v1/major-hazard-units/{unit_id}")
    assert deleted.status_code == 200 and deleted.json()["unit_count"] == 0


def test_a_bad_substance_is_a_400_with_the_standards_message(api_client: Any, county_admin: Any) -> None:
    unit = Installation.objects.filter(enterprise__region__path__contains="/140902/").first().units.first()
    before = Inventory.objects.count()

    response = _json(
        api_client(county_admin),
        "POST",
        f"/api/v1/major-hazard-units/{unit.pk}/inventories",
        {"name": "某溶剂", "category": "W5.9", "quantity_t": 10},
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_substance" and "表2" in body["message"] and "Table 2" in body["message"]
    assert body["details"] == {"unit": unit.name, "substance": "某溶剂"}
    assert Inventory.objects.count() == before


def test_patching_an_inventory_recomputes_its_unit(api_client: Any, county_admin: Any) -> None:
    line = Inventory.objects.filter(
        unit__installation__enterprise__region__path__contains="/140902/", name="汽油"
    ).first()

    response = _json(
        api_client(county_admin), "PATCH", f"/api/v1/major-hazard-inventories/{line.pk}", {"quantity_t": 400}
    )

    assert response.status_code == 200 and response.json()["ratio"] == 2.0
    line.unit.refresh_from_db()
    assert line.unit.is_major is True


def test_administrators_record_filings_through_the_api(
    api_client: Any, county_admin: Any, officer_a: Any
) -> None:
    installation = Installation.objects.filter(
        enterprise__region__path__contains="/140902/", is_major=True
    ).first()
    filing = {
        "filed_on": "2026-11-01",
        "filing_number": "忻应急危备〔2026〕7号",
        "review_due_on": "2029-10-31",
    }

    response = _json(
        api_client(county_admin), "POST", f"/api/v1/major-hazards/{installation.pk}/filing", filing
    )

    assert response.status_code == 200
    assert (response.json()["filing_status"], response.json()["review_due_on"]) == ("filed", "2029-10-31")


def test_the_list_answers_in_a_constant_number_of_queries(api_client: Any, city_admin: Any) -> None:
    client = api_client(city_admin)
    client.get("/api/v1/major-hazards", {"limit": 1})
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/major-hazards", {"limit": 1000})
    assert response.json()["count"] >= 14
    assert len(queries) <= 5


def test_the_detail_answers_in_a_constant_number_of_queries(api_client: Any, city_admin: Any) -> None:
    installation = max(Installation.objects.all(), key=lambda item: item.unit_count)
    client = api_client(city_admin)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/api/v1/major-hazards/{installation.pk}")
    assert installation.unit_count >= 2 and len(queries) <= 6
