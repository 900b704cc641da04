"""What the materials domain adds to shared pages: navigation, map layer, county column, home items,
and the two kinds of resource the nearest-help search finds here (`warehouse`, and `transport`: the
carriers' vehicles)."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_noop

from yingji.core import roles
from yingji.core.registry import (
    ACT,
    WATCH,
    CountyCount,
    HomeItem,
    ListLink,
    MapLayer,
    NavItem,
    NearestSearch,
    ResourceCandidate,
    register_county_count,
    register_home_item,
    register_map_layer,
    register_nav_item,
    register_resource_source,
)

TIER_COLORS = {"city": "#7b2cbf", "county": "#2f6fde", "township": "#2a9d8f", "village": "#8ab17d"}
LOW_COLOR = "#d7263d"
VEHICLE_KIND_NAMES = {
    "truck": "厢式货车",
    "flatbed": "平板运输车",
    "light_truck": "轻型货车",
    "van": "面包车",
    "bus": "客车",
}


def warehouse_candidates(user: Any, search: NearestSearch) -> list[ResourceCandidate]:
    """Warehouses the user sees; with `search.item`, those with at least `search.quantity` available."""
    from yingji.materials import services
    from yingji.materials.models import StockItem, Warehouse

    if not services.may_view(user):
        return []
    if search.item:
        material = services.material_by_code(search.item)
        wanted = max(int(search.quantity or 1), 1)
        rows = (
            StockItem.objects.visible_to(user)
            .filter(material=material)
            .annotate(free=F("on_hand") - F("reserved"))
            .filter(free__gte=wanted)
            .values_list(
                "warehouse_id", "warehouse__name", "warehouse__longitude", "warehouse__latitude", "free"
            )
        )
        return [
            ResourceCandidate(
                "warehouse",
                pk,
                name,
                lon,
                lat,
                f"{material.name} {free} {material.unit}可用",
                reverse("materials:warehouse_detail", args=[pk]),
            )
            for pk, name, lon, lat, free in rows
        ]
    from yingji.materials.api import TIER_NAMES

    return [
        ResourceCandidate(
            "warehouse",
            pk,
            name,
            lon,
            lat,
            TIER_NAMES[tier],
            reverse("materials:warehouse_detail", args=[pk]),
        )
        for pk, name, tier, lon, lat in Warehouse.objects.visible_to(user).values_list(
            "pk", "name", "tier", "longitude", "latitude"
        )
    ]


def transport_candidates(user: Any, search: NearestSearch) -> list[ResourceCandidate]:
    """Carriers' vehicles under transport agreement (kind `transport`; the resources app's `vehicle` are
    vehicles owned by teams); capability = vehicle kind (truck, flatbed, light_truck, van, bus)."""
    from yingji.materials import services
    from yingji.materials.models import VEHICLE_AVAILABLE, Vehicle

    if not services.may_view(user):
        return []
    vehicles = Vehicle.objects.visible_to(user)
    if search.capability:
        vehicles = vehicles.filter(kind=search.capability)
    if search.available_only:
        vehicles = vehicles.filter(status=VEHICLE_AVAILABLE)
    rows = vehicles.values_list(
        "pk", "plate", "kind", "capacity_t", "seats", "longitude", "latitude", "carrier_id", "carrier__name"
    )
    candidates = []
    for pk, plate, kind, capacity, seats, lon, lat, carrier_id, carrier in rows:
        load = f"{capacity:g} 吨" if capacity else f"{seats} 座"
        candidates.append(
            ResourceCandidate(
                "transport",
                pk,
                f"{plate}（{carrier}）",
                lon,
                lat,
                f"{VEHICLE_KIND_NAMES.get(kind, kind)} · {load}",
                reverse("materials:carrier_detail", args=[carrier_id]),
            )
        )
    return candidates


def register_all() -> None:
    from yingji.materials import board, services, views
    from yingji.resources.board import BoardSection, add_section

    # Stock against reserve levels on the county resource board, below its teams and shelters.
    add_section(BoardSection("materials_stock", "materials/_board_stock.html", board.stock_against_targets))

    register_nav_item(
        NavItem("materials:warehouse_list", gettext_noop("应急物资"), services.may_view, order=70)
    )
    register_map_layer(
        MapLayer(
            key="warehouses",
            title=gettext_noop("应急物资仓库"),
            url_name="api:materials_map",
            legend=[
                (TIER_COLORS["city"], "市级储备库"),
                (TIER_COLORS["county"], "县级储备库"),
                (TIER_COLORS["township"], "乡镇储备点"),
                (TIER_COLORS["village"], "村（社区）储备点"),
                (LOW_COLOR, "低于最低储备"),
            ],
            is_available=services.may_view,
            order=80,
        )
    )
    register_county_count(
        CountyCount(
            "warehouses",
            gettext_noop("物资仓库"),
            link=ListLink("materials:warehouse_list", views.listed_warehouses),
            county_param="county",
        )
    )
    register_home_item(
        HomeItem(
            "material_requests_to_approve",
            gettext_noop("待审批的物资申请"),
            ListLink("materials:request_list", views.listed_requests, (("awaiting", "1"),)),
            roles=frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN}),
            section=ACT,
            order=60,
        )
    )
    register_home_item(
        HomeItem(
            "warehouses_low",
            gettext_noop("低于最低储备的仓库"),
            ListLink("materials:warehouse_list", views.listed_warehouses, (("low", "1"),)),
            roles=frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN}),
            section=WATCH,
            order=80,
        )
    )
    register_resource_source("warehouse", warehouse_candidates)
    register_resource_source("transport", transport_candidates)
