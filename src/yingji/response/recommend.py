"""The dispatch recommendation (调度推荐) for an incident's point: the nearest available teams of the
kinds its profile needs, equipment, vehicles and warehouses by road time (the resources app's
nearest-help search and the registry's sources); for a chemical incident also the major hazard
installations and enterprises within a radius, the population within 1/3/5 km and the nearest
shelters with room; for one needing aviation, the nearest helipads by air.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from yingji.command.models import Incident
from yingji.core.errors import DomainError, InvalidInput
from yingji.core.registry import NearestSearch, ResourceCandidate, resource_sources
from yingji.geography import areas, population
from yingji.resources.nearest import Nearest, check_point, rank
from yingji.response import rules
from yingji.response.models import IncidentProfile

DEFAULT_LIMIT = 5
MAX_LIMIT = 20
DEFAULT_RADIUS_KM = 5.0
MIN_RADIUS_KM, MAX_RADIUS_KM = 0.5, 20.0
POPULATION_RADII_KM = (1.0, 3.0, 5.0)
MAX_NEARBY = 50


@dataclass
class Recommendation:
    """What to send and what is around: each list of `Nearest` soonest first."""

    profile: rules.Profile | None
    teams: list[Nearest] = field(default_factory=list)
    equipment: list[Nearest] = field(default_factory=list)
    vehicles: list[Nearest] = field(default_factory=list)
    warehouses: list[Nearest] = field(default_factory=list)
    shelters: list[Nearest] = field(default_factory=list)
    installations: list[dict[str, Any]] = field(default_factory=list)
    enterprises: list[dict[str, Any]] = field(default_factory=list)
    population: dict[str, int] = field(default_factory=dict)
    helipads: list[dict[str, Any]] = field(default_factory=list)
    radius_km: float = DEFAULT_RADIUS_KM
    problem: str = ""
    other_kinds: bool = False  # no team of the kinds needed stands by: `teams` are of other kinds

    def as_dict(self) -> dict[str, Any]:
        profile = self.profile
        return {
            "profile": {
                "team_kinds": list(profile.team_kinds) if profile else [],
                "equipment_kinds": list(profile.equipment_kinds) if profile else [],
                "chemical": bool(profile and profile.chemical),
                "aviation": bool(profile and profile.aviation),
            },
            "teams": [n.as_dict() for n in self.teams],
            "teams_of_other_kinds": self.other_kinds,
            "equipment": [n.as_dict() for n in self.equipment],
            "vehicles": [n.as_dict() for n in self.vehicles],
            "warehouses": [n.as_dict() for n in self.warehouses],
            "shelters": [n.as_dict() for n in self.shelters],
            "installations": self.installations,
            "enterprises": self.enterprises,
            "population": self.population,
            "helipads": self.helipads,
            "radius_km": self.radius_km,
            "problem": self.problem,
        }


def profile_of(incident: Incident) -> rules.Profile | None:
    profiles = [
        p.as_rule() for p in IncidentProfile.objects.filter(category=incident.category).order_by("id")
    ]
    return rules.profile_for(profiles, incident.category, incident.subtype)


def _kind_filter(
    candidates: list[ResourceCandidate], queryset: QuerySet, kinds: tuple[str, ...]
) -> list[Any]:
    if not kinds:
        return candidates
    wanted = set(queryset.filter(kind__in=kinds).values_list("pk", flat=True))
    return [c for c in candidates if c.id in wanted]


def _ranked(
    user: Any,
    point: tuple[float, float],
    source: str,
    limit: int,
    keep: Callable[[list[Any]], list[Any]] | None = None,
) -> list[Nearest]:
    found = resource_sources().get(source)
    if found is None:
        return []
    candidates = found(user, NearestSearch(available_only=True))
    if keep is not None:
        candidates = keep(candidates)
    return rank(point, candidates, limit)


def check_radius(radius_km: float | None) -> float:
    if radius_km is None:
        return DEFAULT_RADIUS_KM
    if not MIN_RADIUS_KM <= radius_km <= MAX_RADIUS_KM:
        raise InvalidInput(
            f"半径须为 {MIN_RADIUS_KM}–{MAX_RADIUS_KM} 公里 / "
            f"The radius is {MIN_RADIUS_KM} to {MAX_RADIUS_KM} km",
            details={"field": "radius_km"},
        )
    return float(radius_km)


def recommend(
    user: Any, incident: Incident, *, limit: int = DEFAULT_LIMIT, radius_km: float | None = None
) -> Recommendation:
    """The recommendation for `incident` as `user` sees the resources (a point off the road network: the
    lists stay empty and `problem` says why)."""
    from yingji.resources.models import Equipment, Team

    limit = max(1, min(int(limit), MAX_LIMIT))
    radius = check_radius(radius_km)
    profile = profile_of(incident)
    found = Recommendation(profile=profile, radius_km=radius)
    point = (incident.longitude, incident.latitude)
    try:
        check_point(*point)
    except DomainError as error:
        found.problem = error.page_message
        return found
    team_kinds = profile.team_kinds if profile else ()
    equipment_kinds = profile.equipment_kinds if profile else ()
    found.teams = _ranked(user, point, "team", limit, lambda c: _kind_filter(c, Team.objects, team_kinds))
    if not found.teams and team_kinds:
        # None of the kinds needed stands by: the nearest of any kind, marked as such.
        found.teams = _ranked(user, point, "team", limit)
        found.other_kinds = bool(found.teams)
    found.equipment = _ranked(
        user, point, "equipment", limit, lambda c: _kind_filter(c, Equipment.objects, equipment_kinds)
    )
    found.vehicles = _ranked(user, point, "vehicle", limit)
    found.warehouses = _ranked(user, point, "warehouse", limit)
    found.population = population_around(incident)
    if profile and profile.chemical:
        found.shelters = _ranked(user, point, "shelter", limit)
        found.installations = installations_near(user, incident, radius)
        found.enterprises = enterprises_near(user, incident, radius)
    if profile and profile.aviation:
        found.helipads = helipads_near(user, incident, limit)
    return found


def population_around(incident: Incident) -> dict[str, int]:
    grid = population.load_grid(incident.region)
    if grid is None:
        return {}
    counts = population.people_within_km(grid, incident.longitude, incident.latitude, POPULATION_RADII_KM)
    return {f"{radius:g}": people for radius, people in counts.items()}


def _within(
    rows: list[tuple[Any, ...]], incident: Incident, radius: float
) -> list[tuple[float, tuple[Any, ...]]]:
    if not rows:
        return []
    import numpy as np

    lon = np.array([row[-2] for row in rows], dtype=float)
    lat = np.array([row[-1] for row in rows], dtype=float)
    km = areas.haversine_km(incident.longitude, incident.latitude, lon, lat)
    near = sorted((float(d), row) for d, row in zip(km, rows, strict=True) if d <= radius)
    return near[:MAX_NEARBY]


def _box(incident: Incident, radius: float, prefix: str = "") -> dict[str, float]:
    dlat = radius / 111.0 + 0.01
    dlon = dlat * 1.5
    return {
        f"{prefix}longitude__gte": incident.longitude - dlon,
        f"{prefix}longitude__lte": incident.longitude + dlon,
        f"{prefix}latitude__gte": incident.latitude - dlat,
        f"{prefix}latitude__lte": incident.latitude + dlat,
    }


def installations_near(user: Any, incident: Incident, radius: float) -> list[dict[str, Any]]:
    """Major hazard installations (重大危险源) within the radius, nearest first, as the user may see them."""
    from yingji.majorhazards.models import Installation

    rows = list(
        Installation.objects.visible_to(user)
        .filter(is_major=True, **_box(incident, radius))
        .values_list("pk", "name", "level", "enterprise__name", "longitude", "latitude")
    )
    return [
        {"id": pk, "name": name, "level": level, "enterprise": enterprise, "km": round(km, 2)}
        for km, (pk, name, level, enterprise, _lon, _lat) in _within(rows, incident, radius)
    ]


def enterprises_near(user: Any, incident: Incident, radius: float) -> list[dict[str, Any]]:
    from yingji.enterprises.models import Enterprise

    rows = list(
        Enterprise.objects.visible_to(user)
        .filter(**_box(incident, radius))
        .values_list("pk", "name", "industry", "longitude", "latitude")
    )
    return [
        {"id": pk, "name": name, "industry": industry, "km": round(km, 2)}
        for km, (pk, name, industry, _lon, _lat) in _within(rows, incident, radius)
    ]


def helipads_near(user: Any, incident: Incident, limit: int) -> list[dict[str, Any]]:
    """The nearest usable helipads and the air minutes from each (dispatch delay, then cruise speed)."""
    from yingji.resources.models import Helipad

    rows = list(
        Helipad.objects.visible_to(user)
        .filter(usable=True)
        .values_list("pk", "name", "longitude", "latitude")
    )
    nearest = _within(rows, incident, 10_000.0)[:limit]
    cruise, delay = settings.ROADS_AIR_CRUISE_KMH, settings.ROADS_AIR_DISPATCH_MINUTES
    return [
        {"id": pk, "name": name, "km": round(km, 1), "minutes": round(delay + km / cruise * 60.0, 1)}
        for km, (pk, name, _lon, _lat) in nearest
    ]
