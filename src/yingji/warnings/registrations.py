"""What warnings add to shared pages: the nav entry, the 一张图 layer and the county count."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.utils.translation import gettext_noop

from yingji.core.registry import (
    MapLayer,
    NavItem,
    register_county_count,
    register_map_layer,
    register_nav_item,
)
from yingji.warnings import areamap, services
from yingji.warnings.maplayer import MAP_LEGEND, live
from yingji.warnings.models import EarlyWarning


def count_live_warnings(user: Any) -> dict[str, int]:
    """Live warnings per county whose area reaches into it (a city-wide one counts in every county)."""
    if not services.may_view(user):
        return {}
    warnings = list(live(EarlyWarning.objects.visible_to(user)).only("pk", "area_codes", "area_shapes"))
    if not warnings:
        return {}
    index = areamap.AreaIndex.build(warnings)
    counts: Counter[str] = Counter()
    for warning in warnings:
        counts.update(index.counties_touched(warning).keys())
    return dict(counts)


def register_all() -> None:
    register_nav_item(NavItem("warnings:list", gettext_noop("预警发布"), services.may_view, order=50))
    register_map_layer(
        MapLayer(
            key="warnings",
            title=gettext_noop("预警"),
            url_name="api:warnings_map",
            legend=MAP_LEGEND,
            is_available=services.may_view,
            order=60,
        )
    )
    register_county_count("live_warnings", gettext_noop("生效预警"))(count_live_warnings)
