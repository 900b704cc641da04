"""Requests for materials, as Sahana Eden's request → commit → send → receive, in one place.

submitted → approved (by the administrators of the supplying region) → allocated (stock reserved in
the warehouses nearest by road) → dispatched (one shipment per warehouse, out movements, a vehicle
and an ETA) → received (what did not arrive goes back into its warehouse). Rejected and cancelled
end it; cancelling releases the reservations.

Reservations are claimed with one conditional UPDATE per stock item (`reserved + n <= on_hand`), so
two allocations running at once can never promise the same units (ADR 0034).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from yingji.core import audit, jobs, regioncodes, roles
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import Region, User
from yingji.core.services import region_in_scope, require_permission
from yingji.geography import coordinates
from yingji.geography.roads import Trip
from yingji.materials import services, travel
from yingji.materials.models import (
    ALLOCATED,
    APPROVED,
    CANCELLED,
    DELIVERED,
    DISPATCHED,
    OUT,
    RECEIVED,
    REJECTED,
    RELEASED,
    RESERVED,
    RETURN,
    SUBMITTED,
    TAKEN,
    VEHICLE_ASSIGNED,
    VEHICLE_AVAILABLE,
    Allocation,
    Batch,
    MaterialRequest,
    Movement,
    RequestLine,
    Shipment,
    ShipmentLine,
    StockItem,
    Vehicle,
    Warehouse,
)

REQUEST = roles.REQUEST_MATERIALS
APPROVE = roles.APPROVE_MATERIAL_REQUESTS
APPROVE_TASK = "materials.approve"  # a submitted request waits for the supplying region's decision
MAX_LINES = 100


def may_request(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role_permission(REQUEST)


def may_decide(user: Any, request: MaterialRequest) -> bool:
    """Whether the user approves for the region that owns the stock (its administrators, at that level)."""
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.has_role_permission(APPROVE)
        and user.region_id == request.supplier_region_id
    )


def _visible(actor: User, request_id: int, *, lock: bool = True) -> MaterialRequest:
    requests = MaterialRequest.objects.select_related("region", "supplier_region")
    if lock:
        requests = requests.select_for_update(of=("self",))
    return requests.get_visible_or_404(actor, pk=request_id)


def _deciding(actor: User, request_id: int) -> MaterialRequest:
    require_permission(actor, APPROVE)
    request = _visible(actor, request_id)
    if not may_decide(actor, request):
        raise Forbidden("仅供应区划的管理员可办理 / Only the supplying region's administrators may do this")
    return request


def _status(request: MaterialRequest, *allowed: str) -> None:
    if request.status not in allowed:
        raise Conflict(
            f"申请当前状态为“{request.get_status_display()}”，不能执行此操作 / "
            f"The request is {request.status}; this step does not apply",
            code="wrong_status",
            details={"status": request.status, "allowed": list(allowed)},
        )


def _move(
    actor: User, request: MaterialRequest, status: str, action: str, *, evidence: Any = None, **extra: Any
) -> None:
    """Change the request's status (and `extra` fields) and audit it, with `evidence` beside the snapshot."""
    before = audit.snapshot(request)
    request.status = status
    for name, value in extra.items():
        setattr(request, name, value)
    request.save()
    after = audit.snapshot(request)
    if evidence is not None:
        after["evidence"] = evidence
    audit.record(actor, action, request, before=before, after=after)


# Submission and decision -----------------------------------------------------------------------


@transaction.atomic
def create_request(
    actor: User,
    *,
    region_code: str,
    supplier_region_code: str | None = None,
    title: str,
    destination: str,
    longitude: float,
    latitude: float,
    needed_by: datetime,
    lines: list[tuple[str, int]],
    now: datetime | None = None,
) -> MaterialRequest:
    """Submit a request; `supplier_region_code` (default: the requesting region's county, else the city)
    must be the requesting region or one above it."""
    require_permission(actor, REQUEST)
    region = region_in_scope(actor, region_code)
    supplier = _supplier_for(region, supplier_region_code)
    coordinates.check_location(longitude, latitude)
    title, destination = title.strip(), destination.strip()
    if not title or not destination:
        raise InvalidInput(
            "请填写事由和送达地点 / Title and destination are required", details={"field": "title"}
        )
    if not lines or len(lines) > MAX_LINES:
        raise InvalidInput(
            f"请列出 1–{MAX_LINES} 种物资 / List 1–{MAX_LINES} items", details={"field": "lines"}
        )
    materials = {}
    for code, quantity in lines:
        material = services.material_by_code(code)
        if material.pk in materials:
            raise InvalidInput(f"物资 {code} 重复 / Item {code} listed twice", details={"field": "lines"})
        materials[material.pk] = (material, services._quantity(quantity))
    now = now or timezone.now()
    request = MaterialRequest(
        number=f"T{secrets.token_hex(8)}",
        region=region,
        supplier_region=supplier,
        title=title[:100],
        destination=destination[:100],
        longitude=longitude,
        latitude=latitude,
        needed_by=needed_by,
        requested_by=actor if actor.is_authenticated else None,
        requested_at=now,
    )
    services.validate_model(request, exclude=["requested_by", "number"])
    request.save()
    request.number = f"WZ{now:%Y}-{request.pk:05d}"
    request.save(update_fields=["number"])
    RequestLine.objects.bulk_create(
        [RequestLine(request=request, material=m, quantity=q) for m, q in materials.values()]
    )
    audit.record(
        actor,
        "material_request.submitted",
        request,
        after={**audit.snapshot(request), "lines": [[m.code, q] for m, q in materials.values()]},
    )
    tell_approvers(request)
    return request


def _supplier_for(region: Region, code: str | None) -> Region:
    if code:
        supplier = Region.objects.filter(code=code).first()
        if supplier is None or not region.path.startswith(supplier.path):
            raise InvalidInput(
                "供应区划须为需求区划本身或其上级 / The supplying region must contain the requesting one",
                details={"field": "supplier_region_code"},
            )
        if supplier.level not in (regioncodes.CITY, regioncodes.COUNTY):
            raise InvalidInput(
                "供应区划须为市或县 / The supplier is a city or a county",
                details={"field": "supplier_region_code"},
            )
        return supplier
    return region.ancestor_at(regioncodes.COUNTY) or region.ancestor_at(regioncodes.CITY) or region


def tell_approvers(request: MaterialRequest) -> int:
    supplier = request.supplier_region
    role = roles.CITY_ADMIN if supplier.level == regioncodes.CITY else roles.COUNTY_ADMIN
    return jobs.notify(
        jobs.users_with_role_at(role, supplier),
        f"物资申请待审批：{request.number} {request.title}",
        body=f"{request.region.name}申请调用应急物资，送达{request.destination}，"
        f"需求时间 {timezone.localtime(request.needed_by):%Y-%m-%d %H:%M}。",
        link=reverse("materials:request_detail", args=[request.pk]),
        about=request,
        task=APPROVE_TASK,
    )


@jobs.todo_task(APPROVE_TASK)
def _awaits_decision(request: MaterialRequest) -> bool:
    return request.status == SUBMITTED


@transaction.atomic
def approve(actor: User, request_id: int, *, note: str = "", now: datetime | None = None) -> MaterialRequest:
    request = _deciding(actor, request_id)
    _status(request, SUBMITTED)
    _move(
        actor,
        request,
        APPROVED,
        "material_request.approved",
        decided_by=actor,
        decided_at=now or timezone.now(),
        decision_note=note[:200],
    )
    jobs.tasks_done(request, APPROVE_TASK)
    return request


@transaction.atomic
def reject(actor: User, request_id: int, *, note: str, now: datetime | None = None) -> MaterialRequest:
    request = _deciding(actor, request_id)
    _status(request, SUBMITTED)
    if not note.strip():
        raise InvalidInput("请填写驳回理由 / A reason is required", details={"field": "note"})
    now = now or timezone.now()
    _move(
        actor,
        request,
        REJECTED,
        "material_request.rejected",
        decided_by=actor,
        decided_at=now,
        decision_note=note.strip()[:200],
        closed_at=now,
    )
    jobs.tasks_done(request, APPROVE_TASK)
    return request


@transaction.atomic
def cancel(actor: User, request_id: int, *, note: str = "", now: datetime | None = None) -> MaterialRequest:
    """Withdraw a request before dispatch; its reservations are released."""
    require_permission(actor, REQUEST)
    request = _visible(actor, request_id)
    _status(request, SUBMITTED, APPROVED, ALLOCATED)
    released = _release(request)
    _move(
        actor,
        request,
        CANCELLED,
        "material_request.cancelled",
        closed_at=now or timezone.now(),
        decision_note=(note or request.decision_note)[:200],
    )
    jobs.tasks_done(request, APPROVE_TASK)
    if released:
        audit.record(actor, "material_request.released", request, after={"released": released})
    return request


def _release(request: MaterialRequest) -> list[list[int]]:
    allocations = list(
        Allocation.objects.filter(line__request=request, status=RESERVED).order_by("stock_item_id")
    )
    for allocation in allocations:
        StockItem.objects.filter(pk=allocation.stock_item_id).update(
            reserved=F("reserved") - allocation.quantity
        )
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).update(status=RELEASED)
    return [[a.stock_item_id, a.quantity] for a in allocations]


# Allocation ------------------------------------------------------------------------------------


@dataclass
class Source:
    """A stock item that could supply a line, with its road time to the destination."""

    stock_item_id: int
    warehouse_id: int
    warehouse_name: str
    available: int
    leg: Trip | None


@dataclass
class Proposal:
    """Where each line would come from: (line, [(source, quantity)]), and what no warehouse has."""

    plan: list[tuple[RequestLine, list[tuple[Source, int]]]] = field(default_factory=list)
    shortfalls: list[dict[str, Any]] = field(default_factory=list)


def _sources(
    request: MaterialRequest, lines: list[RequestLine], *, lock: bool = False
) -> dict[int, list[Source]]:
    """Per material, the supplying region's stock items with something available, nearest by road first.

    With `lock`, their rows are locked (in id order, so that allocations never deadlock) and read as
    they are once any concurrent allocation or issue that held them has committed.
    """
    items = StockItem.objects.select_for_update(of=("self",)).order_by("pk") if lock else StockItem.objects
    rows = list(
        items.filter(
            material_id__in=[line.material_id for line in lines],
            warehouse__region__path__startswith=request.supplier_region.path,
            on_hand__gt=F("reserved"),
        ).values_list(
            "pk",
            "material_id",
            "on_hand",
            "reserved",
            "warehouse_id",
            "warehouse__name",
            "warehouse__longitude",
            "warehouse__latitude",
        )
    )
    points = sorted({(row[6], row[7]) for row in rows})
    legs = dict(zip(points, travel.road_trips((request.longitude, request.latitude), points), strict=True))
    by_material: dict[int, list[Source]] = {}
    for pk, material_id, on_hand, reserved, warehouse_id, name, lon, lat in rows:
        by_material.setdefault(material_id, []).append(
            Source(pk, warehouse_id, name, on_hand - reserved, legs[(lon, lat)])
        )
    for sources in by_material.values():
        sources.sort(key=lambda s: (*travel.rank_key(s.leg), s.warehouse_id))
    return by_material


def propose(request: MaterialRequest) -> Proposal:
    """The allocation that `allocate` would make now: each line filled from the nearest warehouses by road."""
    lines = list(request.lines.select_related("material").order_by("id"))
    sources = _sources(request, lines)
    proposal = Proposal()
    for line in lines:
        left, picks = _outstanding(line), []
        for source in sources.get(line.material_id, []):
            if left == 0:
                break
            take = min(left, source.available)
            picks.append((source, take))
            left -= take
        proposal.plan.append((line, picks))
        if left:
            proposal.shortfalls.append(
                {
                    "material_code": line.material.code,
                    "wanted": _outstanding(line),
                    "available": _outstanding(line) - left,
                }
            )
    return proposal


def _outstanding(line: RequestLine) -> int:
    done = sum(a.quantity for a in line.allocations.all() if a.status != RELEASED)
    return max(line.quantity - done, 0)


@transaction.atomic
def allocate(actor: User, request_id: int) -> MaterialRequest:
    """Reserve every line's quantity in the nearest warehouses by road; all of it, or nothing (409)."""
    request = _deciding(actor, request_id)
    _status(request, APPROVED)
    made = reserve_lines(request)
    evidence = [[a.line.material.code, a.stock_item_id, a.quantity] for a in made]
    _move(actor, request, ALLOCATED, "material_request.allocated", evidence=evidence)
    return request


def reserve_lines(request: MaterialRequest) -> list[Allocation]:
    """Claim the stock of every line, nearest first, in one UPDATE over the locked stock rows. Raises
    409 `insufficient_stock` when the region runs out (the caller's transaction then claims nothing)."""
    lines = list(request.lines.select_related("material").prefetch_related("allocations").order_by("id"))
    sources = _sources(request, lines, lock=True)
    made: list[Allocation] = []
    shortfalls = []
    for line in lines:
        left = _outstanding(line)
        for source in sources.get(line.material_id, []):
            if not left:
                break
            take = min(left, source.available)
            made.append(
                Allocation(
                    line=line,
                    stock_item_id=source.stock_item_id,
                    quantity=take,
                    minutes=source.leg.minutes if source.leg else None,
                    km=source.leg.km if source.leg else None,
                )
            )
            left -= take
        if left:
            shortfalls.append(
                {
                    "material_code": line.material.code,
                    "name": line.material.name,
                    "wanted": line.quantity,
                    "short": left,
                }
            )
    if shortfalls:
        names = "、".join(f"{s['name']}缺 {s['short']}" for s in shortfalls[:5])
        raise Conflict(
            f"供应区划内库存不足：{names} / Insufficient stock in the supplying region",
            code="insufficient_stock",
            details={"shortfalls": shortfalls},
        )
    claim = {allocation.stock_item_id: allocation.quantity for allocation in made}
    for chunk in _chunks(sorted(claim.items()), 500):
        if _claim(chunk) != len(chunk):  # cannot happen under the row locks; refuse rather than overcommit
            raise Conflict(
                "库存已变化，请重试 / The stock changed meanwhile; try again", code="insufficient_stock"
            )
    Allocation.objects.bulk_create(made)
    return made


def _chunks(values: list[tuple[int, int]], size: int) -> list[list[tuple[int, int]]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


def _claim(amounts: list[tuple[int, int]]) -> int:
    """Add each (stock item id, n) to `reserved` where on_hand allows it, in one statement; the rows changed.

    Plain SQL because the ORM's form (a CASE per row) takes longer to compile than the database to run.
    """
    table = StockItem._meta.db_table
    rows = ", ".join(["(CAST(%s AS BIGINT), CAST(%s AS BIGINT))"] * len(amounts))
    sql = (
        f"UPDATE {table} SET reserved = {table}.reserved + claim.column2 FROM (VALUES {rows}) AS claim "
        f"WHERE {table}.id = claim.column1 AND {table}.on_hand >= {table}.reserved + claim.column2"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for pair in amounts for value in pair])
        return cursor.rowcount


# Dispatch and receipt --------------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleOption:
    vehicle: Vehicle
    leg: Trip | None


def shipment_weight_kg(allocations: list[Allocation]) -> float:
    return sum(a.quantity * a.line.material.unit_weight_kg for a in allocations)


def vehicle_options(
    actor: User, warehouse: Warehouse, weight_kg: float, limit: int = 5
) -> list[VehicleOption]:
    """Available vehicles that carry `weight_kg`, nearest by road to the warehouse first."""
    vehicles = list(
        Vehicle.objects.visible_to(actor)
        .filter(status=VEHICLE_AVAILABLE, capacity_t__gte=weight_kg / 1000)
        .select_related("carrier")
        .order_by("id")
    )
    legs = travel.road_trips(
        (warehouse.longitude, warehouse.latitude), [(v.longitude, v.latitude) for v in vehicles]
    )
    options = [VehicleOption(v, leg) for v, leg in zip(vehicles, legs, strict=True)]
    options.sort(key=lambda o: (*travel.rank_key(o.leg), o.vehicle.capacity_t, o.vehicle.pk))
    return options[:limit]


@transaction.atomic
def dispatch(
    actor: User,
    request_id: int,
    *,
    warehouse_id: int,
    vehicle_id: int | None = None,
    now: datetime | None = None,
) -> Shipment:
    """Send what one warehouse reserved for the request: out movements (first expiring first), a
    shipment with its vehicle (the given one, else the nearest that carries the load) and its ETA."""
    request = _deciding(actor, request_id)
    _status(request, ALLOCATED)
    now = now or timezone.now()
    allocations = list(
        Allocation.objects.filter(
            line__request=request, status=RESERVED, stock_item__warehouse_id=warehouse_id
        )
        .select_related("line__material", "stock_item__warehouse")
        .order_by("stock_item_id")
    )
    if not allocations:
        raise NotFound("该仓库没有待发运的分配 / Nothing reserved in this warehouse for the request")
    warehouse = allocations[0].stock_item.warehouse
    weight = shipment_weight_kg(allocations)
    vehicle = _vehicle_for(actor, warehouse, weight, vehicle_id)
    leg = travel.road_trips(
        (warehouse.longitude, warehouse.latitude), [(request.longitude, request.latitude)]
    )[0]
    shipment = Shipment.objects.create(
        request=request,
        warehouse=warehouse,
        vehicle=vehicle,
        weight_kg=round(weight, 1),
        minutes=leg.minutes if leg else None,
        km=leg.km if leg else None,
        dispatched_at=now,
        eta=now + timedelta(minutes=leg.minutes) if leg else None,
    )
    lines = []
    for allocation in allocations:
        item = (
            StockItem.objects.select_for_update().select_related("material").get(pk=allocation.stock_item_id)
        )
        item.warehouse = warehouse
        entries = services._take_batches(item, allocation.quantity, OUT)
        services._write(
            actor,
            item,
            entries,
            now=now,
            note=f"{request.number} 发运",
            shipment=shipment,
            release=allocation.quantity,
        )
        lines.append(
            ShipmentLine(
                shipment=shipment, allocation=allocation, material=item.material, quantity=allocation.quantity
            )
        )
    ShipmentLine.objects.bulk_create(lines)
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).update(status=TAKEN)
    if vehicle is not None:
        Vehicle.objects.filter(pk=vehicle.pk).update(status=VEHICLE_ASSIGNED)
    audit.record(
        actor,
        "shipment.dispatched",
        shipment,
        after={**audit.snapshot(shipment), "lines": [[line.material.code, line.quantity] for line in lines]},
    )
    if not Allocation.objects.filter(line__request=request, status=RESERVED).exists():
        _move(actor, request, DISPATCHED, "material_request.dispatched")
    return shipment


@transaction.atomic
def dispatch_all(actor: User, request_id: int, *, now: datetime | None = None) -> list[Shipment]:
    """Dispatch every warehouse's reservation, each with the nearest vehicle that carries it."""
    request = _deciding(actor, request_id)
    _status(request, ALLOCATED)
    warehouse_ids = sorted(
        set(
            Allocation.objects.filter(line__request=request, status=RESERVED).values_list(
                "stock_item__warehouse_id", flat=True
            )
        )
    )
    return [dispatch(actor, request_id, warehouse_id=w, now=now) for w in warehouse_ids]


def _vehicle_for(
    actor: User, warehouse: Warehouse, weight_kg: float, vehicle_id: int | None
) -> Vehicle | None:
    if vehicle_id is None:
        options = vehicle_options(actor, warehouse, weight_kg, limit=1)
        return options[0].vehicle if options else None
    vehicle = Vehicle.objects.select_for_update().get_visible_or_404(actor, pk=vehicle_id)
    if vehicle.status != VEHICLE_AVAILABLE:
        raise Conflict("车辆不可调用 / The vehicle is not available", code="vehicle_unavailable")
    if vehicle.capacity_t * 1000 < weight_kg:
        raise Conflict(
            f"车辆载重 {vehicle.capacity_t:g} 吨不足（需 {weight_kg / 1000:.2f} 吨）"
            " / The vehicle cannot carry the load",
            code="vehicle_too_small",
            details={"capacity_t": vehicle.capacity_t, "weight_t": round(weight_kg / 1000, 3)},
        )
    return vehicle


@transaction.atomic
def receive_shipment(
    actor: User, shipment_id: int, *, received: dict[str, int] | None = None, now: datetime | None = None
) -> Shipment:
    """Close a shipment at its destination: what arrived per material code (default: everything);
    the rest goes back into the sending warehouse as a returned batch."""
    require_permission(actor, REQUEST)
    shipment = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("request", "warehouse", "warehouse__region")
        .get_visible_or_404(actor, pk=shipment_id)
    )
    if shipment.status != "in_transit":
        raise Conflict("该批物资已接收 / The shipment was already received", code="wrong_status")
    now = now or timezone.now()
    lines = list(shipment.lines.select_related("material").order_by("id"))
    received = dict(received or {})
    unknown = set(received) - {line.material.code for line in lines}
    if unknown:
        raise InvalidInput(
            f"发运单中没有物资 {sorted(unknown)[:5]} / Not in the shipment", details={"field": "received"}
        )
    before = audit.snapshot(shipment)
    for line in lines:
        got = received.get(line.material.code, line.quantity)
        if isinstance(got, bool) or not isinstance(got, int) or not 0 <= got <= line.quantity:
            raise InvalidInput(
                f"{line.material.name} 接收数量须在 0–{line.quantity} / out of range",
                details={"field": "received", "material_code": line.material.code},
            )
        line.received, line.returned = got, line.quantity - got
        if line.returned:
            _return(actor, shipment, line, now)
    ShipmentLine.objects.bulk_update(lines, ["received", "returned"])
    shipment.status, shipment.received_at = DELIVERED, now
    shipment.received_by = actor if actor.is_authenticated else None
    shipment.save(update_fields=["status", "received_at", "received_by"])
    if shipment.vehicle_id:
        Vehicle.objects.filter(pk=shipment.vehicle_id, status=VEHICLE_ASSIGNED).update(
            status=VEHICLE_AVAILABLE
        )
    audit.record(
        actor,
        "shipment.received",
        shipment,
        before=before,
        after={
            **audit.snapshot(shipment),
            "lines": [[line.material.code, line.received, line.returned] for line in lines],
        },
    )
    request = MaterialRequest.objects.select_for_update().get(pk=shipment.request_id)
    if request.status == DISPATCHED and not request.shipments.filter(status="in_transit").exists():
        _move(actor, request, RECEIVED, "material_request.received", closed_at=now)
    return shipment


def _return(actor: User, shipment: Shipment, line: ShipmentLine, now: datetime) -> None:
    item = (
        StockItem.objects.select_for_update().select_related("material").get(pk=line.allocation.stock_item_id)
    )
    item.warehouse = shipment.warehouse
    taken = (
        Batch.objects.filter(
            pk__in=Movement.objects.filter(shipment=shipment, stock_item=item).values("batch_id")
        )
        .order_by(F("expires_on").asc(nulls_last=True))
        .first()
    )
    batch = services._new_batch(
        item,
        line.returned,
        source=RETURN,
        now=now,
        number=f"{shipment.request.number}-退回",
        produced_on=taken.produced_on if taken else None,
        expires_on=taken.expires_on if taken else None,
    )
    services._write(
        actor,
        item,
        [services.Entry(batch, "in", line.returned)],
        now=now,
        note=f"{shipment.request.number} 未接收退回",
        shipment=shipment,
    )


def awaiting_decision(user: Any) -> Any:
    """The submitted requests the user's region must decide."""
    return MaterialRequest.objects.visible_to(user).filter(
        Q(status=SUBMITTED) & Q(supplier_region_id=getattr(user, "region_id", None))
    )
