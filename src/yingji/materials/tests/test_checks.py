"""Periodic checks: low stock and near-expiry batches raise one to-do each, closed by the actions that
settle them; contracts near their end notify once."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from yingji.core import jobs
from yingji.core.models import Notification
from yingji.materials import checks, services
from yingji.materials.models import Agreement, Batch, StockItem

pytestmark = pytest.mark.django_db


def _todos(about: Any, task: str) -> Any:
    return Notification.objects.filter(
        object_type=about._meta.label_lower, object_id=str(about.pk), task=task
    )


def test_an_item_below_its_minimum_gets_one_replenish_todo_until_refilled(
    county_admin: Any, bags: StockItem
) -> None:
    item = services.set_levels(
        county_admin,
        bags.warehouse_id,
        material_code="3010101",
        minimum=bags.on_hand + 10,
        target=bags.on_hand + 50,
    )
    now = timezone.now()

    assert checks.tell_low_stock(now) >= 1
    assert checks.tell_low_stock(now) == 0  # told once
    todo = _todos(item, services.REPLENISH_TASK).filter(recipient=county_admin).get()
    assert todo.done_at is None and jobs.still_waiting(todo)

    services.receive(county_admin, bags.warehouse_id, material_code="3010101", quantity=10, source="purchase")

    todo.refresh_from_db()
    assert todo.done_at is not None
    assert StockItem.objects.get(pk=item.pk).low_notified_at is None


def test_a_batch_near_expiry_gets_a_rotation_todo_closed_when_it_is_used_up(
    county_admin: Any, bags: StockItem, settings: Any
) -> None:
    settings.MATERIALS_EXPIRY_NOTICE_DAYS = 30
    today = timezone.localdate()
    batch = services.receive(
        county_admin,
        bags.warehouse_id,
        material_code="3010101",
        quantity=5,
        source="purchase",
        expires_on=today + timedelta(days=20),
    )
    later = services.receive(
        county_admin,
        bags.warehouse_id,
        material_code="3010101",
        quantity=5,
        source="purchase",
        expires_on=today + timedelta(days=45),
    )

    checks.tell_near_expiry(timezone.now())

    assert _todos(batch, services.ROTATE_TASK).filter(done_at=None).exists()
    assert not _todos(later, services.ROTATE_TASK).exists()
    earlier = Batch.objects.filter(stock_item=bags, remaining__gt=0, expires_on__lt=batch.expires_on)
    services.issue(
        county_admin,
        bags.warehouse_id,
        material_code="3010101",
        quantity=sum(b.remaining for b in earlier) + 5,
    )
    assert not _todos(batch, services.ROTATE_TASK).filter(done_at=None).exists()


def test_a_contract_near_its_end_notifies_the_regions_administrators_once(county_admin: Any) -> None:
    today = timezone.localdate()
    agreement = services.create_agreement(
        county_admin,
        region_code="140902",
        material_code="1010201",
        kind="capacity",
        number="忻府储协〔2026〕T1号",
        supplier="忻府恒安纺织有限公司",
        daily_capacity=300,
        delivery_hours=24,
        starts_on=date(2025, 1, 1),
        ends_on=today + timedelta(days=10),
    )

    assert checks.tell_expiring_agreements(timezone.now()) >= 1
    assert (
        Notification.objects.filter(
            object_id=str(agreement.pk), recipient=county_admin, object_type="materials.agreement"
        ).count()
        == 1
    )
    assert checks.tell_expiring_agreements(timezone.now()) == 0

    services.update_agreement(county_admin, agreement.pk, ends_on=today + timedelta(days=400))
    assert Agreement.objects.get(pk=agreement.pk).expiry_notified_at is None
