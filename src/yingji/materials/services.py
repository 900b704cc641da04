"""Operations on reserves and their stock: each checks permission and scope, runs in one transaction, audits.

Every change of stock writes `Movement` rows (the ledger, never updated or deleted) and moves the
stock item's running totals in the same transaction, the item's row locked first (ADR 0034). A
change that would take more than is available (on hand minus reserved) is a 409
`insufficient_stock` and writes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from yingji.core import audit, jobs, regioncodes, roles
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import Region, User
from yingji.core.services import (
    organization_in_scope,
    region_in_scope,
    require_permission,
    save_or_conflict,
    validate_model,
)
from yingji.geography import coordinates
from yingji.materials import gb38565
from yingji.materials.models import (
    ADJUST,
    AGREEMENT,
    IN,
    MAX_QUANTITY,
    OUT,
    TIERS,
    TRANSFER_IN,
    TRANSFER_OUT,
    VEHICLE_KINDS,
    VEHICLE_STATUS_CHOICES,
    Agreement,
    Batch,
    Carrier,
    Material,
    Movement,
    Shipment,
    StockItem,
    Stocktake,
    StocktakeLine,
    Vehicle,
    Warehouse,
)

VIEW = roles.VIEW_MATERIALS
MANAGE = roles.MANAGE_MATERIALS
# To-dos (core.jobs) the periodic checks write (checks.py); the services close them.
REPLENISH_TASK = "materials.replenish"  # stock of an item fell below its minimum: replenish
ROTATE_TASK = "materials.rotate"  # a batch nears its expiry date: rotate it out (轮换)

# Which region level a warehouse tier stands at.
TIER_LEVEL = {
    "city": regioncodes.CITY,
    "county": regioncodes.COUNTY,
    "township": regioncodes.TOWNSHIP,
    "village": regioncodes.VILLAGE,
}
WAREHOUSE_FIELDS = ("name", "manager", "phone", "address", "longitude", "latitude", "area_m2")


def may_view(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role_permission(VIEW)


def may_manage(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role_permission(MANAGE)


def require_view(user: User) -> None:
    if not may_view(user):
        raise Forbidden()


def insufficient(material: Material, warehouse: Warehouse, wanted: int, available: int) -> Conflict:
    return Conflict(
        f"库存不足：{warehouse.name} {material.name} 可用 {available}{material.unit}，需要 {wanted}"
        f"{material.unit} / Insufficient stock: {available} available, {wanted} wanted",
        code="insufficient_stock",
        details={
            "warehouse_id": warehouse.pk,
            "material_code": material.code,
            "available": available,
            "wanted": wanted,
        },
    )


def material_by_code(code: str) -> Material:
    """The catalog item with a GB/T 38565-2020 `code`: 400 for a malformed code, 404 for an unknown one."""
    try:
        gb38565.parse(code)
    except gb38565.InvalidMaterialCode as error:
        raise InvalidInput(
            f"物资编码无效（GB/T 38565-2020）：{error.reason}",
            code="invalid_material_code",
            details={"field": "material_code", "code": str(code)[:20]},
        ) from None
    material = Material.objects.filter(code=code).first()
    if material is None:
        raise NotFound(f"物资目录中没有编码 {code} / No catalog item {code}")
    return material


def _quantity(value: int, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_QUANTITY:
        raise InvalidInput(
            f"数量须为 1–{MAX_QUANTITY} 的整数 / The quantity must be a whole number 1–{MAX_QUANTITY}",
            details={"field": field},
        )
    return value


def owner_region(warehouse: Warehouse) -> Region:
    """The region whose administrators keep a warehouse: its own for city and county reserves, the
    county's for township and village points."""
    if warehouse.tier in ("city", "county"):
        return warehouse.region
    return warehouse.region.ancestor_at(regioncodes.COUNTY) or warehouse.region


def keepers(warehouse: Warehouse) -> list[User]:
    """The administrators told about a warehouse's stock."""
    region = owner_region(warehouse)
    role = roles.CITY_ADMIN if region.level == regioncodes.CITY else roles.COUNTY_ADMIN
    return list(jobs.users_with_role_at(role, region))


# Warehouses ------------------------------------------------------------------------------------


@transaction.atomic
def create_warehouse(
    actor: User, *, region_code: str, tier: str, organization_id: int | None = None, **fields: Any
) -> Warehouse:
    require_permission(actor, MANAGE)
    region = region_in_scope(actor, region_code)
    if tier not in TIERS:
        raise InvalidInput("层级无效 / Unknown tier", details={"field": "tier"})
    if region.level != TIER_LEVEL[tier]:
        raise InvalidInput(
            "仓库层级须与所在区划的级别一致 / The tier must match the level of the region",
            details={"field": "tier", "region_level": region.level},
        )
    warehouse = Warehouse(
        region=region, tier=tier, organization=organization_in_scope(actor, organization_id)
    )
    for name in WAREHOUSE_FIELDS:
        if name in fields and fields[name] is not None:
            setattr(warehouse, name, fields[name])
    warehouse.name = warehouse.name.strip()
    coordinates.check_location(warehouse.longitude, warehouse.latitude)
    validate_model(warehouse)
    save_or_conflict(warehouse)
    audit.record(actor, "warehouse.created", warehouse, after=audit.snapshot(warehouse))
    return warehouse


@transaction.atomic
def update_warehouse(actor: User, warehouse_id: int, **changes: Any) -> Warehouse:
    require_permission(actor, MANAGE)
    warehouse = Warehouse.objects.select_for_update().get_visible_or_404(actor, pk=warehouse_id)
    before = audit.snapshot(warehouse)
    for name in WAREHOUSE_FIELDS:
        if name in changes and changes[name] is not None:
            setattr(warehouse, name, changes[name])
    warehouse.name = warehouse.name.strip()
    coordinates.check_location(warehouse.longitude, warehouse.latitude)
    validate_model(warehouse)
    save_or_conflict(warehouse)
    audit.record(actor, "warehouse.updated", warehouse, before=before, after=audit.snapshot(warehouse))
    return warehouse


# Stock -----------------------------------------------------------------------------------------


def _managed_warehouse(actor: User, warehouse_id: int) -> Warehouse:
    require_permission(actor, MANAGE)
    return Warehouse.objects.select_related("region").get_visible_or_404(actor, pk=warehouse_id)


def _locked_item(warehouse: Warehouse, material: Material, *, create: bool) -> StockItem:
    """The stock item's row, locked for the transaction (created empty if asked and missing)."""
    item = StockItem.objects.select_for_update().filter(warehouse=warehouse, material=material).first()
    if item is None:
        if not create:
            raise insufficient(material, warehouse, 1, 0)
        StockItem.objects.bulk_create(
            [StockItem(warehouse=warehouse, material=material)], ignore_conflicts=True
        )
        item = StockItem.objects.select_for_update().get(warehouse=warehouse, material=material)
    item.warehouse, item.material = warehouse, material
    return item


@dataclass
class Entry:
    """A ledger line to write: a signed change to a batch."""

    batch: Batch
    kind: str
    quantity: int


def _write(
    actor: Any,
    item: StockItem,
    entries: Iterable[Entry],
    *,
    now: datetime,
    note: str = "",
    shipment: Shipment | None = None,
    stocktake: Stocktake | None = None,
    release: int = 0,
) -> list[Movement]:
    """Append the entries to the ledger and move the item's totals (and `release` reserved units)."""
    is_user = getattr(actor, "is_authenticated", False)
    balance, movements = item.on_hand, []
    for entry in entries:
        balance += entry.quantity
        movements.append(
            Movement(
                stock_item=item,
                batch=entry.batch,
                kind=entry.kind,
                quantity=entry.quantity,
                balance_after=balance,
                at=now,
                actor=actor if is_user else None,
                actor_name=actor.get_username() if is_user else str(actor or "system"),
                note=note[:200],
                shipment=shipment,
                stocktake=stocktake,
            )
        )
    Movement.objects.bulk_create(movements)
    changed = balance - item.on_hand
    updated = StockItem.objects.filter(pk=item.pk, reserved__gte=release).update(
        on_hand=F("on_hand") + changed, reserved=F("reserved") - release
    )
    if not updated:
        raise insufficient(item.material, item.warehouse, release, item.reserved)
    item.on_hand, item.reserved = balance, item.reserved - release
    if item.low_notified_at is not None and item.on_hand >= item.minimum:
        StockItem.objects.filter(pk=item.pk).update(low_notified_at=None)
        item.low_notified_at = None
        jobs.tasks_done(item, REPLENISH_TASK)
    return movements


def _take_batches(item: StockItem, quantity: int, kind: str) -> list[Entry]:
    """Take `quantity` from the item's batches, first expiring first out (FEFO); batches locked."""
    batches = list(
        Batch.objects.select_for_update()
        .filter(stock_item=item, remaining__gt=0)
        .order_by(F("expires_on").asc(nulls_last=True), "id")
    )
    entries, left = [], quantity
    for batch in batches:
        if left == 0:
            break
        taken = min(batch.remaining, left)
        batch.remaining -= taken
        left -= taken
        entries.append(Entry(batch, kind, -taken))
    if left:  # the totals and the batches disagree: refuse rather than go negative
        raise insufficient(item.material, item.warehouse, quantity, quantity - left)
    Batch.objects.bulk_update([entry.batch for entry in entries], ["remaining"])
    emptied = [entry.batch for entry in entries if entry.batch.remaining == 0]
    jobs.tasks_done_for(Batch._meta.label_lower, [batch.pk for batch in emptied], ROTATE_TASK)
    return entries


def _new_batch(
    item: StockItem,
    quantity: int,
    *,
    source: str,
    now: datetime,
    number: str = "",
    produced_on: date | None = None,
    expires_on: date | None = None,
) -> Batch:
    if produced_on and expires_on and expires_on < produced_on:
        raise InvalidInput(
            "有效期不能早于生产日期 / Expiry precedes production", details={"field": "expires_on"}
        )
    if expires_on is None and produced_on is not None and item.material.shelf_life_days:
        expires_on = date.fromordinal(produced_on.toordinal() + item.material.shelf_life_days)
    batch = Batch(
        stock_item=item,
        number=(number or "").strip() or f"{now:%Y%m%d}-{secrets.token_hex(3).upper()}",
        source=source,
        received_quantity=quantity,
        remaining=quantity,
        produced_on=produced_on,
        expires_on=expires_on,
        received_at=now,
    )
    validate_model(batch, exclude=["stock_item"])
    batch.save()
    return batch


def _stock_snapshot(item: StockItem) -> dict[str, Any]:
    return {
        "on_hand": item.on_hand,
        "reserved": item.reserved,
        "minimum": item.minimum,
        "target": item.target,
    }


@transaction.atomic
def receive(
    actor: User,
    warehouse_id: int,
    *,
    material_code: str,
    quantity: int,
    source: str,
    number: str = "",
    produced_on: date | None = None,
    expires_on: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Batch:
    """Receive a batch into a warehouse (入库): a new batch and its in movement."""
    warehouse = _managed_warehouse(actor, warehouse_id)
    material = material_by_code(material_code)
    quantity = _quantity(quantity)
    now = now or timezone.now()
    item = _locked_item(warehouse, material, create=True)
    before = _stock_snapshot(item)
    batch = _new_batch(
        item, quantity, source=source, now=now, number=number, produced_on=produced_on, expires_on=expires_on
    )
    _write(actor, item, [Entry(batch, IN, quantity)], now=now, note=note)
    audit.record(
        actor,
        "stock.received",
        item,
        before=before,
        after={**_stock_snapshot(item), "batch": audit.snapshot(batch)},
    )
    return batch


@transaction.atomic
def issue(
    actor: User, warehouse_id: int, *, material_code: str, quantity: int, note: str = ""
) -> list[Movement]:
    """Issue stock for use (出库), first expiring first; only what no allocation has reserved."""
    warehouse = _managed_warehouse(actor, warehouse_id)
    material = material_by_code(material_code)
    quantity = _quantity(quantity)
    item = _locked_item(warehouse, material, create=False)
    if item.available < quantity:
        raise insufficient(material, warehouse, quantity, item.available)
    before = _stock_snapshot(item)
    movements = _write(actor, item, _take_batches(item, quantity, OUT), now=timezone.now(), note=note)
    audit.record(actor, "stock.issued", item, before=before, after={**_stock_snapshot(item), "note": note})
    return movements


@transaction.atomic
def transfer(
    actor: User, warehouse_id: int, *, to_warehouse_id: int, material_code: str, quantity: int, note: str = ""
) -> list[Movement]:
    """Move stock to another warehouse the actor keeps (调拨): out here, in there, batch dates kept."""
    source = _managed_warehouse(actor, warehouse_id)
    target = _managed_warehouse(actor, to_warehouse_id)
    if source.pk == target.pk:
        raise InvalidInput("调出与调入仓库相同 / Same warehouse", details={"field": "to_warehouse_id"})
    material = material_by_code(material_code)
    quantity = _quantity(quantity)
    now = timezone.now()
    first, second = sorted((source, target), key=lambda w: w.pk)  # lock in one order: no deadlock
    items = {w.pk: _locked_item(w, material, create=w.pk == target.pk) for w in (first, second)}
    out_item, in_item = items[source.pk], items[target.pk]
    if out_item.available < quantity:
        raise insufficient(material, source, quantity, out_item.available)
    before_out, before_in = _stock_snapshot(out_item), _stock_snapshot(in_item)
    taken = _take_batches(out_item, quantity, TRANSFER_OUT)
    movements = _write(actor, out_item, taken, now=now, note=note or f"调往 {target.name}")
    arrived = []
    for entry in taken:
        batch = _new_batch(
            in_item,
            -entry.quantity,
            source="allocation",
            now=now,
            number=entry.batch.number,
            produced_on=entry.batch.produced_on,
            expires_on=entry.batch.expires_on,
        )
        arrived.append(Entry(batch, TRANSFER_IN, -entry.quantity))
    movements += _write(actor, in_item, arrived, now=now, note=note or f"来自 {source.name}")
    audit.record(actor, "stock.transferred_out", out_item, before=before_out, after=_stock_snapshot(out_item))
    audit.record(actor, "stock.transferred_in", in_item, before=before_in, after=_stock_snapshot(in_item))
    return movements


@transaction.atomic
def set_levels(actor: User, warehouse_id: int, *, material_code: str, minimum: int, target: int) -> StockItem:
    """Set the minimum and target level of an item in a warehouse."""
    warehouse = _managed_warehouse(actor, warehouse_id)
    material = material_by_code(material_code)
    for field, value in (("minimum", minimum), ("target", target)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_QUANTITY:
            raise InvalidInput(
                f"{field} 须为 0–{MAX_QUANTITY} 的整数 / {field} out of range", details={"field": field}
            )
    if target < minimum:
        raise InvalidInput(
            "目标储备量不能低于最低储备量 / The target is below the minimum", details={"field": "target"}
        )
    item = _locked_item(warehouse, material, create=True)
    before = _stock_snapshot(item)
    item.minimum, item.target = minimum, target
    update = {"minimum": minimum, "target": target}
    if item.on_hand >= minimum and item.low_notified_at is not None:
        update["low_notified_at"] = None
        jobs.tasks_done(item, REPLENISH_TASK)
    StockItem.objects.filter(pk=item.pk).update(**update)
    audit.record(actor, "stock.levels_set", item, before=before, after=_stock_snapshot(item))
    return item


@transaction.atomic
def take_stock(actor: User, warehouse_id: int, *, counts: list[tuple[int, int]], note: str = "") -> Stocktake:
    """Record a stocktake (盘点) of every batch of a warehouse: `counts` gives (batch id, counted) for the
    batches found different from the ledger, every other batch was found as recorded. Differences
    become adjust movements; a count below what allocations reserved is refused (409).
    """
    warehouse = _managed_warehouse(actor, warehouse_id)
    ids = [batch_id for batch_id, _counted in counts]
    if len(set(ids)) != len(ids):
        raise InvalidInput("批次重复 / A batch is counted twice", details={"field": "counts"})
    for _batch_id, counted in counts:
        if isinstance(counted, bool) or not isinstance(counted, int) or not 0 <= counted <= MAX_QUANTITY:
            raise InvalidInput(
                "实盘数须为非负整数 / Counts are whole numbers ≥ 0", details={"field": "counts"}
            )
    items = {
        item.pk: item
        for item in StockItem.objects.select_for_update(of=("self",))
        .select_related("material")
        .filter(warehouse=warehouse)
        .order_by("id")
    }
    batches = {
        batch.pk: batch
        for batch in Batch.objects.select_for_update()
        .filter(stock_item__warehouse=warehouse)
        .filter(Q(remaining__gt=0) | Q(pk__in=ids))
        .order_by("id")
    }
    missing = [batch_id for batch_id in ids if batch_id not in batches]
    if missing:
        raise NotFound(f"批次不在该仓库 / Batches not in this warehouse: {missing[:5]}")
    counted_by_id = dict(counts)
    now = timezone.now()
    is_user = getattr(actor, "is_authenticated", False)
    lines: list[StocktakeLine] = []
    entries_by_item: dict[int, list[Entry]] = {}
    for batch in batches.values():
        counted = counted_by_id.get(batch.pk, batch.remaining)
        lines.append(StocktakeLine(batch=batch, recorded=batch.remaining, counted=counted))
        if counted != batch.remaining:
            entries_by_item.setdefault(batch.stock_item_id, []).append(
                Entry(batch, ADJUST, counted - batch.remaining)
            )
            batch.remaining = counted
    changes = []
    for item_id, entries in sorted(entries_by_item.items()):
        item = items[item_id]
        item.warehouse = warehouse
        after = item.on_hand + sum(entry.quantity for entry in entries)
        if after < item.reserved:
            raise Conflict(
                f"盘点后库存 {after} 低于已预留的 {item.reserved}（{item.material.name}），请先释放分配 / "
                f"Counted stock {after} is below the {item.reserved} reserved; release allocations first",
                code="insufficient_stock",
                details={"material_code": item.material.code, "counted": after, "reserved": item.reserved},
            )
        changes.append((item, _stock_snapshot(item), entries))
    stocktake = Stocktake(
        warehouse=warehouse,
        at=now,
        actor=actor if is_user else None,
        actor_name=actor.get_username() if is_user else str(actor),
        note=note[:200],
        lines_counted=len(lines),
        differences=sum(len(e) for e in entries_by_item.values()),
    )
    stocktake.save()
    for line in lines:
        line.stocktake = stocktake
    StocktakeLine.objects.bulk_create(lines)
    for item, before, entries in changes:
        Batch.objects.bulk_update([entry.batch for entry in entries], ["remaining"])
        _write(actor, item, entries, now=now, note=note or "盘点调整", stocktake=stocktake)
        emptied = [entry.batch.pk for entry in entries if entry.batch.remaining == 0]
        jobs.tasks_done_for(Batch._meta.label_lower, emptied, ROTATE_TASK)
        audit.record(actor, "stock.adjusted", item, before=before, after=_stock_snapshot(item))
    audit.record(
        actor,
        "stocktake.recorded",
        stocktake,
        after={
            **audit.snapshot(stocktake),
            "differences": [
                [line.batch_id, line.recorded, line.counted]
                for line in lines
                if line.recorded != line.counted
            ],
        },
    )
    return stocktake


# Agreement and capacity reserves ---------------------------------------------------------------

AGREEMENT_FIELDS = (
    "kind",
    "number",
    "supplier",
    "contact",
    "phone",
    "quantity",
    "daily_capacity",
    "delivery_hours",
    "starts_on",
    "ends_on",
)


def _check_agreement(agreement: Agreement) -> None:
    if agreement.ends_on < agreement.starts_on:
        raise InvalidInput(
            "截止日期早于起始日期 / The period ends before it starts", details={"field": "ends_on"}
        )
    if agreement.kind == AGREEMENT and not agreement.quantity:
        raise InvalidInput(
            "协议储备须填写储备量 / An agreement reserve needs a quantity", details={"field": "quantity"}
        )
    if agreement.kind != AGREEMENT and not agreement.daily_capacity:
        raise InvalidInput(
            "产能储备须填写日产能 / A capacity reserve needs a daily capacity",
            details={"field": "daily_capacity"},
        )
    validate_model(agreement)


@transaction.atomic
def create_agreement(actor: User, *, region_code: str, material_code: str, **fields: Any) -> Agreement:
    require_permission(actor, MANAGE)
    agreement = Agreement(
        region=region_in_scope(actor, region_code), material=material_by_code(material_code)
    )
    for name in AGREEMENT_FIELDS:
        if name in fields and fields[name] is not None:
            setattr(agreement, name, fields[name])
    _check_agreement(agreement)
    save_or_conflict(agreement)
    audit.record(actor, "agreement.created", agreement, after=audit.snapshot(agreement))
    return agreement


@transaction.atomic
def update_agreement(actor: User, agreement_id: int, **changes: Any) -> Agreement:
    """Change or renew a contract; a new end date lets the expiry notice go out again."""
    require_permission(actor, MANAGE)
    agreement = Agreement.objects.select_for_update().get_visible_or_404(actor, pk=agreement_id)
    before = audit.snapshot(agreement)
    for name in AGREEMENT_FIELDS:
        if name in changes and changes[name] is not None:
            setattr(agreement, name, changes[name])
    if agreement.ends_on.isoformat() != before["ends_on"]:
        agreement.expiry_notified_at = None
    _check_agreement(agreement)
    save_or_conflict(agreement)
    audit.record(actor, "agreement.updated", agreement, before=before, after=audit.snapshot(agreement))
    return agreement


# Carriers and vehicles -------------------------------------------------------------------------

CARRIER_FIELDS = ("name", "contact", "phone", "agreement_number", "agreement_ends_on")
VEHICLE_FIELDS = ("plate", "kind", "capacity_t", "seats", "longitude", "latitude")


@transaction.atomic
def create_carrier(actor: User, *, region_code: str, **fields: Any) -> Carrier:
    require_permission(actor, MANAGE)
    carrier = Carrier(region=region_in_scope(actor, region_code))
    for name in CARRIER_FIELDS:
        if name in fields and fields[name] is not None:
            setattr(carrier, name, fields[name])
    carrier.name = carrier.name.strip()
    validate_model(carrier)
    save_or_conflict(carrier)
    audit.record(actor, "carrier.created", carrier, after=audit.snapshot(carrier))
    return carrier


@transaction.atomic
def add_vehicle(actor: User, carrier_id: int, **fields: Any) -> Vehicle:
    require_permission(actor, MANAGE)
    carrier = Carrier.objects.get_visible_or_404(actor, pk=carrier_id)
    vehicle = Vehicle(carrier=carrier)
    for name in VEHICLE_FIELDS:
        if name in fields and fields[name] is not None:
            setattr(vehicle, name, fields[name])
    vehicle.plate = vehicle.plate.strip().upper()
    if vehicle.kind not in VEHICLE_KINDS:
        raise InvalidInput("车型无效 / Unknown vehicle kind", details={"field": "kind"})
    coordinates.check_location(vehicle.longitude, vehicle.latitude)
    validate_model(vehicle)
    save_or_conflict(vehicle)
    audit.record(actor, "vehicle.created", vehicle, after=audit.snapshot(vehicle))
    return vehicle


@transaction.atomic
def set_vehicle_status(actor: User, vehicle_id: int, *, status: str) -> Vehicle:
    """Mark a vehicle available or out of service (a vehicle on a shipment is freed by its receipt)."""
    require_permission(actor, MANAGE)
    vehicle = Vehicle.objects.select_for_update().get_visible_or_404(actor, pk=vehicle_id)
    if status not in dict(VEHICLE_STATUS_CHOICES) or status == "assigned":
        raise InvalidInput("状态无效 / Unknown status", details={"field": "status"})
    if vehicle.status == "assigned":
        raise Conflict("车辆正在执行运输任务 / The vehicle is on a shipment", code="vehicle_assigned")
    before = audit.snapshot(vehicle)
    vehicle.status = status
    vehicle.save(update_fields=["status"])
    audit.record(actor, "vehicle.status_set", vehicle, before=before, after=audit.snapshot(vehicle))
    return vehicle
