"""The stock ledger: receipts, issues first expiring first, transfers, levels, stocktakes; never negative."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry
from yingji.materials import services
from yingji.materials.models import Batch, Movement, StockItem, Stocktake, Warehouse
from yingji.materials.tests.conftest import stock_of

pytestmark = pytest.mark.django_db


def test_a_receipt_adds_a_batch_an_in_movement_and_an_audit_entry(county_admin: Any, bags: StockItem) -> None:
    on_hand, _reserved = stock_of(bags)

    batch = services.receive(
        county_admin,
        bags.warehouse_id,
        material_code="3010101",
        quantity=800,
        source="donation",
        produced_on=date(2026, 3, 1),
    )

    assert stock_of(bags)[0] == on_hand + 800
    assert batch.remaining == 800 and batch.source == "donation"
    assert batch.expires_on == date(2029, 2, 28)  # from the catalog's shelf life of 1,095 days
    movement = Movement.objects.get(batch=batch)
    assert (movement.kind, movement.quantity, movement.balance_after) == ("in", 800, on_hand + 800)
    entry = AuditEntry.objects.filter(action="stock.received").latest("id")
    assert entry.before["on_hand"] == on_hand and entry.after["on_hand"] == on_hand + 800


def test_an_issue_takes_the_first_expiring_batch_first(county_admin: Any, bags: StockItem) -> None:
    soon = services.receive(
        county_admin,
        bags.warehouse_id,
        material_code="3010101",
        quantity=5,
        source="purchase",
        expires_on=date(2000, 1, 2),
    )

    services.issue(county_admin, bags.warehouse_id, material_code="3010101", quantity=7, note="演练")

    soon.refresh_from_db()
    assert soon.remaining == 0
    taken = list(Movement.objects.filter(stock_item=bags, kind="out").order_by("-id")[:2])
    assert sorted(m.quantity for m in taken) == [-5, -2]


def test_an_issue_beyond_what_is_available_is_409_and_writes_nothing(
    county_admin: Any, bags: StockItem
) -> None:
    on_hand, reserved = stock_of(bags)
    movements, entries = Movement.objects.count(), AuditEntry.objects.count()

    with pytest.raises(Conflict) as refused:
        services.issue(
            county_admin, bags.warehouse_id, material_code="3010101", quantity=on_hand - reserved + 1
        )

    assert refused.value.code == "insufficient_stock"
    assert refused.value.details["available"] == on_hand - reserved
    assert stock_of(bags) == (on_hand, reserved)
    assert (Movement.objects.count(), AuditEntry.objects.count()) == (movements, entries)


def test_reserved_stock_cannot_be_issued(county_admin: Any, bags: StockItem) -> None:
    on_hand, _ = stock_of(bags)
    StockItem.objects.filter(pk=bags.pk).update(reserved=on_hand - 3)

    with pytest.raises(Conflict):
        services.issue(county_admin, bags.warehouse_id, material_code="3010101", quantity=4)
    services.issue(county_admin, bags.warehouse_id, material_code="3010101", quantity=3)

    assert stock_of(bags) == (on_hand - 3, on_hand - 3)


def test_the_database_refuses_negative_stock_whatever_the_caller() -> None:
    from django.db import IntegrityError, transaction

    item = StockItem.objects.order_by("id").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.filter(pk=item.pk).update(on_hand=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.filter(pk=item.pk).update(reserved=item.on_hand + 1)


def test_the_ledger_is_append_only() -> None:
    movement = Movement.objects.order_by("id").first()
    movement.note = "改写"

    with pytest.raises(RuntimeError):
        movement.save()
    with pytest.raises(RuntimeError):
        movement.delete()


def test_a_transfer_moves_batches_with_their_dates(county_admin: Any, bags: StockItem) -> None:
    target = Warehouse.objects.filter(
        region__path__startswith="140000/140900/140902/", tier="township"
    ).first()
    on_hand, _ = stock_of(bags)

    services.transfer(
        county_admin, bags.warehouse_id, to_warehouse_id=target.pk, material_code="3010101", quantity=10
    )

    assert stock_of(bags)[0] == on_hand - 10
    arrived = Batch.objects.filter(stock_item__warehouse=target, stock_item__material__code="3010101").latest(
        "id"
    )
    assert arrived.remaining == 10 and arrived.source == "allocation"
    assert {m.kind for m in Movement.objects.filter(batch=arrived)} == {"transfer_in"}


def test_a_county_cannot_touch_another_countys_warehouse(
    county_admin: Any, dingxiang_reserve: Warehouse
) -> None:
    with pytest.raises(NotFound):
        services.receive(
            county_admin, dingxiang_reserve.pk, material_code="3010101", quantity=1, source="purchase"
        )


def test_the_duty_officer_may_look_but_not_keep_stock(demo: None, bags: StockItem) -> None:
    from yingji.core.models import User

    duty = User.objects.get(username="demo-duty")
    with pytest.raises(Forbidden):
        services.issue(duty, bags.warehouse_id, material_code="3010101", quantity=1)


def test_a_malformed_code_is_invalid_material_code(county_admin: Any, bags: StockItem) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.receive(
            county_admin, bags.warehouse_id, material_code="4010101", quantity=1, source="purchase"
        )

    assert refused.value.code == "invalid_material_code"


def test_levels_set_the_minimum_and_target(county_admin: Any, bags: StockItem) -> None:
    item = services.set_levels(
        county_admin, bags.warehouse_id, material_code="3010101", minimum=10, target=20
    )

    assert (item.minimum, item.target) == (10, 20)
    with pytest.raises(InvalidInput):
        services.set_levels(county_admin, bags.warehouse_id, material_code="3010101", minimum=30, target=20)


def test_a_stocktake_writes_its_differences_as_adjustments(county_admin: Any, bags: StockItem) -> None:
    batch = Batch.objects.filter(stock_item=bags, remaining__gt=5).first()
    on_hand, _ = stock_of(bags)
    counted = batch.remaining - 4

    stocktake = services.take_stock(
        county_admin, bags.warehouse_id, counts=[(batch.pk, counted)], note="月度盘点"
    )

    assert stocktake.differences == 1
    assert (
        stocktake.lines_counted
        == Batch.objects.filter(stock_item__warehouse=bags.warehouse_id, remaining__gt=0).count()
    )
    adjustment = Movement.objects.get(stocktake=stocktake)
    assert (adjustment.kind, adjustment.quantity) == ("adjust", -4)
    assert stock_of(bags)[0] == on_hand - 4
    assert AuditEntry.objects.filter(action="stocktake.recorded", object_id=str(stocktake.pk)).exists()


def test_a_stocktake_below_the_reserved_quantity_is_refused(county_admin: Any, bags: StockItem) -> None:
    on_hand, _ = stock_of(bags)
    StockItem.objects.filter(pk=bags.pk).update(reserved=on_hand)
    batch = Batch.objects.filter(stock_item=bags, remaining__gt=0).first()
    before = Stocktake.objects.count()

    with pytest.raises(Conflict):
        services.take_stock(county_admin, bags.warehouse_id, counts=[(batch.pk, batch.remaining - 1)])

    assert Stocktake.objects.count() == before
