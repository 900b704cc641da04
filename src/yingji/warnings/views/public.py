"""Public pages of warnings, with no sign-in: what is on air now (map and list), the warnings where I
am (by location or region) and each published warning with its instructions (SMS subscription:
views/subscribe.py).

Only what was published is shown: headline, content, instruction, area, times, level and the issuing
bureau. Drafts and discarded versions do not exist here (404); no staff names, no phone numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from yingji.core import caching, regioncodes
from yingji.core.models import Region
from yingji.warnings import areamap
from yingji.warnings.cap import alerts, feed
from yingji.warnings.maplayer import live, on_air_state, popup_lines
from yingji.warnings.models import EarlyWarning

PUBLIC_STATUSES = (EarlyWarning.PUBLISHED, *EarlyWarning.ENDED_STATUSES)
FEED_URL = "/cap/feed.atom"


def _city() -> Region | None:
    return Region.objects.filter(level=regioncodes.CITY).defer("geometry").order_by("code").first()


def page_frame(section: str, request: HttpRequest) -> dict[str, Any]:
    """What every public page's frame shows: the city's name, the current section, the feed (on
    SITE_URL, or on the host the visitor came to)."""
    return {"city": _city(), "section": section, "feed_url": alerts.site_url(request) + FEED_URL}


def _published() -> Any:
    """Versions that went out to the public (drafts and versions discarded unpublished never did)."""
    return (
        EarlyWarning.objects.filter(status__in=PUBLIC_STATUSES, published_at__isnull=False)
        .select_related("warning_type", "region", "organization")
        .defer("region__geometry")
    )


def not_found_page(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request, "warnings/public_404.html", {**page_frame("", request), "message": message}, status=404
    )


def _features(warnings: list[EarlyWarning]) -> dict[str, Any]:
    return areamap.collection(
        warnings,
        popup=popup_lines,
        url=lambda warning: reverse("warnings_public:detail", args=[warning.pk]),
    )


def _by_level(warnings: Any) -> list[EarlyWarning]:
    """Highest level first, then the newest."""
    return sorted(
        warnings,
        key=lambda w: (-areamap.LEVEL_ORDER.get(w.level, 0), -(w.published_at or w.onset).timestamp()),
    )


def _map_config(warnings: list[EarlyWarning], fit: str) -> dict[str, Any]:
    return {"counties_url": reverse("warnings_public:counties"), "features": _features(warnings), "fit": fit}


def _area_names(warnings: list[EarlyWarning]) -> dict[int, str]:
    index = areamap.AreaIndex.build(warnings)
    return {w.pk: "、".join(index.names(w)) or w.area_description for w in warnings}


@require_GET
def active_list(request: HttpRequest) -> HttpResponse:
    """The warnings on air now, on a map and as a list (highest level first).

    The whole page is rendered once per process for each state of the live warnings and of the
    regions, each language and each site address its feed link uses (`on_air_state`,
    core/caching.py); a request fills in only the visitor's own CSRF token and path
    (`caching.for_visitor`).
    """
    now = timezone.now()
    frame = page_frame("list", request)
    page = caching.per_process(
        f"warnings.public_list.{get_language()}",
        lambda: (caching.stamp(caching.REGIONS), on_air_state(now), frame["feed_url"]),
        lambda: caching.render_shared("warnings/public_list.html", _on_air(now, frame)),
    )
    return caching.for_visitor(page, request)


def _on_air(now: datetime, frame: dict[str, Any]) -> dict[str, Any]:
    """The public list's context: its frame, the live warnings with their area names, the map of
    them, and the list rendered (`content`)."""
    warnings = _by_level(live(_published(), now))
    names = _area_names(warnings)
    for warning in warnings:
        warning.area_text = names[warning.pk]
    shown = {**frame, "warnings": warnings, "map_config": _map_config(warnings, "city")}
    return shown | {"content": render_to_string("warnings/_public_list_content.html", shown)}


# Warnings where I am ----------------------------------------------------------------------------


@dataclass
class Place:
    """Where the visitor asked about: a point (and its county) or a region."""

    label: str
    longitude: float | None = None
    latitude: float | None = None
    county: areamap.County | None = None
    region: Region | None = None


def _coordinate(raw: str, low: float, high: float) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def region_choices(city: Region | None) -> list[tuple[Region, list[tuple[str, str]]]]:
    """The city's counties with their townships, for the region selects (two queries)."""
    if city is None:
        return []
    counties = list(Region.objects.filter(parent=city, level=regioncodes.COUNTY).order_by("code"))
    townships: dict[str, list[tuple[str, str]]] = {county.code: [] for county in counties}
    rows = Region.objects.filter(parent_id__in=list(townships), level=regioncodes.TOWNSHIP).order_by("code")
    for code, name, parent in rows.values_list("code", "name", "parent_id"):
        townships[parent].append((code, name))
    return [(county, townships[county.code]) for county in counties]


@require_GET
def here(request: HttpRequest) -> HttpResponse:
    """The live warnings at a point (`?lat=&lon=`) or touching a region (`?region=CODE`)."""
    frame = page_frame("here", request)
    context: dict[str, Any] = {**frame, "regions": region_choices(frame["city"]), "place": None}
    get = request.GET
    warnings = list(live(_published()))
    index = areamap.AreaIndex.build(warnings)
    if "lat" in get or "lon" in get:
        lat = _coordinate(get.get("lat", ""), -90, 90)
        lon = _coordinate(get.get("lon", ""), -180, 180)
        if lat is None or lon is None:
            context["error"] = _("经纬度无效：lat 为 -90～90、lon 为 -180～180 的数字")
            return render(request, "warnings/public_here.html", context, status=400)
        county = index.county_at(lon, lat)
        label = _("您的位置（%(lat).4f, %(lon).4f）") % {"lat": lat, "lon": lon}
        if county is not None:
            label += f" · {county.name}"
        place = Place(label, lon, lat, county)
        found = {w.pk: index.at_point(w, lon, lat, county) for w in warnings}
        context["outside"] = county is None
    elif get.get("region"):
        region = Region.objects.filter(code=get["region"].strip()[:12]).first()
        city = frame["city"]
        if region is None or city is None or not region.path.startswith(city.path):
            context["error"] = _("未知的行政区划")
            return render(request, "warnings/public_here.html", context, status=400)
        place = Place(region.name, region=region)
        found = {w.pk: index.touching(w, region) for w in warnings}
    else:
        return render(request, "warnings/public_here.html", context)
    names = {w.pk: "、".join(index.names(w)) or w.area_description for w in warnings}
    for warning in warnings:
        warning.area_text = names[warning.pk]
    inside = _by_level(w for w in warnings if found[w.pk] == areamap.INSIDE)
    partial = _by_level(w for w in warnings if found[w.pk] == areamap.PARTIAL)
    context.update(
        place=place,
        inside=inside,
        partial=partial,
        chosen_region=place.region.code if place.region else "",
        map_config=_map_config(inside + partial, "areas"),
    )
    if place.longitude is not None:
        context["map_config"]["marker"] = [place.latitude, place.longitude]
    return render(request, "warnings/public_here.html", context)


# One warning ------------------------------------------------------------------------------------


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One published warning: what to do first, then what, where and when; or why it ended."""
    warning = _published().select_related("supersedes").filter(pk=pk).first()
    if warning is None:
        return not_found_page(request, _("没有这条已发布的预警。"))
    now = timezone.now()
    index = areamap.AreaIndex.build([warning])
    ended = warning.status in EarlyWarning.ENDED_STATUSES or warning.expires <= now
    newer = None
    if warning.status in (EarlyWarning.UPDATED, EarlyWarning.CANCELLED):
        newer = (
            warning.successors.filter(published_at__isnull=False, status__in=PUBLIC_STATUSES)
            .order_by("-published_at")
            .only("pk", "headline", "msg_type", "published_at")
            .first()
        )
    return render(
        request,
        "warnings/public_detail.html",
        {
            **page_frame("list", request),
            "warning": warning,
            "ended": ended,
            "ended_label": _ended_label(warning, now),
            "newer": newer,
            "area_names": index.names(warning),
            "cap_url": (
                feed.cap_url(warning.identifier, alerts.site_url(request)) if warning.identifier else ""
            ),
            "map_config": {
                "counties_url": reverse("warnings_public:counties"),
                "features": {
                    "type": "FeatureCollection",
                    "features": index.features(warning, popup=popup_lines(warning, index), url=None),
                },
                "fit": "areas",
            },
        },
    )


def _ended_label(warning: EarlyWarning, now: Any) -> str:
    if warning.msg_type == EarlyWarning.CANCEL:
        return _("解除通知")
    if warning.status == EarlyWarning.UPDATED:
        return _("已更新")
    if warning.status == EarlyWarning.CANCELLED:
        return _("已解除")
    if warning.status == EarlyWarning.EXPIRED or warning.expires <= now:
        return _("已过期")
    return ""


# Boundaries for the maps ------------------------------------------------------------------------


@require_GET
@cache_control(public=True, max_age=3600)
def counties(request: HttpRequest) -> JsonResponse:
    """The city's county boundaries as GeoJSON: the offline base layer of every warning map."""
    city = _city()
    rows = (
        Region.objects.filter(parent=city, level=regioncodes.COUNTY, geometry__isnull=False)
        .order_by("code")
        .values_list("code", "name", "geometry")
        if city
        else []
    )
    features = [
        {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": name}}
        for code, name, geometry in rows
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features},
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )
