"""What the nearest-help search finds here: warehouses with the item available, carriers' vehicles by kind."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F

from yingji.core.errors import InvalidInput
from yingji.core.registry import NearestSearch, resource_sources
from yingji.materials.models import StockItem, Vehicle

pytestmark = pytest.mark.django_db


def test_warehouses_qualify_by_what_they_have_available(county_admin: Any) -> None:
    source = resource_sources()["warehouse"]
    candidates = source(county_admin, NearestSearch(item="1020101", quantity=20))

    free = {
        item.warehouse_id: item.available
        for item in StockItem.objects.visible_to(county_admin).filter(material__code="1020101")
    }
    assert candidates and {c.id for c in candidates} == {pk for pk, n in free.items() if n >= 20}
    assert all(
        c.kind == "warehouse" and "单帐篷" in c.qualifies and "顶可用" in c.qualifies for c in candidates
    )


def test_reserved_stock_does_not_qualify(county_admin: Any, xinfu_reserve: Any) -> None:
    item = StockItem.objects.get(warehouse=xinfu_reserve, material__code="1020101")
    StockItem.objects.filter(pk=item.pk).update(reserved=F("on_hand"))

    candidates = resource_sources()["warehouse"](county_admin, NearestSearch(item="1020101", quantity=1))

    assert xinfu_reserve.pk not in {c.id for c in candidates}


def test_an_item_code_outside_gb38565_is_refused(county_admin: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        resource_sources()["warehouse"](county_admin, NearestSearch(item="9999999"))

    assert refused.value.code == "invalid_material_code"


def test_vehicles_qualify_by_kind_and_availability(county_admin: Any) -> None:
    candidates = resource_sources()["transport"](county_admin, NearestSearch(capability="truck"))

    expected = set(
        Vehicle.objects.visible_to(county_admin)
        .filter(kind="truck", status="available")
        .values_list("pk", flat=True)
    )
    assert {c.id for c in candidates} == expected
    assert all("厢式货车" in c.qualifies for c in candidates)


def test_a_reporter_finds_no_reserves(demo: None) -> None:
    from yingji.core.models import User

    reporter = User.objects.get(username="demo-reporter-140902")
    assert resource_sources()["warehouse"](reporter, NearestSearch()) == []
