"""Incidents on maps: the 一张图 layer 事件 (open incidents colored by grade) and what the command screen
(指挥一张图) shows around one incident: its road isochrones (15/30/60 min), shelters, warnings covering
the place, sensors and active alarms nearby, enterprises and major hazard installations within a radius.

Every list comes from the records the viewer may see (`visible_to`); popups are plain text lines
that the page's script puts in with textContent (core/static/core/safe-dom.js).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_noop

from yingji.command.models import Incident
from yingji.core.registry import counties_for
from yingji.geography import areas

GRADE_COLORS = {"特别重大": "#7a0019", "重大": "#d7263d", "较大": "#f28c28", "一般": "#f2c400"}
UNGRADED_COLOR = "#2f6fde"
MAP_LEGEND = [
    (GRADE_COLORS["特别重大"], gettext_noop("特别重大")),
    (GRADE_COLORS["重大"], gettext_noop("重大")),
    (GRADE_COLORS["较大"], gettext_noop("较大")),
    (GRADE_COLORS["一般"], gettext_noop("一般")),
    (UNGRADED_COLOR, gettext_noop("其他事件")),
]
DEFAULT_RADIUS_KM = 5.0
MIN_RADIUS_KM, MAX_RADIUS_KM = 0.5, 30.0
LIST_LIMIT = 30
GRADE_ORDER = {"": 0, "一般": 1, "较大": 2, "重大": 3, "特别重大": 4}


def color_of(incident: Incident) -> str:
    return GRADE_COLORS.get(incident.grade, UNGRADED_COLOR)


def _point(lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def incident_feature(incident: Incident, *, large: bool = False) -> dict[str, Any]:
    popup = [f"{incident.number} {incident.title}", f"{incident.get_category_display()}·{incident.subtype}"]
    if incident.grade:
        popup.append(f"{incident.grade}事故")
    popup.append(f"死亡 {incident.deaths} 失踪 {incident.missing} 重伤 {incident.serious_injuries}")
    return _point(
        incident.longitude,
        incident.latitude,
        {
            "id": f"incident-{incident.pk}",
            "kind": "incident",
            "label": None,
            "popup": popup,
            "style": {
                "radius": 12 if large else 8,
                "color": "#ffffff",
                "weight": 2,
                "fillColor": color_of(incident),
                "fillOpacity": 0.95,
            },
            "url": reverse("incidents:detail", args=[incident.pk]),
        },
    )


def layer(user: Any) -> dict[str, Any]:
    """The open incidents the user sees, the gravest drawn last (on top)."""
    rows = list(
        Incident.objects.visible_to(user)
        .filter(status__in=(Incident.REPORTED, Incident.RESPONDING))
        .order_by("-known_at")[:500]
    )
    rows.sort(key=lambda incident: (GRADE_ORDER.get(incident.grade, 0), incident.known_at))
    return {"type": "FeatureCollection", "features": [incident_feature(incident) for incident in rows]}


def radius_of(value: Any) -> float:
    """The screen's radius from a query string: a number within bounds, else the default."""
    try:
        radius = float(value)
    except (TypeError, ValueError):
        return DEFAULT_RADIUS_KM
    if radius != radius:  # NaN
        return DEFAULT_RADIUS_KM
    return min(max(radius, MIN_RADIUS_KM), MAX_RADIUS_KM)


@dataclass
class Surroundings:
    """What lies around an incident, as lists for the page and features for its map."""

    radius_km: float
    shelters: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    sensors: list[dict[str, Any]] = field(default_factory=list)
    alarms: list[dict[str, Any]] = field(default_factory=list)
    enterprises: list[dict[str, Any]] = field(default_factory=list)
    installations: list[dict[str, Any]] = field(default_factory=list)
    features: list[dict[str, Any]] = field(default_factory=list)


def _near(
    queryset: Any, incident: Incident, radius_km: float, fields: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Rows of `queryset` (with longitude/latitude) within the radius, nearest first, with `km`."""
    degrees_lat = radius_km / 111.0
    degrees_lon = radius_km / (111.0 * max(0.2, abs(math.cos(math.radians(incident.latitude)))))
    rows = list(
        queryset.filter(
            longitude__range=(incident.longitude - degrees_lon, incident.longitude + degrees_lon),
            latitude__range=(incident.latitude - degrees_lat, incident.latitude + degrees_lat),
        ).values(*fields, "longitude", "latitude")[:500]
    )
    for row in rows:
        row["km"] = round(
            float(
                areas.haversine_km(incident.longitude, incident.latitude, row["longitude"], row["latitude"])
            ),
            2,
        )
    rows = [row for row in rows if row["km"] <= radius_km]
    rows.sort(key=lambda row: row["km"])
    return rows[:LIST_LIMIT]


def _marker(
    row: dict[str, Any], kind: str, color: str, popup: list[str], url: str | None, radius: int = 6
) -> dict[str, Any]:
    return _point(
        row["longitude"],
        row["latitude"],
        {
            "kind": kind,
            "label": None,
            "popup": popup,
            "style": {
                "radius": radius,
                "color": "#ffffff",
                "weight": 1,
                "fillColor": color,
                "fillOpacity": 0.9,
            },
            "url": url,
        },
    )


def surroundings(user: Any, incident: Incident, radius_km: float) -> Surroundings:
    """Shelters, sensors, active alarms, enterprises and installations within the radius, and the live
    warnings covering the incident's place."""
    from yingji.enterprises.models import Enterprise
    from yingji.majorhazards.models import Installation
    from yingji.monitoring.models import Alarm, Sensor
    from yingji.monitoring.sensortypes import LEVEL_COLORS, LEVEL_LABELS
    from yingji.resources.models import Shelter
    from yingji.warnings import areamap
    from yingji.warnings.maplayer import live
    from yingji.warnings.models import EarlyWarning

    found = Surroundings(radius_km)
    found.shelters = _near(
        Shelter.objects.visible_to(user),
        incident,
        radius_km,
        ("pk", "name", "capacity", "occupancy", "status"),
    )
    for row in found.shelters:
        row["room"] = max(0, row["capacity"] - row["occupancy"])
        found.features.append(
            _marker(
                row,
                "shelter",
                "#2e9d57",
                [row["name"], f"可容纳 {row['capacity']} 人，尚余 {row['room']} 人", f"{row['km']} km"],
                reverse("resources:shelter_detail", args=[row["pk"]]),
            )
        )
    found.enterprises = _near(
        Enterprise.objects.visible_to(user), incident, radius_km, ("pk", "name", "industry")
    )
    for row in found.enterprises:
        found.features.append(
            _marker(
                row,
                "enterprise",
                "#6b7785",
                [row["name"], f"{row['km']} km"],
                reverse("enterprises:detail", args=[row["pk"]]),
                radius=5,
            )
        )
    found.installations = _near(
        Installation.objects.visible_to(user), incident, radius_km, ("pk", "name", "level")
    )
    for row in found.installations:
        found.features.append(
            _marker(
                row,
                "installation",
                "#8e44ad",
                [row["name"], f"重大危险源 {row['level'] or '—'} 级", f"{row['km']} km"],
                reverse("majorhazards:detail", args=[row["pk"]]),
            )
        )
    sensors = _near(
        Sensor.objects.visible_to(user).filter(active=True, longitude__isnull=False),
        incident,
        radius_km,
        ("pk", "name", "kind", "state__last_level", "state__online"),
    )
    found.sensors = sensors
    for row in sensors:
        level = row["state__last_level"] or 0
        row["level_label"] = LEVEL_LABELS[level]
        found.features.append(
            _marker(
                row,
                "sensor",
                LEVEL_COLORS[level],
                [row["name"], LEVEL_LABELS[level], f"{row['km']} km"],
                reverse("monitoring:sensor", args=[row["pk"]]),
                radius=4,
            )
        )
    near_ids = [row["pk"] for row in sensors]
    alarms = (
        Alarm.objects.visible_to(user)
        .filter(status__in=Alarm.OPEN_STATUSES, sensor_id__in=near_ids)
        .select_related("sensor")
        .order_by("-level", "-raised_at")[:LIST_LIMIT]
    )
    found.alarms = [
        {
            "pk": alarm.pk,
            "label": str(alarm),
            "level": alarm.level,
            "level_label": LEVEL_LABELS[alarm.level],
            "color": LEVEL_COLORS[alarm.level],
            "raised_at": alarm.raised_at,
            "status": alarm.get_status_display(),
        }
        for alarm in alarms
    ]
    warnings = list(live(EarlyWarning.objects.visible_to(user)))
    if warnings:
        index = areamap.AreaIndex.build(warnings)
        county = index.county_at(incident.longitude, incident.latitude)
        for warning in areamap.by_level(warnings):
            extent = index.at_point(warning, incident.longitude, incident.latitude, county)
            if extent is not None:
                found.warnings.append(
                    {
                        "pk": warning.pk,
                        "headline": warning.headline,
                        "level": warning.level,
                        "color": areamap.LEVEL_COLORS.get(warning.level, "#6b7785"),
                        "partial": extent == areamap.PARTIAL,
                    }
                )
    return found


def isochrones(user: Any, incident: Incident) -> dict[str, Any]:
    """The road isochrones of 15/30/60 minutes from the incident's point (yingji.geography.roads)."""
    from yingji.resources.reach import reach_from

    counties = dict(counties_for(user).values_list("code", "name"))
    return reach_from([(incident.longitude, incident.latitude)], counties).isochrones


def screen_map(user: Any, incident: Incident, found: Surroundings) -> dict[str, Any]:
    """The screen map's config for resources/resource-map.js: isochrones, the radius, the points."""
    circle = {
        "type": "Feature",
        "geometry": areas.circle_polygon(incident.longitude, incident.latitude, found.radius_km),
        "properties": {
            "label": None,
            "popup": [f"半径 {found.radius_km:g} km"],
            "url": None,
            "style": {"color": "#0f3d68", "weight": 1, "dashArray": "6 5", "fillOpacity": 0},
        },
    }
    features = [
        *isochrones(user, incident)["features"],
        circle,
        *found.features,
        incident_feature(incident, large=True),
    ]
    return {
        "counties_url": reverse("warnings_public:counties"),
        "features": {"type": "FeatureCollection", "features": features},
    }
