"""The pages: scoped, 404 for another county and for roles without the permission, forms through services."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yingji.core.models import User
from yingji.materials.models import Carrier, MaterialRequest, StockItem, Warehouse
from yingji.materials.tests.conftest import stock_of

pytestmark = pytest.mark.django_db

PAGES = [
    "/materials/",
    "/materials/catalog/",
    "/materials/movements/",
    "/materials/agreements/",
    "/materials/carriers/",
    "/materials/requests/",
    "/materials/requests/new/",
    "/materials/warehouses/new/",
]


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_for_a_county_admin(county_admin: Any, path: str) -> None:
    assert _signed_in(county_admin).get(path).status_code == 200


def test_detail_pages_open_in_scope_and_404_outside(county_admin: Any, other_county_admin: Any) -> None:
    client = _signed_in(county_admin)
    own = [
        f"/materials/warehouses/{Warehouse.objects.visible_to(county_admin).first().pk}/",
        f"/materials/requests/{MaterialRequest.objects.visible_to(county_admin).first().pk}/",
        f"/materials/carriers/{Carrier.objects.visible_to(county_admin).first().pk}/",
    ]
    other = [
        f"/materials/warehouses/{Warehouse.objects.get(region_id='140921', tier='county').pk}/",
        f"/materials/requests/{MaterialRequest.objects.visible_to(other_county_admin).first().pk}/",
        f"/materials/carriers/{Carrier.objects.visible_to(other_county_admin).first().pk}/",
    ]
    for path in own:
        assert client.get(path).status_code == 200, path
    for path in other:
        assert client.get(path).status_code == 404, path


def test_a_reporter_has_no_materials_pages(demo: None) -> None:
    reporter = User.objects.get(username="demo-reporter-140902")

    assert _signed_in(reporter).get("/materials/").status_code == 404


def test_the_warehouse_page_issues_stock_and_shows_a_refusal(county_admin: Any, bags: StockItem) -> None:
    client = _signed_in(county_admin)
    path = f"/materials/warehouses/{bags.warehouse_id}/"
    on_hand, reserved = stock_of(bags)

    ok = client.post(path, {"action": "issue", "material_code": "3010101", "quantity": 2, "note": "巡堤"})
    too_much = client.post(path, {"action": "issue", "material_code": "3010101", "quantity": on_hand})

    assert ok.status_code == 302
    assert stock_of(bags) == (on_hand - 2, reserved)
    assert too_much.status_code == 200 and "库存不足" in too_much.content.decode()


def test_the_request_page_takes_a_request_from_approval_to_dispatch(county_admin: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from yingji.materials import requests

    reserve = Warehouse.objects.get(region_id="140902", tier="county")
    request = requests.create_request(
        county_admin,
        region_code="140902",
        title="山洪灾害临时安置点",
        destination="三交镇政府",
        longitude=reserve.longitude,
        latitude=reserve.latitude,
        needed_by=timezone.now() + timedelta(hours=3),
        lines=[("1010201", 6)],
    )
    client = _signed_in(county_admin)
    path = f"/materials/requests/{request.pk}/"

    assert "批准" in client.get(path).content.decode()
    for action in ("approve", "allocate", "dispatch_all"):
        assert client.post(path, {"action": action}).status_code == 302, action

    request.refresh_from_db()
    assert request.status == "dispatched"
    assert "确认接收" in client.get(path).content.decode()
