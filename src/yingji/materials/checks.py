"""The periodic checks of the reserves (core.jobs, ADR 0014): low stock, batches near expiry, contracts
near their end. Each looks at the data with an indexed query, tells the warehouse's keepers once
(a flag on the row), and is cheap when there is nothing new.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from yingji.core import audit, jobs, regioncodes, roles
from yingji.materials.models import Agreement, Batch, StockItem
from yingji.materials.services import REPLENISH_TASK, ROTATE_TASK, keepers

BATCH_SIZE = 500


def expiry_notice_days() -> int:
    """Days before its expiry date that a batch is due for rotation (MATERIALS_EXPIRY_NOTICE_DAYS)."""
    return int(getattr(settings, "MATERIALS_EXPIRY_NOTICE_DAYS", 90))


def agreement_notice_days() -> int:
    return int(getattr(settings, "MATERIALS_AGREEMENT_NOTICE_DAYS", 30))


@jobs.todo_task(REPLENISH_TASK)
def _still_low(item: StockItem) -> bool:
    return item.on_hand < item.minimum


@jobs.todo_task(ROTATE_TASK)
def _still_to_rotate(batch: Batch) -> bool:
    return batch.remaining > 0


def near_expiry(batches: object, today: object) -> object:
    """Batches with stock left whose expiry date is within the notice days (or past)."""
    limit = today + timedelta(days=expiry_notice_days())  # type: ignore[operator]
    return batches.filter(remaining__gt=0, expires_on__isnull=False, expires_on__lte=limit)  # type: ignore[attr-defined]


@jobs.periodic_check("materials.low_stock")
def tell_low_stock(now: datetime) -> int:
    """A to-do for each item that fell below its minimum since the last notice."""
    pending = StockItem.objects.filter(on_hand__lt=F("minimum"), low_notified_at__isnull=True)
    if not pending.exists():
        return 0
    with transaction.atomic():
        items = list(
            pending.select_for_update(of=("self",))
            .select_related("warehouse__region", "material")
            .order_by("id")[:BATCH_SIZE]
        )
        for item in items:
            warehouse, material = item.warehouse, item.material
            jobs.notify(
                keepers(warehouse),
                f"库存低于最低储备：{warehouse.name} {material.name}",
                body=f"{warehouse.name}{material.name}库存 {item.on_hand}{material.unit}，低于最低储备量 "
                f"{item.minimum}{material.unit}（目标 {item.target}{material.unit}），请补充。",
                link=reverse("materials:warehouse_detail", args=[warehouse.pk]),
                about=item,
                task=REPLENISH_TASK,
            )
        StockItem.objects.filter(pk__in=[item.pk for item in items]).update(low_notified_at=now)
        if items:
            audit.record(None, "stock.low_notified", items[0], after={"stock_items": [i.pk for i in items]})
    return len(items)


@jobs.periodic_check("materials.near_expiry")
def tell_near_expiry(now: datetime) -> int:
    """A rotation (轮换) to-do for each batch that came within the notice days of its expiry date."""
    today = timezone.localdate(now)
    pending = near_expiry(Batch.objects.filter(expiry_notified_at__isnull=True), today)
    if not pending.exists():  # type: ignore[attr-defined]
        return 0
    with transaction.atomic():
        batches = list(
            pending.select_for_update(of=("self",))  # type: ignore[attr-defined]
            .select_related("stock_item__warehouse__region", "stock_item__material")
            .order_by("expires_on", "id")[:BATCH_SIZE]
        )
        for batch in batches:
            warehouse, material = batch.stock_item.warehouse, batch.stock_item.material
            state = "已过期" if batch.expires_on < today else "临近有效期"
            jobs.notify(
                keepers(warehouse),
                f"物资{state}，请轮换：{warehouse.name} {material.name}",
                body=f"{warehouse.name}{material.name}批次 {batch.number} "
                f"结存 {batch.remaining}{material.unit}，"
                f"有效期至 {batch.expires_on:%Y-%m-%d}。请安排轮换（调出使用或处置后补充新批次）。",
                link=reverse("materials:warehouse_detail", args=[warehouse.pk]),
                about=batch,
                task=ROTATE_TASK,
            )
        Batch.objects.filter(pk__in=[batch.pk for batch in batches]).update(expiry_notified_at=now)
        if batches:
            audit.record(
                None,
                "stock.expiry_notified",
                batches[0].stock_item,
                after={"batches": [b.pk for b in batches]},
            )
    return len(batches)


@jobs.periodic_check("materials.agreements")
def tell_expiring_agreements(now: datetime) -> int:
    """A notice to the region's administrators for each reserve contract near its end date."""
    today = timezone.localdate(now)
    pending = Agreement.objects.filter(
        expiry_notified_at__isnull=True, ends_on__lte=today + timedelta(days=agreement_notice_days())
    )
    if not pending.exists():
        return 0
    with transaction.atomic():
        agreements = list(
            pending.select_for_update(of=("self",))
            .select_related("region", "material")
            .order_by("id")[:BATCH_SIZE]
        )
        for agreement in agreements:
            region = agreement.region
            role = roles.CITY_ADMIN if region.level == regioncodes.CITY else roles.COUNTY_ADMIN
            jobs.notify(
                jobs.users_with_role_at(role, region),
                f"储备协议将到期：{agreement.supplier} {agreement.material.name}",
                body=f"合同 {agreement.number}（{agreement.get_kind_display()}）"
                f"于 {agreement.ends_on:%Y-%m-%d} 到期，"
                "请及时续签或另选企业。",
                link=reverse("materials:agreement_list"),
                about=agreement,
            )
        Agreement.objects.filter(pk__in=[a.pk for a in agreements]).update(expiry_notified_at=now)
        if agreements:
            audit.record(
                None,
                "agreement.expiry_notified",
                agreements[0],
                after={"agreements": [a.pk for a in agreements]},
            )
    return len(agreements)
