"""The demo's reserves: every county has its reserve and points, the ledger agrees with the totals,
requests stand in every state of the flow, and the notices are there."""

from __future__ import annotations

import pytest
from django.db.models import F, Max, Sum

from yingji.core.models import Notification, Region
from yingji.materials.models import Batch, MaterialRequest, Movement, StockItem, Stocktake, Warehouse

pytestmark = pytest.mark.django_db


def test_every_county_has_a_reserve_points_and_a_request(demo: None) -> None:
    counties = set(Region.objects.filter(level="county", parent_id="140900").values_list("code", flat=True))

    assert Warehouse.objects.filter(tier="city").count() == 1
    assert set(Warehouse.objects.filter(tier="county").values_list("region_id", flat=True)) == counties
    for tier in ("township", "village"):
        assert {w.region.path.split("/")[2] for w in Warehouse.objects.filter(tier=tier)} == counties
    assert {r[:6] for r in MaterialRequest.objects.values_list("region_id", flat=True)} == counties
    assert Stocktake.objects.count() == len(counties)


def test_the_ledger_agrees_with_the_running_totals(demo: None) -> None:
    remaining = dict(
        Batch.objects.values("stock_item_id").annotate(n=Sum("remaining")).values_list("stock_item_id", "n")
    )
    last = dict(
        Movement.objects.values("stock_item_id").annotate(last=Max("id")).values_list("stock_item_id", "last")
    )
    balances = dict(
        Movement.objects.filter(id__in=last.values()).values_list("stock_item_id", "balance_after")
    )

    for pk, on_hand, reserved in StockItem.objects.values_list("pk", "on_hand", "reserved"):
        assert remaining.get(pk, 0) == on_hand == balances.get(pk, 0), pk
        assert 0 <= reserved <= on_hand


def test_the_demo_shows_every_state_and_the_notices_it_calls_for(demo: None) -> None:
    states = set(MaterialRequest.objects.values_list("status", flat=True))

    assert states == {"submitted", "approved", "allocated", "dispatched", "received", "rejected", "cancelled"}
    assert StockItem.objects.filter(on_hand__lt=F("minimum")).exists()
    for task in ("materials.approve", "materials.replenish", "materials.rotate"):
        assert Notification.objects.filter(task=task, done_at=None).exists(), task
