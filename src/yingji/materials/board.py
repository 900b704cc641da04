"""The materials section of the county resource board (`yingji.resources.board`): stock against the
reserve levels, per county, for the users who may see materials."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q
from django.http import HttpRequest

from yingji.core.registry import counties_for, county_of_path
from yingji.materials import services
from yingji.materials.models import StockItem, Warehouse


def stock_against_targets(request: HttpRequest) -> dict[str, Any]:
    """Per county: warehouses, items with reserve levels, how many reach their target and how many are
    below their minimum. Empty for a user who may not see materials (the section then shows nothing)."""
    user = request.user
    if not services.may_view(user):
        return {}
    warehouses: dict[str, int] = {}
    for path, n in (
        Warehouse.objects.visible_to(user).values_list("region__path").annotate(n=Count("pk")).order_by()
    ):
        county = county_of_path(path)
        warehouses[county] = warehouses.get(county, 0) + n
    levels: dict[str, dict[str, int]] = {}
    for path, with_levels, at_target, below in (
        StockItem.objects.visible_to(user)
        .values_list("warehouse__region__path")
        .annotate(
            with_levels=Count("pk", filter=Q(target__gt=0)),
            at_target=Count("pk", filter=Q(target__gt=0, on_hand__gte=F("target"))),
            below=Count("pk", filter=Q(on_hand__lt=F("minimum"))),
        )
        .order_by()
    ):
        entry = levels.setdefault(county_of_path(path), {"with_levels": 0, "at_target": 0, "below": 0})
        entry["with_levels"] += with_levels
        entry["at_target"] += at_target
        entry["below"] += below
    rows = []
    for county in counties_for(user).order_by("code"):
        entry = levels.get(county.code, {"with_levels": 0, "at_target": 0, "below": 0})
        share = entry["at_target"] / entry["with_levels"] if entry["with_levels"] else None
        rows.append({"county": county, "warehouses": warehouses.get(county.code, 0), "share": share, **entry})
    city = levels.get("") or None  # the city's own reserves, in no county
    if city is not None or warehouses.get(""):
        city = city or {"with_levels": 0, "at_target": 0, "below": 0}
        share = city["at_target"] / city["with_levels"] if city["with_levels"] else None
        city = {"warehouses": warehouses.get("", 0), "share": share, **city}
    return {"rows": rows, "city": city}
