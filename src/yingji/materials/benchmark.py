"""Figures for `yingji bench resources`: how long an allocation takes, and that concurrent allocations
never oversell. Run in a configured Django with the demo loaded.

`allocation_figures` changes nothing (every allocation is rolled back); `oversell_figures` must commit
(the race is between connections), so it leaves its requests behind, cancelled, with their
reservations released and audited like any other.
"""

from __future__ import annotations

import statistics
import threading
import time
from datetime import timedelta
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import F, Max, Sum
from django.utils import timezone

from yingji.core.errors import Conflict
from yingji.core.models import User
from yingji.materials import requests
from yingji.materials.models import MaterialRequest, StockItem, Warehouse

CITY = "140900"


class _Rollback(Exception):
    pass


def _city_request(admin: User, items: int) -> MaterialRequest:
    """An approved request to the city of `items` items, each half as much again as the largest single
    holding of it, so that every line is split across warehouses."""
    totals = list(
        StockItem.objects.filter(on_hand__gt=F("reserved"))
        .values("material__code")
        .annotate(free=Sum(F("on_hand") - F("reserved")), largest=Max(F("on_hand") - F("reserved")))
        .order_by("-free", "material__code")[:items]
    )
    reserve = Warehouse.objects.get(region_id=CITY, tier="city")
    request = requests.create_request(
        admin,
        region_code=CITY,
        supplier_region_code=CITY,
        title="基准测试：多品种调拨",
        destination="原平市轩岗镇",
        longitude=reserve.longitude + 0.6,
        latitude=reserve.latitude + 0.35,
        needed_by=timezone.now() + timedelta(hours=6),
        lines=[(row["material__code"], min(row["free"], int(row["largest"] * 1.5) + 1)) for row in totals],
    )
    requests.approve(admin, request.pk)
    return request


def allocation_figures(runs: int = 50, items: int = 20) -> dict[str, Any]:
    """Allocate one `items`-item request across the city's warehouses `runs` times (each rolled back):
    p50 and p95 seconds (target < 0.1 s)."""
    admin = User.objects.select_related("region").get(username="demo-city")
    times: list[float] = []
    warehouses = 0
    try:
        with transaction.atomic():
            request = _city_request(admin, items)
            requests.propose(request)  # the road network and the first queries warm up here
            for _ in range(runs):
                try:
                    with transaction.atomic():
                        started = time.perf_counter()
                        requests.allocate(admin, request.pk)
                        times.append(time.perf_counter() - started)
                        warehouses = (
                            request.lines.values("allocations__stock_item__warehouse_id").distinct().count()
                        )
                        raise _Rollback
                except _Rollback:
                    pass
            raise _Rollback
    except _Rollback:
        pass
    ordered = sorted(times)
    return {
        "allocate_items": items,
        "allocate_runs": runs,
        "allocate_warehouses": warehouses,
        "allocate_p50_s": round(statistics.median(ordered), 4),
        "allocate_p95_s": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 4),
    }


def oversell_figures(workers: int = 8) -> dict[str, Any]:
    """`workers` connections allocate at once against one stock item that holds about half of what they
    ask; oversold = units reserved beyond what was available (must be 0). PostgreSQL only."""
    if connection.vendor != "postgresql":
        return {"oversell_skipped": "PostgreSQL only (SQLite admits one writer at a time)"}
    admin = User.objects.select_related("region").get(username="demo-city")
    item = (
        StockItem.objects.filter(warehouse__tier="city", on_hand__gt=F("reserved") + workers)
        .select_related("warehouse", "material")
        .order_by("-on_hand")
        .first()
    )
    assert item is not None, "the demo's city reserve has no stock"
    elsewhere = (
        StockItem.objects.filter(material=item.material)
        .exclude(pk=item.pk)
        .aggregate(n=Sum(F("on_hand") - F("reserved")))["n"]
        or 0
    )
    available = item.on_hand - item.reserved + elsewhere
    each = max(1, available // max(1, workers // 2))
    pending = []
    for _ in range(workers):
        request = requests.create_request(
            admin,
            region_code=CITY,
            supplier_region_code=CITY,
            title="基准测试：并发分配",
            destination=item.warehouse.name,
            longitude=item.warehouse.longitude,
            latitude=item.warehouse.latitude,
            needed_by=timezone.now() + timedelta(hours=2),
            lines=[(item.material.code, each)],
        )
        requests.approve(admin, request.pk)
        pending.append(request.pk)
    start = threading.Barrier(workers, timeout=60)
    won: list[int] = []
    refused: list[int] = []
    errors: list[str] = []

    def allocate(request_id: int) -> None:
        try:
            start.wait()
            requests.allocate(admin, request_id)
            won.append(request_id)
        except Conflict:
            refused.append(request_id)
        except Exception as error:  # a database error would be a failure of the mechanism
            errors.append(repr(error))
        finally:
            connections.close_all()

    started = time.perf_counter()
    threads = [threading.Thread(target=allocate, args=(pk,)) for pk in pending]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    promised = len(won) * each
    negative = StockItem.objects.filter(material=item.material, reserved__gt=F("on_hand")).count()
    for pk in pending:
        requests.cancel(admin, pk, note="基准测试结束")
    return {
        "oversell_workers": workers,
        "oversell_available": available,
        "oversell_each": each,
        "oversell_won": len(won),
        "oversell_refused": len(refused),
        "oversell_errors": errors,
        "oversold": max(0, promised - available) + negative,
        "oversell_s": round(elapsed, 3),
    }
