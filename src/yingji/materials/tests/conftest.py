"""Fixtures of the materials tests: the demo's reserves of 忻府区 and 定襄县, and fake road times."""

from __future__ import annotations

from typing import Any

import pytest

from yingji.materials.models import StockItem, Warehouse


@pytest.fixture
def xinfu_reserve(demo: None) -> Warehouse:
    return Warehouse.objects.get(region_id="140902", tier="county")


@pytest.fixture
def dingxiang_reserve(demo: None) -> Warehouse:
    return Warehouse.objects.get(region_id="140921", tier="county")


@pytest.fixture
def bags(xinfu_reserve: Warehouse) -> StockItem:
    """Woven bags (编织袋, 3010101) in 忻府区's reserve: every demo warehouse holds some."""
    return StockItem.objects.select_related("material").get(warehouse=xinfu_reserve, material__code="3010101")


def stock_of(item: Any) -> tuple[int, int]:
    item = StockItem.objects.get(pk=item.pk)
    return item.on_hand, item.reserved
