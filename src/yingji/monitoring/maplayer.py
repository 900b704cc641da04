"""The 一张图 layer of monitored objects: one point per installation, enterprise or site with sensors,
colored by its highest active alarm (grey when every sensor is offline, green when all is normal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_noop

from yingji.monitoring.models import Alarm, Sensor
from yingji.monitoring.sensortypes import LEVEL_COLORS, LEVEL_LABELS

OFFLINE_COLOR = "#9aa3ad"
MAP_LEGEND = [
    (LEVEL_COLORS[0], LEVEL_LABELS[0]),
    (LEVEL_COLORS[1], gettext_noop("蓝色报警")),
    (LEVEL_COLORS[2], gettext_noop("黄色报警")),
    (LEVEL_COLORS[3], gettext_noop("橙色报警")),
    (LEVEL_COLORS[4], gettext_noop("红色报警")),
    (OFFLINE_COLOR, gettext_noop("离线")),
]
FIELDS = (
    "pk",
    "longitude",
    "latitude",
    "state__online",
    "state__alarm_level",
    "enterprise_id",
    "enterprise__name",
    "enterprise__longitude",
    "enterprise__latitude",
    "installation_id",
    "installation__name",
    "installation__longitude",
    "installation__latitude",
    "hazard_unit__installation_id",
    "hazard_unit__installation__name",
    "hazard_unit__installation__longitude",
    "hazard_unit__installation__latitude",
    "site_id",
    "site__name",
    "site__longitude",
    "site__latitude",
)


@dataclass
class _Point:
    """A monitored object being gathered from its sensors' rows."""

    kind: str
    pk: int
    name: str
    owner: str
    longitude: float | None
    latitude: float | None
    sensors: int = 0
    online: int = 0
    level: int = 0
    open_alarms: int = 0


def _object_of(row: tuple[Any, ...]) -> _Point:
    """The object a sensor row watches, at its position (an installation's falls back to its enterprise's)."""
    (_pk, _lon, _lat, _online, _level, e_id, e_name, e_lon, e_lat, i_id, i_name, i_lon, i_lat) = row[:13]
    u_id, u_name, u_lon, u_lat, s_id, s_name, s_lon, s_lat = row[13:]
    if i_id is None and u_id is not None:
        i_id, i_name, i_lon, i_lat = u_id, u_name, u_lon, u_lat
    if i_id is not None:
        if i_lon is None or i_lat is None:
            i_lon, i_lat = e_lon, e_lat
        return _Point("installation", i_id, i_name, e_name, i_lon, i_lat)
    if e_id is not None:
        return _Point("enterprise", e_id, e_name, "", e_lon, e_lat)
    return _Point("site", s_id, s_name, "", s_lon, s_lat)


def map_features(user: Any) -> dict[str, Any]:
    """The monitored objects the user sees, as GeoJSON points; two queries however many sensors."""
    rows = Sensor.objects.visible_to(user).filter(active=True).order_by("pk").values_list(*FIELDS)
    open_counts = dict(
        Alarm.objects.visible_to(user)
        .filter(status__in=Alarm.OPEN_STATUSES, sensor__active=True)
        .values("sensor_id")
        .annotate(n=Count("pk"))
        .values_list("sensor_id", "n")
    )
    points: dict[tuple[str, int], _Point] = {}
    for row in rows:
        found = _object_of(row)
        point = points.setdefault((found.kind, found.pk), found)
        if point.longitude is None or point.latitude is None:
            point.longitude, point.latitude = row[1], row[2]
        point.sensors += 1
        point.online += bool(row[3])
        point.level = max(point.level, row[4] or 0)
        point.open_alarms += open_counts.get(row[0], 0)
    wall = reverse("monitoring:wall")
    features = [
        _feature(point, wall)
        for point in sorted(points.values(), key=lambda p: (p.level, p.kind, p.pk))
        if point.longitude is not None and point.latitude is not None
    ]
    return {"type": "FeatureCollection", "features": features}


def _feature(point: _Point, wall: str) -> dict[str, Any]:
    if point.level:
        color, status = LEVEL_COLORS[point.level], f"{LEVEL_LABELS[point.level]}报警"
    elif point.online == 0:
        color, status = OFFLINE_COLOR, "传感器全部离线"
    else:
        color, status = LEVEL_COLORS[0], "正常"
    popup = [point.name]
    if point.owner:
        popup.append(point.owner)
    popup += [status, f"传感器 {point.sensors} 个，在线 {point.online} 个"]
    if point.open_alarms:
        popup.append(f"未关闭报警 {point.open_alarms} 条")
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [point.longitude, point.latitude]},
        "properties": {
            "id": f"{point.kind}-{point.pk}",
            "kind": point.kind,
            "level": point.level,
            "label": None,
            "popup": popup,
            "style": {
                "radius": 9 if point.level >= 3 else 7,
                "color": "#ffffff",
                "weight": 1.5,
                "fillColor": color,
                "fillOpacity": 0.92,
            },
            "url": f"{wall}?{point.kind}={point.pk}",
        },
    }
