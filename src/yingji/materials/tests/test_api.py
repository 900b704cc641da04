"""The materials API: scoped lists with the region filter, errors as {code, message, details}, writes
through services, Excel export and all-or-nothing import, query counts, the map layer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from yingji.core import spreadsheets
from yingji.materials.models import Batch, MaterialRequest, StockItem, Warehouse
from yingji.materials.tests.conftest import stock_of

pytestmark = pytest.mark.django_db


def _json(client: Any, method: str, path: str, body: Any = None) -> Any:
    return client.generic(method, path, json.dumps(body or {}), content_type="application/json")


def test_a_county_sees_only_its_own_warehouses(api_client: Any, county_admin: Any) -> None:
    body = api_client(county_admin).get("/api/v1/warehouses", {"limit": 1000}).json()

    assert (
        body["count"]
        == Warehouse.objects.filter(region__path__startswith="140000/140900/140902/").count()
        > 3
    )
    assert {row["region_code"][:6] for row in body["items"]} == {"140902"}


def test_the_region_filter_narrows_the_citys_lists(api_client: Any, city_admin: Any) -> None:
    client = api_client(city_admin)
    for route in (
        "/api/v1/warehouses",
        "/api/v1/stock-items",
        "/api/v1/material-requests",
        "/api/v1/carriers",
    ):
        rows = client.get(route, {"region": "140921", "limit": 1000}).json()["items"]
        assert rows and {row["region_code"][:6] for row in rows} == {"140921"}, route


def test_another_countys_warehouse_is_404(
    api_client: Any, county_admin: Any, dingxiang_reserve: Warehouse
) -> None:
    response = api_client(county_admin).get(f"/api/v1/warehouses/{dingxiang_reserve.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_malformed_material_code_is_400_invalid_material_code(api_client: Any, city_admin: Any) -> None:
    response = api_client(city_admin).get("/api/v1/materials", {"code": "4010101"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_material_code" and " / " in body["message"]


def test_the_catalog_filters_by_category_and_prefix(api_client: Any, city_admin: Any) -> None:
    client = api_client(city_admin)
    flood = client.get("/api/v1/materials", {"category": "flood"}).json()["items"]
    living = client.get("/api/v1/materials", {"prefix": "1"}).json()["items"]

    assert {"编织袋", "冲锋舟"} <= {row["name"] for row in flood}
    assert living and all(row["code"].startswith("1") for row in living)


def test_an_issue_beyond_the_available_stock_is_409(
    api_client: Any, county_admin: Any, bags: StockItem
) -> None:
    on_hand, reserved = stock_of(bags)

    response = _json(
        api_client(county_admin),
        "POST",
        f"/api/v1/warehouses/{bags.warehouse_id}/issues",
        {"material_code": "3010101", "quantity": on_hand - reserved + 1},
    )

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert stock_of(bags) == (on_hand, reserved)


def test_a_receipt_through_the_api_answers_the_batch(
    api_client: Any, county_admin: Any, bags: StockItem
) -> None:
    response = _json(
        api_client(county_admin),
        "POST",
        f"/api/v1/warehouses/{bags.warehouse_id}/receipts",
        {"material_code": "3010101", "quantity": 100, "source": "purchase", "number": "2026-A01"},
    )

    assert response.status_code == 201
    assert (response.json()["remaining"], response.json()["number"]) == (100, "2026-A01")


def test_the_request_flow_through_the_api(
    api_client: Any, county_admin: Any, xinfu_reserve: Warehouse
) -> None:
    client = api_client(county_admin)
    created = _json(
        client,
        "POST",
        "/api/v1/material-requests",
        {
            "region_code": "140902",
            "title": "受灾群众安置",
            "destination": "北义井乡政府",
            "longitude": xinfu_reserve.longitude + 0.08,
            "latitude": xinfu_reserve.latitude + 0.04,
            "needed_by": "2026-12-08T10:00:00+08:00",
            "lines": [{"material_code": "1010201", "quantity": 10}],
        },
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]

    proposal = client.get(f"/api/v1/material-requests/{pk}/proposal").json()
    assert proposal["lines"][0]["picks"] and not proposal["shortfalls"]
    for step in ("approve", "allocate", "dispatch"):
        answer = _json(client, "POST", f"/api/v1/material-requests/{pk}/{step}")
        assert answer.status_code == 200, (step, answer.json())
    shipment = answer.json()["shipments"][0]
    assert shipment["minutes"] > 0 and shipment["eta"]
    received = _json(client, "POST", f"/api/v1/material-shipments/{shipment['id']}/receive", {"lines": []})
    assert received.status_code == 200 and received.json()["status"] == "delivered"
    assert MaterialRequest.objects.get(pk=pk).status == "received"


def test_the_stock_export_imports_nothing_twice_and_a_new_file_all_or_nothing(
    api_client: Any, county_admin: Any, bags: StockItem
) -> None:
    client = api_client(county_admin)
    exported = client.get("/api/v1/stock-batches/export", {"warehouse_id": bags.warehouse_id})
    assert exported.status_code == 200
    rows = list(spreadsheets.read_rows(exported.content))
    assert rows[0][:3] == ("仓库编号", "仓库名称", "物资编码") and len(rows) > 5

    again = client.post(
        "/api/v1/stock-batches/import", {"file": SimpleUploadedFile("s.xlsx", exported.content)}
    )
    assert again.status_code == 400 and again.json()["code"] == "import_rejected"

    on_hand, _ = stock_of(bags)
    header = ["仓库编号", "物资编码", "数量", "来源", "批次号"]
    good = [bags.warehouse_id, "3010101", 300, "采购", "IMPORT-1"]
    bad = [bags.warehouse_id, "4010101", 1, "采购", "IMPORT-2"]
    mixed = spreadsheets.workbook("入库", header, [good, bad])
    refused = client.post("/api/v1/stock-batches/import", {"file": SimpleUploadedFile("m.xlsx", mixed)})
    assert refused.status_code == 400 and refused.json()["details"]["errors"][0]["row"] == 3
    assert stock_of(bags)[0] == on_hand

    accepted = client.post(
        "/api/v1/stock-batches/import",
        {"file": SimpleUploadedFile("g.xlsx", spreadsheets.workbook("入库", header, [good]))},
    )
    assert accepted.status_code == 201 and accepted.json()["imported"] == 1
    assert stock_of(bags)[0] == on_hand + 300
    assert Batch.objects.filter(number="IMPORT-1", stock_item=bags).exists()


@pytest.mark.parametrize(
    "route",
    [
        "/api/v1/warehouses",
        "/api/v1/stock-items",
        "/api/v1/stock-batches",
        "/api/v1/stock-movements",
        "/api/v1/material-requests",
        "/api/v1/carriers",
        "/api/v1/vehicles",
        "/api/v1/material-agreements",
        "/api/v1/map/warehouses",
    ],
)
def test_lists_take_a_constant_number_of_queries(api_client: Any, city_admin: Any, route: str) -> None:
    client = api_client(city_admin)
    client.get(route, {"limit": 1000})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(route, {"limit": 1000})

    assert response.status_code == 200
    assert len(queries) <= 8, [q["sql"][:120] for q in queries.captured_queries]


def test_the_map_marks_warehouses_below_their_minimum(api_client: Any, city_admin: Any) -> None:
    features = api_client(city_admin).get("/api/v1/map/warehouses").json()["features"]
    low = set(StockItem.objects.filter(on_hand__lt=F("minimum")).values_list("warehouse_id", flat=True))

    assert len(features) == Warehouse.objects.count()
    for feature in features:
        marked = feature["properties"]["style"]["color"] == "#d7263d"
        assert marked == (feature["properties"]["id"] in low)
