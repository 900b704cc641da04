"""Requests from submission to receipt: approval by the supplying region, allocation by road time with
reservations, dispatch with a vehicle and an ETA, receipt with returns; concurrency on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from yingji.core.errors import Conflict, Forbidden
from yingji.core.models import Notification, User
from yingji.materials import requests, services, travel
from yingji.materials.models import (
    Allocation,
    Carrier,
    MaterialRequest,
    Movement,
    StockItem,
    Vehicle,
    Warehouse,
)
from yingji.materials.tests.conftest import stock_of

pytestmark = pytest.mark.django_db


def _request(admin: Any, lines: list[tuple[str, int]], at: Warehouse, **more: Any) -> MaterialRequest:
    return requests.create_request(
        admin,
        region_code=admin.region_id,
        title="河道险情抢护",
        destination="堤防抢险点",
        longitude=at.longitude + 0.05,
        latitude=at.latitude + 0.03,
        needed_by=timezone.now() + timedelta(hours=6),
        lines=lines,
        **more,
    )


def test_a_request_goes_from_submission_to_receipt(county_admin: Any, xinfu_reserve: Warehouse) -> None:
    material = StockItem.objects.get(warehouse=xinfu_reserve, material__code="2030101")
    on_hand, reserved = stock_of(material)
    request = _request(county_admin, [("2030101", 5)], xinfu_reserve)
    assert Notification.objects.filter(
        object_id=str(request.pk), task="materials.approve", done_at=None
    ).exists()

    requests.approve(county_admin, request.pk, note="同意")
    requests.allocate(county_admin, request.pk)
    request.refresh_from_db()
    assert request.status == "allocated"
    allocations = list(Allocation.objects.filter(line__request=request))
    assert sum(a.quantity for a in allocations) == 5 and all(a.minutes is not None for a in allocations)
    assert not Notification.objects.filter(
        object_id=str(request.pk), task="materials.approve", done_at=None
    ).exists()

    shipments = requests.dispatch_all(county_admin, request.pk)
    request.refresh_from_db()
    assert request.status == "dispatched"
    shipment = shipments[0]
    assert shipment.eta == shipment.dispatched_at + timedelta(minutes=shipment.minutes)
    assert Movement.objects.filter(shipment=shipment, kind="out").exists()
    if shipment.vehicle_id:
        assert Vehicle.objects.get(pk=shipment.vehicle_id).status == "assigned"

    requests.receive_shipment(county_admin, shipment.pk, received={"2030101": 4})
    request.refresh_from_db()
    assert request.status == "received"
    line = shipment.lines.get()
    assert (line.received, line.returned) == (4, 1)
    taken_here = sum(a.quantity for a in allocations if a.stock_item_id == material.pk)
    returned_here = 1 if shipment.warehouse_id == xinfu_reserve.pk else 0
    assert stock_of(material) == (on_hand - taken_here + returned_here, reserved)
    if shipment.vehicle_id:
        assert Vehicle.objects.get(pk=shipment.vehicle_id).status == "available"


def test_allocation_takes_the_nearest_warehouses_by_road(county_admin: Any, xinfu_reserve: Warehouse) -> None:
    request = _request(county_admin, [("3010101", 30)], xinfu_reserve)
    requests.approve(county_admin, request.pk)

    requests.allocate(county_admin, request.pk)

    chosen = Allocation.objects.filter(line__request=request).select_related("stock_item__warehouse").first()
    candidates = list(
        StockItem.objects.filter(
            material__code="3010101", warehouse__region__path__startswith="140000/140900/140902/"
        ).select_related("warehouse")
    )
    legs = travel.road_trips(
        (request.longitude, request.latitude),
        [(c.warehouse.longitude, c.warehouse.latitude) for c in candidates],
    )
    nearest = min(leg.minutes for c, leg in zip(candidates, legs, strict=True) if leg and c.available >= 30)
    assert chosen.minutes == pytest.approx(nearest)


def test_allocation_beyond_the_regions_stock_is_409_and_reserves_nothing(
    county_admin: Any, xinfu_reserve: Warehouse
) -> None:
    items = StockItem.objects.filter(
        material__code="1020101", warehouse__region__path__startswith="140000/140900/140902/"
    )
    total = sum(item.available for item in items)
    before = list(items.values_list("pk", "reserved"))
    request = _request(county_admin, [("1020101", total + 1), ("3010101", 1)], xinfu_reserve)
    requests.approve(county_admin, request.pk)

    with pytest.raises(Conflict) as refused:
        requests.allocate(county_admin, request.pk)

    assert refused.value.code == "insufficient_stock"
    assert refused.value.details["shortfalls"][0]["short"] == 1
    assert list(items.values_list("pk", "reserved")) == before
    request.refresh_from_db()
    assert request.status == "approved" and not Allocation.objects.filter(line__request=request).exists()


def test_cancelling_releases_the_reservations(county_admin: Any, xinfu_reserve: Warehouse) -> None:
    request = _request(county_admin, [("3010101", 25)], xinfu_reserve)
    requests.approve(county_admin, request.pk)
    requests.allocate(county_admin, request.pk)
    reserved = {
        a.stock_item_id: stock_of(a.stock_item)[1] for a in Allocation.objects.filter(line__request=request)
    }

    requests.cancel(county_admin, request.pk, note="险情解除")

    for allocation in Allocation.objects.filter(line__request=request):
        assert allocation.status == "released"
        assert stock_of(allocation.stock_item)[1] == reserved[allocation.stock_item_id] - allocation.quantity


def test_only_the_supplying_regions_administrators_decide(
    county_admin: Any, city_admin: Any, xinfu_reserve: Warehouse
) -> None:
    to_city = _request(county_admin, [("1020101", 2)], xinfu_reserve, supplier_region_code="140900")

    with pytest.raises(Forbidden):
        requests.approve(county_admin, to_city.pk)
    requests.approve(city_admin, to_city.pk)
    requests.allocate(city_admin, to_city.pk)

    assert {a.stock_item.warehouse.region_id for a in Allocation.objects.filter(line__request=to_city)} <= {
        w.region_id for w in Warehouse.objects.all()
    }


def test_a_step_out_of_order_is_a_conflict(county_admin: Any, xinfu_reserve: Warehouse) -> None:
    request = _request(county_admin, [("3010101", 1)], xinfu_reserve)

    with pytest.raises(Conflict) as refused:
        requests.allocate(county_admin, request.pk)

    assert refused.value.code == "wrong_status"


def test_a_vehicle_too_small_for_the_load_is_refused(county_admin: Any, xinfu_reserve: Warehouse) -> None:
    request = _request(county_admin, [("1020102", 40)], xinfu_reserve)  # 40 cotton tents × 80 kg = 3.2 t
    requests.approve(county_admin, request.pk)
    requests.allocate(county_admin, request.pk)
    carrier = Carrier.objects.visible_to(county_admin).first()
    van = services.add_vehicle(
        county_admin,
        carrier.pk,
        plate="晋H·T0001",
        kind="van",
        capacity_t=1,
        seats=7,
        longitude=xinfu_reserve.longitude,
        latitude=xinfu_reserve.latitude,
    )
    warehouse_id = Allocation.objects.filter(line__request=request).first().stock_item.warehouse_id

    with pytest.raises(Conflict) as refused:
        requests.dispatch(county_admin, request.pk, warehouse_id=warehouse_id, vehicle_id=van.pk)

    assert refused.value.code == "vehicle_too_small"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite admits one writer at a time; PostgreSQL races"
)
def test_concurrent_allocations_never_promise_the_same_stock() -> None:
    """Eight approved requests of 3 rubber boats each race for 10 available in 定襄县: exactly three win."""
    admin = User.objects.select_related("region").get(username="demo-county-140921")
    reserve = Warehouse.objects.get(region_id="140921", tier="county")
    item = StockItem.objects.get(warehouse=reserve, material__code="2030102")
    others = StockItem.objects.filter(
        material__code="2030102", warehouse__region__path__startswith="140000/140900/140921/"
    ).exclude(pk=item.pk)
    others.update(reserved=0, on_hand=0)
    StockItem.objects.filter(pk=item.pk).update(reserved=item.on_hand - 10)
    pending = []
    for _ in range(8):
        request = _request(admin, [("2030102", 3)], reserve)
        requests.approve(admin, request.pk)
        pending.append(request.pk)
    start = threading.Barrier(8, timeout=30)
    outcomes: list[str] = []

    def allocate(request_id: int) -> None:
        try:
            start.wait()
            requests.allocate(admin, request_id)
            outcomes.append("won")
        except Conflict as refused:
            outcomes.append(refused.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=allocate, args=(pk,)) for pk in pending]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["insufficient_stock"] * 5 + ["won"] * 3
    on_hand, reserved = stock_of(item)
    assert reserved == on_hand - 1
    assert (
        sum(Allocation.objects.filter(stock_item=item, status="reserved").values_list("quantity", flat=True))
        == 9
    )
