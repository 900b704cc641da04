"""The nearest help by road travel time: the sources this app registers, and the search itself.

Each kind of resource registers a source (`core.registry.register_resource_source`) that lists the
candidates a user may see and that meet the search (a team kind standing by, an open shelter with
room, equipment of a kind available). `nearest` asks the kind's source, times every candidate from
the point on the road network in one search (`roads.network().trips_from`), and answers the best by
minutes. The command domain calls it on every incident: one query per source, one graph search.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import F
from django.urls import reverse

from yingji.core.errors import InvalidInput
from yingji.core.registry import NearestSearch, ResourceCandidate, register_resource_source, resource_sources
from yingji.geography import areas, roads
from yingji.geography.roads import RoadNetwork
from yingji.geography.roads.service import check_covered
from yingji.resources import kinds
from yingji.resources.models import Equipment, Shelter, Team

MAX_LIMIT = 50


@dataclass(frozen=True)
class Nearest:
    """A candidate with its road trip from the search point and its straight-line distance."""

    candidate: ResourceCandidate
    minutes: float
    km: float
    straight_km: float

    def as_dict(self) -> dict[str, Any]:
        c = self.candidate
        return {
            "kind": c.kind,
            "id": c.id,
            "label": c.label,
            "longitude": c.longitude,
            "latitude": c.latitude,
            "qualifies": c.qualifies,
            "url": c.url,
            "minutes": round(self.minutes, 1),
            "km": round(self.km, 2),
            "straight_km": round(self.straight_km, 2),
        }


def _network(network: RoadNetwork | None = None) -> RoadNetwork:
    return network if network is not None else roads.network()


def check_point(longitude: float, latitude: float, network: RoadNetwork | None = None) -> None:
    """A 400 `outside_network` for a point the road network does not cover."""
    check_covered(_network(network), (longitude, latitude), "lon")


def rank(
    point: tuple[float, float],
    candidates: list[ResourceCandidate],
    limit: int,
    network: RoadNetwork | None = None,
) -> list[Nearest]:
    """The `limit` candidates reached soonest by road from `point`, soonest first (unreachable: left out).

    The network's bounded search (`RoadNetwork.nearest`) looks only as far as the `limit`-th needs.
    """
    if not candidates:
        return []
    places = np.array([(c.longitude, c.latitude) for c in candidates], dtype=np.float64)
    found = _network(network).nearest(point, places, count=limit)
    straight = areas.haversine_km(point[0], point[1], places[:, 0], places[:, 1])
    return [
        Nearest(candidates[index], trip.minutes, trip.km, float(straight[index])) for index, trip in found
    ]


def nearest(
    user: Any,
    point: tuple[float, float],
    kind: str,
    search: NearestSearch | None = None,
    limit: int = 5,
    network: RoadNetwork | None = None,
) -> list[Nearest]:
    """The `limit` resources of `kind` that `user` may see and that meet `search`, nearest by road time.

    Unknown kinds and points outside the road network are a 400 (`InvalidInput`).
    """
    source = resource_sources().get(kind)
    if source is None:
        raise InvalidInput(
            f"未知的资源类别 {kind} / Unknown kind of resource",
            code="unknown_kind",
            details={"field": "kind", "kinds": sorted(resource_sources())},
        )
    check_point(*point, network=network)
    limit = max(1, min(int(limit), MAX_LIMIT))
    return rank(point, source(user, search or NearestSearch()), limit, network)


# Sources ---------------------------------------------------------------------------------------


def team_candidates(user: Any, search: NearestSearch) -> list[ResourceCandidate]:
    """Teams of a kind (`capability`), standing by (待命) unless `available_only` is off; where a team
    reported its position, from there, else from its base."""
    teams = Team.objects.visible_to(user)
    if search.capability:
        teams = teams.filter(kind=search.capability)
    if search.available_only:
        teams = teams.filter(status=kinds.STANDBY)
    if search.quantity:
        teams = teams.filter(headcount__gte=search.quantity)
    rows = teams.order_by("id").values_list(
        "pk",
        "name",
        "kind",
        "status",
        "headcount",
        "longitude",
        "latitude",
        "position_longitude",
        "position_latitude",
    )
    return [
        ResourceCandidate(
            kind="team",
            id=pk,
            label=name,
            longitude=p_lon if p_lon is not None else lon,
            latitude=p_lat if p_lat is not None else lat,
            qualifies=" · ".join(
                (kinds.TEAM_KINDS.get(kind, kind), kinds.TEAM_STATUSES.get(status, status), f"{headcount} 人")
            ),
            url=reverse("resources:team_detail", args=[pk]),
        )
        for pk, name, kind, status, headcount, lon, lat, p_lon, p_lat in rows
    ]


def open_shelters(queryset: Any, places: float | None = None) -> Any:
    """Open shelters with room (for `places` people if given)."""
    shelters = queryset.filter(status=kinds.OPEN, occupancy__lt=F("capacity"))
    if places:
        shelters = shelters.filter(capacity__gte=F("occupancy") + int(places))
    return shelters


def shelter_rows(queryset: Any, *, with_urls: bool) -> list[ResourceCandidate]:
    rows = queryset.order_by("id").values_list(
        "pk", "name", "shelter_type", "capacity", "occupancy", "status", "longitude", "latitude"
    )
    return [
        ResourceCandidate(
            kind="shelter",
            id=pk,
            label=name,
            longitude=lon,
            latitude=lat,
            qualifies=" · ".join(
                (
                    kinds.SHELTER_TYPES.get(stype, stype),
                    kinds.SHELTER_STATUSES.get(status, status),
                    f"尚可容纳 {max(capacity - occupancy, 0)} 人",
                )
            ),
            url=reverse("resources:shelter_detail", args=[pk]) if with_urls else None,
        )
        for pk, name, stype, capacity, occupancy, status, lon, lat in rows
    ]


def shelter_candidates(user: Any, search: NearestSearch) -> list[ResourceCandidate]:
    """Open shelters with room (for `quantity` people); every shelter with `available_only` off."""
    shelters = Shelter.objects.visible_to(user)
    if search.capability:
        shelters = shelters.filter(shelter_type=search.capability)
    if search.available_only:
        shelters = open_shelters(shelters, search.quantity)
    return shelter_rows(shelters, with_urls=True)


def _equipment(user: Any, search: NearestSearch, *, vehicles: bool) -> list[ResourceCandidate]:
    equipment = Equipment.objects.visible_to(user)
    equipment = (
        equipment.filter(kind__in=kinds.VEHICLE_KINDS)
        if vehicles
        else equipment.exclude(kind__in=kinds.VEHICLE_KINDS)
    )
    if search.capability:
        equipment = equipment.filter(kind=search.capability)
    if search.available_only:
        equipment = equipment.filter(status=kinds.AVAILABLE)
    if search.quantity:
        equipment = equipment.filter(capability__gte=search.quantity)
    rows = equipment.order_by("id").values_list(
        "pk",
        "name",
        "kind",
        "capability",
        "status",
        "plate",
        "longitude",
        "latitude",
        "team__name",
        "organization__name",
    )
    found = []
    for pk, name, kind, capability, status, plate, lon, lat, team, organization in rows:
        info = kinds.EQUIPMENT_KINDS.get(kind, kinds.EquipmentKind(kind))
        parts = [info.label]
        if capability:
            parts.append(f"{capability:g} {info.unit}".strip())
        if plate:
            parts.append(plate)
        parts += [kinds.EQUIPMENT_STATUSES.get(status, status), team or organization]
        found.append(
            ResourceCandidate(
                kind="vehicle" if vehicles else "equipment",
                id=pk,
                label=name,
                longitude=lon,
                latitude=lat,
                qualifies=" · ".join(parts),
                url=reverse("resources:equipment_detail", args=[pk]),
            )
        )
    return found


def equipment_candidates(user: Any, search: NearestSearch) -> list[ResourceCandidate]:
    """Equipment (not vehicles) of a kind, available, with at least `quantity` of its capability."""
    return _equipment(user, search, vehicles=False)


def vehicle_candidates(user: Any, search: NearestSearch) -> list[ResourceCandidate]:
    """Vehicles of teams and organizations (fire engines, rescue vehicles, ambulances…), available."""
    return _equipment(user, search, vehicles=True)


def register_sources() -> None:
    register_resource_source("team", team_candidates)
    register_resource_source("shelter", shelter_candidates)
    register_resource_source("equipment", equipment_candidates)
    register_resource_source("vehicle", vehicle_candidates)
