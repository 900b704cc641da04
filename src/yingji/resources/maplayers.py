"""The map layers of resources: teams by readiness, shelters by status, equipment, helipads.

Each is one `values_list` query over what the user may see; features carry their own style and
popup lines (shown as text) and a link for records the user may open.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from yingji.resources import kinds
from yingji.resources.models import Equipment, Helipad, Shelter, Team


def _point(
    lon: float, lat: float, popup: list[str], style: dict[str, Any], url: str | None
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"label": None, "popup": popup, "style": style, "url": url},
    }


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def teams(user: Any) -> dict[str, Any]:
    """Teams at their reported position (or base), colored by readiness."""
    rows = (
        Team.objects.visible_to(user)
        .order_by("id")
        .values_list(
            "pk",
            "name",
            "kind",
            "status",
            "headcount",
            "organization__name",
            "longitude",
            "latitude",
            "position_longitude",
            "position_latitude",
        )
    )
    features = []
    for pk, name, kind, status, headcount, owner, lon, lat, p_lon, p_lat in rows:
        moving = p_lon is not None and p_lat is not None
        popup = [
            name,
            f"{kinds.TEAM_KINDS.get(kind, kind)} · {headcount} 人",
            owner,
            kinds.TEAM_STATUSES.get(status, status) + (" · 上报位置" if moving else ""),
        ]
        style = {
            "radius": 7,
            "color": "#ffffff",
            "weight": 1.5,
            "fillColor": kinds.TEAM_STATUS_COLORS.get(status, "#9aa3ad"),
            "fillOpacity": 0.95,
        }
        features.append(
            _point(
                p_lon if moving else lon,
                p_lat if moving else lat,
                popup,
                style,
                reverse("resources:team_detail", args=[pk]),
            )
        )
    return _collection(features)


def shelters(user: Any) -> dict[str, Any]:
    """Shelters colored by status (closed, open with room, full), sized by capacity."""
    rows = (
        Shelter.objects.visible_to(user)
        .order_by("id")
        .values_list("pk", "name", "shelter_type", "status", "capacity", "occupancy", "longitude", "latitude")
    )
    features = []
    for pk, name, stype, status, capacity, occupancy, lon, lat in rows:
        popup = [
            name,
            kinds.SHELTER_TYPES.get(stype, stype),
            f"{kinds.SHELTER_STATUSES.get(status, status)} · {occupancy}/{capacity} 人",
        ]
        radius = 4 if capacity < 1000 else 6 if capacity < 10000 else 8
        style = {
            "radius": radius,
            "color": "#ffffff",
            "weight": 1,
            "fillColor": kinds.SHELTER_STATUS_COLORS.get(status, "#9aa3ad"),
            "fillOpacity": 0.85,
        }
        features.append(_point(lon, lat, popup, style, reverse("resources:shelter_detail", args=[pk])))
    return _collection(features)


def equipment(user: Any) -> dict[str, Any]:
    """Equipment and vehicles where they are kept; available ones green."""
    rows = (
        Equipment.objects.visible_to(user)
        .order_by("id")
        .values_list(
            "pk", "name", "kind", "capability", "status", "longitude", "latitude", "organization__name"
        )
    )
    features = []
    for pk, name, kind, capability, status, lon, lat, owner in rows:
        info = kinds.EQUIPMENT_KINDS.get(kind, kinds.EquipmentKind(kind))
        popup = [
            name,
            f"{info.label} {capability:g} {info.unit}".strip(),
            owner,
            kinds.EQUIPMENT_STATUSES.get(status, status),
        ]
        color = "#2e9d57" if status == kinds.AVAILABLE else "#9aa3ad"
        style = {"radius": 4, "color": "#333333", "weight": 1, "fillColor": color, "fillOpacity": 0.9}
        features.append(_point(lon, lat, popup, style, reverse("resources:equipment_detail", args=[pk])))
    return _collection(features)


def helipads(user: Any) -> dict[str, Any]:
    rows = (
        Helipad.objects.visible_to(user)
        .order_by("id")
        .values_list("pk", "name", "kind", "usable", "longitude", "latitude")
    )
    features = []
    for _pk, name, kind, usable, lon, lat in rows:
        popup = [name, kinds.HELIPAD_KINDS.get(kind, kind), "可用" if usable else "暂不可用"]
        style = {
            "radius": 7,
            "color": "#1b4f8a",
            "weight": 2,
            "fillColor": "#ffffff" if usable else "#9aa3ad",
            "fillOpacity": 1,
        }
        features.append(_point(lon, lat, popup, style, reverse("resources:aviation")))
    return _collection(features)
